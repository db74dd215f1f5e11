// SPDX-License-Identifier: GPL-2.0-only
// Eviction-batch tuning, replayed on traces/batch_*.jsonl with the built-in policy (64..2048
// pages, target 2 ms per batch, fault p99 limit 5 ms, hysteresis 3, cooldown 5).
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"
#include "replay.hpp"

namespace fastmap::daemon::test {
namespace {

using Kind = DecisionKind;
using Indices = std::vector<std::size_t>;

std::vector<Made> replay(Engine& engine, std::string_view trace) {
    Replay r(engine);
    return r.run(load_trace(trace));
}

std::vector<Made> replay(const Policy& policy, std::string_view trace) {
    Engine engine(policy);
    return replay(engine, trace);
}

TEST(EngineBatch, HalvesSlowBatchesDownToTheMinimum) {
    const auto made = replay(Policy{}, "batch_slow");
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 27, 35}));  // no cache decision either
    const std::uint64_t pages[] = {2048, 1024, 512, 256, 128, 64};
    for (std::size_t i = 0; i < made.size(); ++i) {
        const Decision& d = made[i].decision;
        EXPECT_EQ(d.kind, Kind::kBatchDecrease);
        EXPECT_EQ(d.target, "db0");
        EXPECT_EQ(d.from, pages[i]);
        EXPECT_EQ(d.to, pages[i + 1]);
        EXPECT_TRUE(d.reason.starts_with("mean eviction batch 3.")) << d.reason;
        EXPECT_TRUE(d.reason.ends_with(" ms > target 2.00 ms for 3 intervals")) << d.reason;
    }
}

TEST(EngineBatch, NoBatchDecisionsWithoutBpfCounters) {
    // The same run without BPF telemetry: module counters alone cannot time a batch.
    EXPECT_TRUE(replay(Policy{}, "batch_slow_nobpf").empty());
}

TEST(EngineBatch, DoublesWhenFaultsStallBehindQuickBatches) {
    const auto made = replay(Policy{}, "batch_stalls");
    // 0..29: stalled faults wait ~7 ms (p99 > 5 ms) while a batch takes ~0.4 ms. From 30 the
    // stalls are short: no more doubling.
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 27}));
    const std::uint64_t pages[] = {64, 128, 256, 512, 1024};
    for (std::size_t i = 0; i < made.size(); ++i) {
        const Decision& d = made[i].decision;
        EXPECT_EQ(d.kind, Kind::kBatchIncrease);
        EXPECT_EQ(d.from, pages[i]);
        EXPECT_EQ(d.to, pages[i + 1]);
        EXPECT_NE(d.reason.find(" eviction stalls, fault p99 "), std::string::npos) << d.reason;
        EXPECT_NE(d.reason.find(" ms > 5.00 ms, mean eviction batch "), std::string::npos)
            << d.reason;
        EXPECT_TRUE(d.reason.ends_with(" us < 1.00 ms for 3 intervals")) << d.reason;
    }
}

TEST(EngineBatch, DoublingStopsAtTheMaximum) {
    Policy policy;
    policy.defaults.batch.max_pages = 200;
    const auto made = replay(policy, "batch_stalls");
    ASSERT_EQ(indices(made), (Indices{3, 11}));
    EXPECT_EQ(made[1].decision.from, 128u);
    EXPECT_EQ(made[1].decision.to, 200u);  // clamped, not a power of two
}

TEST(EngineBatch, NoDoublingWhenP99IsWithinTheLimit) {
    Policy policy;
    policy.defaults.batch.max_fault_p99_us = 50'000;
    EXPECT_TRUE(replay(policy, "batch_stalls").empty());
}

TEST(EngineBatch, PinnedOrDisabledBatchIsLeftAlone) {
    Policy disabled;
    disabled.defaults.batch.enabled = false;
    EXPECT_TRUE(replay(disabled, "batch_slow").empty());

    Engine engine(Policy{});
    engine.pin("db0", false, true);
    EXPECT_TRUE(replay(engine, "batch_slow").empty());
    engine.unpin("db0");
    EXPECT_FALSE(engine.batch_pinned("db0"));
}

TEST(EngineBatch, RejectedChangesAreNotAssumed) {
    Engine engine(Policy{});
    Replay r(engine);
    r.apply = [](const Decision&, std::size_t i) { return i != 3; };
    const auto made = r.run(load_trace("batch_slow"));
    ASSERT_GE(made.size(), 2u);
    EXPECT_EQ(made[1].index, 11u);
    EXPECT_EQ(made[1].decision.from, 2048u);
    EXPECT_EQ(made[1].decision.to, 1024u);
}

TEST(EngineBatch, CooldownAndHysteresisFollowTheBatchPolicy) {
    Policy policy;
    policy.defaults.batch.hysteresis_intervals = 2;
    policy.defaults.batch.cooldown_intervals = 1;
    EXPECT_EQ(indices(replay(policy, "batch_slow")), (Indices{2, 5, 8, 11, 14}));
}

}  // namespace
}  // namespace fastmap::daemon::test
