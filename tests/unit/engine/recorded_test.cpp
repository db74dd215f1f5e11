// SPDX-License-Identifier: GPL-2.0-only
// The engine on a trace the real fastmapd recorded (--record-trace) in the VM on Linux 6.1:
// traces/recorded-6.1-fmbench-grow.jsonl. A systemd guest (run-vm.sh --systemd), null_blk
// (1 GiB, memory backed) attached as vm0 with an 8 MiB cache, fastmapd with the BPF telemetry
// and the policy below at a 1 s interval, then `fmbench --mode fastmap --op read --threads 2
// --seconds 20 --pages 16384` (random reads over 64 MiB) and a minute idle. The live daemon's
// journal said, in this order:
//   cache_grow vm0 8 MiB -> 12 MiB: miss ratio 1.00 > 0.20 for 2 intervals, MemAvailable 1.23 GiB
//   batch_decrease vm0 512 pages -> 256 pages: mean eviction batch 8.12 ms > target 2.00 ms ...
//   cache_grow vm0 12 MiB -> 18 MiB, cache_grow 18 MiB -> 27 MiB,
//   batch_decrease 256 -> 128 pages, cache_grow 27 MiB -> 40.5 MiB
// The trace shows those changes applied (the live daemon's), so a replay must make the same
// decisions at the same observations. (The timer's default 250 ms accuracy spaces the
// observations ~1.25 s apart.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "replay.hpp"

namespace fastmap::daemon::test {
namespace {

constexpr std::uint64_t kMiB = 1ULL << 20;

// /etc/fastmap/fastmapd.json of the recording.
Policy recording_policy() {
    Policy p;
    p.interval_ms = 1000;
    CachePolicy& c = p.defaults.cache;
    c.min_bytes = 4 * kMiB;
    c.max_bytes = 48 * kMiB;
    c.step_percent = 50;
    c.grow_miss_ratio = 0.2;
    c.shrink_miss_ratio = 0.001;
    c.min_mem_available_bytes = 64 * kMiB;
    c.hysteresis_intervals = 2;
    c.cooldown_intervals = 2;
    c.min_faults = 50;
    return p;
}

TEST(RecordedTrace, ReplayMakesTheLiveDaemonsDecisionsAtTheSameObservations) {
    const std::vector<Observation> trace = load_trace("recorded-6.1-fmbench-grow");
    ASSERT_EQ(trace.size(), 72U);
    Engine engine(recording_policy());
    Replay replay(engine);
    const std::vector<Made> made = replay.run(trace);

    struct Want {
        std::size_t index;
        DecisionKind kind;
        std::uint64_t from;
        std::uint64_t to;
    };
    const std::vector<Want> want = {
        {5, DecisionKind::kCacheGrow, 8 * kMiB, 12 * kMiB},
        {7, DecisionKind::kBatchDecrease, 512, 256},
        {9, DecisionKind::kCacheGrow, 12 * kMiB, 18 * kMiB},
        {13, DecisionKind::kCacheGrow, 18 * kMiB, 27 * kMiB},
        {15, DecisionKind::kBatchDecrease, 256, 128},
        {17, DecisionKind::kCacheGrow, 27 * kMiB, 40 * kMiB + 512 * 1024},
    };
    ASSERT_EQ(made.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        SCOPED_TRACE(i);
        const Decision& d = made[i].decision;
        EXPECT_EQ(made[i].index, want[i].index);
        EXPECT_EQ(d.kind, want[i].kind);
        EXPECT_EQ(d.target, "vm0");
        EXPECT_EQ(d.from, want[i].from);
        EXPECT_EQ(d.to, want[i].to);
        // The applied value shows up in the recorded trace at the next observation.
        const InstanceInfo& next = trace[made[i].index + 1].instances.at(0).info;
        EXPECT_EQ(d.kind == DecisionKind::kCacheGrow ? next.cache_bytes : next.batch_pages,
                  want[i].to);
    }
    EXPECT_TRUE(made[0].decision.reason.starts_with("miss ratio 1.00 > 0.20 for 2 intervals"))
        << made[0].decision.reason;
    EXPECT_TRUE(made[1].decision.reason.starts_with("mean eviction batch 8.12 ms > target 2.00 ms"))
        << made[1].decision.reason;
}

TEST(RecordedTrace, WithoutTelemetryCountersOnlyTheCacheIsTuned) {
    std::vector<Observation> trace = load_trace("recorded-6.1-fmbench-grow");
    for (Observation& obs : trace) {
        for (InstanceObservation& inst : obs.instances) {
            inst.counters.reset();
            inst.fault_latency.reset();
            inst.evict_latency.reset();
        }
    }
    Engine engine(recording_policy());
    Replay replay(engine);
    const std::vector<Made> made = replay.run(trace);
    EXPECT_TRUE(only(made, DecisionKind::kBatchDecrease).empty());
    EXPECT_TRUE(only(made, DecisionKind::kBatchIncrease).empty());
    EXPECT_FALSE(only(made, DecisionKind::kCacheGrow).empty());
}

}  // namespace
}  // namespace fastmap::daemon::test
