// SPDX-License-Identifier: GPL-2.0-only
// A small model of what fastmapd observes, used to generate the traces in traces/: an instance
// whose cumulative module counters, BPF counters and latency histograms advance like the real
// ones under a given load, stock-mmap file counters, and /proc memory state. Deterministic (own
// PRNG, no libm) so the checked-in traces can be regenerated bit for bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace fastmap::daemon::test {

inline constexpr std::uint64_t kMiB = 1ULL << 20;
inline constexpr std::uint64_t kGiB = 1ULL << 30;

// xorshift64*: the same sequence everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : s_(seed != 0 ? seed : 0x9E3779B97F4A7C15ULL) {}
    std::uint64_t next();
    double uniform();                     // [0, 1)
    double jitter(double v, double rel);  // v * (1 +- rel), uniformly
    std::uint64_t below(std::uint64_t n) { return next() % n; }

private:
    std::uint64_t s_;
};

std::uint64_t round_u64(double v);  // nearest, v >= 0

// What an instance's workload does during one interval.
struct Load {
    double faults_per_s = 150'000;
    double miss_ratio = 0.05;
    double write_ratio = 0.2;
    double stall_ratio = 0;                   // faults that found no free frame
    std::uint64_t hit_ns = 900;               // a hit maps a cached frame
    std::uint64_t miss_ns = 95'000;           // a miss reads 4 KiB from NVMe
    std::uint64_t evict_ns_per_page = 1'500;  // eviction cost per page (unmap, shootdown, I/O)
    std::uint64_t stall_wait_ns = 0;  // extra wait of a stalled fault behind other evictions
    double noise = 0.05;              // relative jitter of rates and latencies
};

class SimInstance {
public:
    SimInstance(std::string name, std::uint32_t id, std::uint64_t cache_bytes,
                std::uint32_t batch_pages, bool bpf = true);

    // The instance as if it had run for a while (counters do not start at zero).
    void warm_up(std::uint64_t seconds, const Load& load, Rng& rng);
    void advance(std::uint64_t dt_ms, const Load& load, Rng& rng);
    InstanceObservation observe() const;

    InstanceInfo info;
    telemetry::InstanceCounters counters;
    telemetry::Histogram fault_hist;
    telemetry::Histogram evict_hist;
    bool bpf = true;

private:
    std::uint64_t evict_carry_ = 0;  // misses not yet evicted as a whole batch
};

// Stock Linux mmap faults of one file (cumulative).
struct SimFile {
    FileKey key;
    std::uint64_t faults = 0;

    void advance(std::uint64_t dt_ms, double per_s, Rng& rng, double noise = 0.08);
    FileObservation observe() const { return {key, faults}; }
};

// /proc/meminfo and /proc/pressure/memory of a 16 GiB machine: MemAvailable with +-0.5% noise,
// PSI avg10 with two decimals as the kernel prints it (full ~ 40% of some).
MemInfo memory(Rng& rng, std::uint64_t available_bytes, std::optional<double> psi_some);

// The daemon's monotonic clock: one policy interval of 1 s plus timer slack per tick.
class Clock {
public:
    explicit Clock(std::uint64_t start_ms = 4'215'337) : now_(start_ms) {}
    std::uint64_t step(Rng& rng);  // advances; returns the interval length (ms)
    std::uint64_t now() const { return now_; }

private:
    std::uint64_t now_;
};

}  // namespace fastmap::daemon::test
