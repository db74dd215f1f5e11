// SPDX-License-Identifier: GPL-2.0-only
#include "telemetry/percpu.hpp"

#include <algorithm>

#include "telemetry/kdev.hpp"

namespace fastmap::telemetry {

static_assert(Histogram::kSlots == FM_HIST_SLOTS, "Histogram must mirror struct fm_hist");

namespace {

Histogram to_histogram(const fm_hist& h) {
    Histogram out;
    std::copy(std::begin(h.slots), std::end(h.slots), out.slots.begin());
    return out;
}

}  // namespace

std::optional<InstanceCounters> sum_instance(std::span<const fm_instance_stats> percpu) {
    InstanceCounters out;
    bool used = false;
    for (const fm_instance_stats& s : percpu) {
        if (!s.used) {
            continue;
        }
        out.id = used ? std::max(out.id, s.id) : s.id;
        used = true;
        out.faults += s.faults;
        out.hits += s.hits;
        out.misses += s.misses;
        out.writes += s.writes;
        out.fault_ns += s.fault_ns;
        out.evict_batches += s.evict_batches;
        out.evicted_pages += s.evicted_pages;
        out.shootdown_rounds += s.shootdown_rounds;
        out.evict_ns += s.evict_ns;
        out.wb_rounds += s.wb_rounds;
        out.wb_pages += s.wb_pages;
        out.wb_bytes += s.wb_bytes;
        out.wb_errors += s.wb_errors;
        out.wb_ns += s.wb_ns;
    }
    if (!used) {
        return std::nullopt;
    }
    return out;
}

Histogram sum_fault_latency(std::span<const fm_instance_stats> percpu) {
    Histogram out;
    for (const fm_instance_stats& s : percpu) {
        out += to_histogram(s.fault_lat);
    }
    return out;
}

Histogram sum_evict_latency(std::span<const fm_instance_stats> percpu) {
    Histogram out;
    for (const fm_instance_stats& s : percpu) {
        out += to_histogram(s.evict_lat);
    }
    return out;
}

bool slot_has_id(std::span<const fm_instance_stats> percpu, std::uint32_t id) {
    return std::any_of(percpu.begin(), percpu.end(),
                       [id](const fm_instance_stats& s) { return s.used && s.id == id; });
}

FileCounters sum_file(const fm_file_key& key, std::span<const fm_file_stats> percpu) {
    FileCounters out;
    out.key = FileKey{key.dev, key.ino};
    out.dev = kdev_decode(key.dev);
    for (const fm_file_stats& s : percpu) {
        out.faults += s.faults;
        out.shared_faults += s.shared_faults;
        out.major_faults += s.major_faults;
        out.page_cache_adds += s.page_cache_adds;
        out.page_cache_evictions += s.page_cache_evictions;
    }
    return out;
}

Drops sum_drops(std::span<const fm_global_stats> percpu) {
    Drops out;
    for (const fm_global_stats& s : percpu) {
        out.events += s.rb_drops;
        out.file_updates += s.file_map_errors;
    }
    return out;
}

Event to_event(const fm_event& raw) {
    Event e;
    e.type = static_cast<Event::Type>(raw.type);
    e.ts_ns = raw.ts_ns;
    e.id = raw.id;
    e.err = raw.err;
    e.pages = raw.pages;
    e.bytes = raw.bytes;
    e.ns = raw.ns;
    e.off = raw.off;
    e.hit = raw.hit != 0;
    e.write = raw.write != 0;
    return e;
}

}  // namespace fastmap::telemetry
