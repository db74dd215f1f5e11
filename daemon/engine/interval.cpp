// SPDX-License-Identifier: GPL-2.0-only
#include "engine/interval.hpp"

#include <string_view>

namespace fastmap::daemon::detail {
namespace {

// Gauges may go down; every other module counter only grows while the instance lives.
bool is_gauge(std::uint64_t Stats::*member) {
    return member == &Stats::dirty_pages || member == &Stats::cached_pages ||
           member == &Stats::free_pages || member == &Stats::cache_pages;
}

}  // namespace

std::optional<std::uint64_t> Interval::mean_evict_ns() const {
    if (!evict_batches || !evict_ns || *evict_batches == 0) {
        return std::nullopt;
    }
    return *evict_ns / *evict_batches;
}

bool reattached(const InstanceObservation& prev, const InstanceObservation& cur) {
    if (prev.info.id != cur.info.id) {
        return true;
    }
    for (const StatField& field : kStatFields) {
        if (!is_gauge(field.member) &&
            cur.info.stats.*field.member < prev.info.stats.*field.member) {
            return true;
        }
    }
    return false;
}

std::optional<telemetry::Histogram> histogram_delta(const telemetry::Histogram& prev,
                                                    const telemetry::Histogram& cur) {
    telemetry::Histogram out;
    for (std::size_t i = 0; i < telemetry::Histogram::kSlots; ++i) {
        if (cur.slots[i] < prev.slots[i]) {
            return std::nullopt;
        }
        out.slots[i] = cur.slots[i] - prev.slots[i];
    }
    return out;
}

Interval make_interval(const InstanceObservation& prev, const InstanceObservation& cur) {
    Interval iv;
    const Stats& a = prev.info.stats;
    const Stats& b = cur.info.stats;
    iv.faults = b.faults - a.faults;
    iv.misses = b.misses - a.misses;
    iv.evict_stalls = b.evict_stalls - a.evict_stalls;

    const std::uint32_t id = cur.info.id;
    if (prev.counters && cur.counters && prev.counters->id == id && cur.counters->id == id &&
        cur.counters->evict_batches >= prev.counters->evict_batches &&
        cur.counters->evict_ns >= prev.counters->evict_ns) {
        iv.evict_batches = cur.counters->evict_batches - prev.counters->evict_batches;
        iv.evict_ns = cur.counters->evict_ns - prev.counters->evict_ns;
    }
    if (prev.fault_latency && cur.fault_latency) {
        iv.fault_latency = histogram_delta(*prev.fault_latency, *cur.fault_latency);
    }
    return iv;
}

}  // namespace fastmap::daemon::detail
