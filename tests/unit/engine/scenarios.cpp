// SPDX-License-Identifier: GPL-2.0-only
#include "scenarios.hpp"

#include <optional>

#include "sim.hpp"

namespace fastmap::daemon::test {
namespace {

Observation snapshot(const Clock& clock, const MemInfo& mem,
                     std::initializer_list<const SimInstance*> instances) {
    Observation obs;
    obs.now_ms = clock.now();
    obs.mem = mem;
    for (const SimInstance* inst : instances) {
        obs.instances.push_back(inst->observe());
    }
    return obs;
}

// PSI some avg10 of a quiet machine: mostly 0.00, now and then a little.
double quiet_psi(Rng& rng) {
    return rng.uniform() < 0.8 ? 0.0 : 0.6 * rng.uniform();
}

// avg10 follows the stall share it is given like the kernel's 10 s running average does.
double psi_towards(double avg10, double stalled_percent) {
    return avg10 * 0.8 + stalled_percent * 0.2;
}

// 50 s of an OLTP database whose working set is far larger than its 512 MiB cache.
std::vector<Observation> grow_sustained() {
    Rng rng(101);
    Clock clock;
    SimInstance db("db0", 3, 512 * kMiB, 512);
    const Load load{.faults_per_s = 180'000, .miss_ratio = 0.32};
    db.warm_up(900, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 50; ++i) {
        db.advance(clock.step(rng), load, rng);
        out.push_back(snapshot(clock, memory(rng, 11 * kGiB + 200 * kMiB, quiet_psi(rng)), {&db}));
    }
    return out;
}

// The same misses on a machine short of memory: MemAvailable ~600 MiB (enough, but a 128 MiB
// growth would leave less than 2 x 256 MiB), then ~200 MiB (below min_mem_available: shrink),
// then a big job exits and 9 GiB are free.
std::vector<Observation> low_memory() {
    Rng rng(202);
    Clock clock;
    SimInstance db("db0", 3, 512 * kMiB, 512);
    const Load load{.faults_per_s = 160'000, .miss_ratio = 0.30};
    db.warm_up(600, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 90; ++i) {
        db.advance(clock.step(rng), load, rng);
        MemInfo mem = i < 30   ? memory(rng, 600 * kMiB, 2.0 + 2.0 * rng.uniform())
                      : i < 60 ? memory(rng, 200 * kMiB, 6.0 + 3.0 * rng.uniform())
                               : memory(rng, 9 * kGiB, quiet_psi(rng));
        out.push_back(snapshot(clock, mem, {&db}));
    }
    return out;
}

// A cache at its 1 GiB maximum with plenty of misses when another service starts thrashing:
// memory PSI climbs to ~25% for 30 s and decays afterwards.
std::vector<Observation> psi_pressure() {
    Rng rng(303);
    Clock clock;
    SimInstance db("db0", 3, 1 * kGiB, 512);
    const Load load{.faults_per_s = 170'000, .miss_ratio = 0.35};
    db.warm_up(1200, load, rng);
    std::vector<Observation> out;
    double psi = 0.8;
    for (int i = 0; i < 80; ++i) {
        db.advance(clock.step(rng), load, rng);
        const double stalled = i < 20 ? 1.0 : i < 50 ? 25.0 : 0.3;
        psi = psi_towards(psi, rng.jitter(stalled, 0.3));
        out.push_back(snapshot(clock, memory(rng, 3 * kGiB, psi), {&db}));
    }
    return out;
}

// A 1 GiB cache over a small hot set: 2 misses per 1000 faults.
std::vector<Observation> tiny_misses() {
    Rng rng(404);
    Clock clock;
    SimInstance db("db0", 3, 1 * kGiB, 512);
    const Load load{.faults_per_s = 90'000, .miss_ratio = 0.002};
    db.warm_up(3600, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 60; ++i) {
        db.advance(clock.step(rng), load, rng);
        out.push_back(snapshot(clock, memory(rng, 10 * kGiB, quiet_psi(rng)), {&db}));
    }
    return out;
}

// 300 s of a workload that does not make up its mind:
//   0..59    a batch job every other second: miss ratio 0.25, 0.04, 0.25, ...
//   60..99   steady 0.05 with spikes: one interval at 0.45 (80), two at 0.45 (90, 91), and
//            0.45 at 70..74 where 72 is idle (40 faults)
//   100..299 miss ratio anywhere in 0.02..0.20 and memory PSI wandering around 10%.
std::vector<Observation> noisy() {
    Rng rng(505);
    Clock clock;
    SimInstance db("db0", 3, 512 * kMiB, 512);
    db.warm_up(600, Load{.faults_per_s = 120'000, .miss_ratio = 0.08}, rng);
    std::vector<Observation> out;
    double psi = 9.0;
    for (int i = 0; i < 300; ++i) {
        Load load{.faults_per_s = 120'000, .miss_ratio = 0.05};
        std::optional<double> psi_now = quiet_psi(rng);
        if (i < 60) {
            load.miss_ratio = i % 2 == 0 ? 0.25 : 0.04;
        } else if (i < 100) {
            if (i == 80 || i == 90 || i == 91 || (i >= 70 && i <= 74)) {
                load.miss_ratio = 0.45;
            }
            if (i == 72) {
                load.faults_per_s = 40;  // idle for a second
            }
        } else {
            load.miss_ratio = 0.02 + 0.18 * rng.uniform();
            psi = psi_towards(psi, 4.0 + 12.0 * rng.uniform());
            psi_now = psi;
        }
        db.advance(clock.step(rng), load, rng);
        out.push_back(snapshot(clock, memory(rng, 8 * kGiB, psi_now), {&db}));
    }
    return out;
}

// Two instances an operator attached outside the policy's 16 MiB..1 GiB: 4 GiB and 8 MiB.
std::vector<Observation> out_of_bounds() {
    Rng rng(606);
    Clock clock;
    SimInstance big("big0", 5, 4 * kGiB, 512);
    SimInstance small("small0", 6, 8 * kMiB, 64);
    const Load load{.faults_per_s = 60'000, .miss_ratio = 0.05};
    big.warm_up(300, load, rng);
    small.warm_up(300, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 30; ++i) {
        const std::uint64_t dt = clock.step(rng);
        big.advance(dt, load, rng);
        small.advance(dt, load, rng);
        out.push_back(snapshot(clock, memory(rng, 7 * kGiB, quiet_psi(rng)), {&big, &small}));
    }
    return out;
}

// db0 with many misses is detached and attached again twice: at 22 (new id 4, counters start
// over) and at 40 (same id 4, counters start over, attached with 256 MiB this time).
std::vector<Observation> reattach() {
    Rng rng(707);
    Clock clock;
    const Load load{.faults_per_s = 150'000, .miss_ratio = 0.30};
    SimInstance db("db0", 3, 512 * kMiB, 512);
    db.warm_up(1800, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 60; ++i) {
        if (i == 22) {
            db = SimInstance("db0", 4, 512 * kMiB, 512);
        } else if (i == 40) {
            db = SimInstance("db0", 4, 256 * kMiB, 512);
        }
        db.advance(clock.step(rng), load, rng);
        out.push_back(snapshot(clock, memory(rng, 12 * kGiB, quiet_psi(rng)), {&db}));
    }
    return out;
}

// 2048-page eviction batches on a slow device: ~3.5 ms per batch (target 2 ms).
std::vector<Observation> batch_slow_with(bool bpf) {
    Rng rng(808);
    Clock clock;
    SimInstance db("db0", 3, 1 * kGiB, 2048, bpf);
    const Load load{.faults_per_s = 120'000, .miss_ratio = 0.06, .evict_ns_per_page = 1'700};
    db.warm_up(900, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 45; ++i) {
        db.advance(clock.step(rng), load, rng);
        out.push_back(snapshot(clock, memory(rng, 10 * kGiB, quiet_psi(rng)), {&db}));
    }
    return out;
}

std::vector<Observation> batch_slow() {
    return batch_slow_with(true);
}

// The same run recorded without BPF telemetry (no counters, no histograms).
std::vector<Observation> batch_slow_nobpf() {
    return batch_slow_with(false);
}

// 64-page batches (~0.4 ms) that cannot keep up: 2.5% of faults stall behind eviction and wait
// ~7 ms (fault p99 ~8 ms). From 30 on the stalls stay but are short (p99 < 1 ms).
std::vector<Observation> batch_stalls() {
    Rng rng(909);
    Clock clock;
    SimInstance db("db0", 3, 1 * kGiB, 64);
    Load load{.faults_per_s = 200'000,
              .miss_ratio = 0.30,
              .stall_ratio = 0.025,
              .evict_ns_per_page = 6'000,
              .stall_wait_ns = 7'000'000};
    db.warm_up(600, load, rng);
    std::vector<Observation> out;
    for (int i = 0; i < 60; ++i) {
        if (i == 30) {
            load.stall_wait_ns = 300'000;
        }
        db.advance(clock.step(rng), load, rng);
        out.push_back(snapshot(clock, memory(rng, 10 * kGiB, quiet_psi(rng)), {&db}));
    }
    return out;
}

// Stock mmap faults of the files in kAllFiles for 45 s. kIndex is in the enable table already.
std::vector<Observation> auto_enable() {
    Rng rng(1010);
    Clock clock;
    SimInstance cache("cache0", 2, 256 * kMiB, 256);
    const Load quiet{.faults_per_s = 300, .miss_ratio = 0.05};
    cache.warm_up(3600, quiet, rng);
    std::vector<SimFile> files;
    for (const TraceFile& f : kAllFiles) {
        files.push_back({f.key, 1'000 + rng.below(5'000'000)});
    }
    auto rate_of = [](const TraceFile& f, int i) -> double {
        if (f.key == kOrders.key) {
            return 4'200;
        }
        if (f.key == kLibLlvm.key) {
            return 25'000;
        }
        if (f.key == kUndo.key) {
            return 3'000;
        }
        if (f.key == kBinlog.key) {  // a burst of 9000 faults every 12 s: ~750/s on average
            return i % 12 == 5 ? 9'000 : 2;
        }
        if (f.key == kWarm.key) {
            return 650;
        }
        if (f.key == kIndex.key) {
            return 9'000;
        }
        if (f.key == kShard0.key) {
            return 2'600;
        }
        if (f.key == kShard1.key) {
            return 2'400;
        }
        if (f.key == kThumbs.key) {
            return 1'800;
        }
        return 5'000;  // kSortTmp
    };
    std::vector<Observation> out;
    for (int i = 0; i < 45; ++i) {
        const std::uint64_t dt = clock.step(rng);
        cache.advance(dt, quiet, rng);
        Observation obs = snapshot(clock, memory(rng, 9 * kGiB, quiet_psi(rng)), {&cache});
        for (std::size_t k = 0; k < files.size(); ++k) {
            files[k].advance(dt, rate_of(kAllFiles[k], i), rng);
            obs.files.push_back(files[k].observe());
        }
        obs.enabled_files.push_back({kIndex.key, std::string(kIndex.path)});
        out.push_back(std::move(obs));
    }
    return out;
}

constexpr Scenario kScenarios[] = {
    {"grow_sustained", grow_sustained},
    {"low_memory", low_memory},
    {"psi_pressure", psi_pressure},
    {"tiny_misses", tiny_misses},
    {"noisy", noisy},
    {"out_of_bounds", out_of_bounds},
    {"reattach", reattach},
    {"batch_slow", batch_slow},
    {"batch_slow_nobpf", batch_slow_nobpf},
    {"batch_stalls", batch_stalls},
    {"auto_enable", auto_enable},
};

}  // namespace

std::span<const Scenario> scenarios() {
    return kScenarios;
}

}  // namespace fastmap::daemon::test
