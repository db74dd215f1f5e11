// SPDX-License-Identifier: GPL-2.0-only
#include "sim.hpp"

#include <algorithm>
#include <utility>

namespace fastmap::daemon::test {

std::uint64_t Rng::next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
}

double Rng::uniform() {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
}

double Rng::jitter(double v, double rel) {
    return v * (1.0 + rel * (2.0 * uniform() - 1.0));
}

std::uint64_t round_u64(double v) {
    return v <= 0 ? 0 : static_cast<std::uint64_t>(v + 0.5);
}

namespace {

// n samples around center (ns), spread over neighbouring log2 slots as real latencies are.
void spread(telemetry::Histogram& h, std::uint64_t n, std::uint64_t center) {
    const std::size_t s = telemetry::Histogram::slot_of(center);
    const std::uint64_t below = s > 0 ? n * 15 / 100 : 0;
    const std::uint64_t above = n * 25 / 100;
    const std::uint64_t far = n * 5 / 100;
    h.slots[s - (s > 0 ? 1 : 0)] += below;
    h.slots[std::min(s + 1, telemetry::Histogram::kSlots - 1)] += above;
    h.slots[std::min(s + 2, telemetry::Histogram::kSlots - 1)] += far;
    h.slots[s] += n - below - above - far;
}

}  // namespace

SimInstance::SimInstance(std::string name, std::uint32_t id, std::uint64_t cache_bytes,
                         std::uint32_t batch_pages, bool with_bpf)
    : bpf(with_bpf) {
    info.name = std::move(name);
    info.id = id;
    info.device = "/dev/nvme0n1p" + std::to_string(id);
    info.dev = {259, id};
    info.size_bytes = 200 * kGiB;
    info.cache_bytes = cache_bytes;
    info.batch_pages = batch_pages;
    info.dirty_ratio = 10;
    info.wb_interval_ms = 5000;
    info.open_count = 2;
    info.stats.cache_pages = cache_bytes / 4096;
    counters.id = id;
}

void SimInstance::warm_up(std::uint64_t seconds, const Load& load, Rng& rng) {
    advance(seconds * 1000, load, rng);
}

void SimInstance::advance(std::uint64_t dt_ms, const Load& load, Rng& rng) {
    const double dt = static_cast<double>(dt_ms) / 1000.0;
    const std::uint64_t faults = round_u64(rng.jitter(load.faults_per_s, load.noise) * dt);
    const double ratio = std::min(rng.jitter(load.miss_ratio, load.noise), 1.0);
    const std::uint64_t misses = round_u64(static_cast<double>(faults) * ratio);
    const std::uint64_t hits = faults - misses;
    const std::uint64_t writes = round_u64(static_cast<double>(faults) * load.write_ratio);
    const std::uint64_t stalls =
        std::min(misses, round_u64(static_cast<double>(faults) * load.stall_ratio));

    // The cache is full: every miss evicts a frame, in whole batches.
    evict_carry_ += misses;
    const std::uint64_t batches = evict_carry_ / info.batch_pages;
    evict_carry_ %= info.batch_pages;
    const std::uint64_t wb = round_u64(static_cast<double>(misses) * load.write_ratio);

    Stats& s = info.stats;
    s.faults += faults;
    s.hits += hits;
    s.misses += misses;
    s.mkwrite += writes / 2;
    s.evictions += batches * info.batch_pages;
    s.evict_batches += batches;
    s.shootdowns += batches;
    s.wb_pages += wb;
    s.wb_bios += wb / 24;
    s.read_ios += misses;
    s.evict_stalls += stalls;
    s.cache_pages = info.cache_bytes / 4096;
    s.free_pages = std::min<std::uint64_t>(s.cache_pages, rng.below(info.batch_pages + 1));
    s.cached_pages = s.cache_pages - s.free_pages;
    s.dirty_pages = std::min(s.cached_pages,
                             round_u64(rng.jitter(static_cast<double>(s.cache_pages) * 0.04, 0.3)));

    const std::uint64_t batch_ns = round_u64(
        rng.jitter(static_cast<double>(info.batch_pages * load.evict_ns_per_page), load.noise));
    const std::uint64_t stall_ns = load.miss_ns + batch_ns + load.stall_wait_ns;
    counters.faults += faults;
    counters.hits += hits;
    counters.misses += misses;
    counters.writes += writes;
    counters.fault_ns += hits * load.hit_ns + (misses - stalls) * load.miss_ns + stalls * stall_ns;
    counters.evict_batches += batches;
    counters.evicted_pages += batches * info.batch_pages;
    counters.shootdown_rounds += batches;
    counters.evict_ns += batches * batch_ns;
    const std::uint64_t rounds = std::max<std::uint64_t>(dt_ms / 1000, 1);
    counters.wb_rounds += rounds;
    counters.wb_pages += wb;
    counters.wb_bytes += wb * 4096;
    counters.wb_ns += rounds * 350'000 + wb * 2'000;

    spread(fault_hist, hits, load.hit_ns);
    spread(fault_hist, misses - stalls, load.miss_ns);
    spread(fault_hist, stalls, stall_ns);
    spread(evict_hist, batches, batch_ns);
}

InstanceObservation SimInstance::observe() const {
    InstanceObservation o;
    o.info = info;
    if (bpf) {
        o.counters = counters;
        o.fault_latency = fault_hist;
        o.evict_latency = evict_hist;
    }
    return o;
}

void SimFile::advance(std::uint64_t dt_ms, double per_s, Rng& rng, double noise) {
    faults += round_u64(rng.jitter(per_s, noise) * static_cast<double>(dt_ms) / 1000.0);
}

MemInfo memory(Rng& rng, std::uint64_t available_bytes, std::optional<double> psi_some) {
    MemInfo m;
    m.total_bytes = 16'331'044ULL * 1024;  // MemTotal of a "16 GiB" machine
    const std::uint64_t kb =
        round_u64(rng.jitter(static_cast<double>(available_bytes), 0.005)) / 1024;
    m.available_bytes = kb * 1024;  // meminfo counts in kB
    if (psi_some) {
        const std::uint64_t some = round_u64(*psi_some * 100);
        m.psi_some_avg10 = static_cast<double>(some) / 100.0;
        m.psi_full_avg10 = static_cast<double>(some * 4 / 10) / 100.0;
    }
    return m;
}

std::uint64_t Clock::step(Rng& rng) {
    const std::uint64_t dt = 1000 + rng.below(7);
    now_ += dt;
    return dt;
}

}  // namespace fastmap::daemon::test
