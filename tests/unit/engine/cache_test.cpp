// SPDX-License-Identifier: GPL-2.0-only
// Cache sizing, replayed on traces/*.jsonl with the built-in policy (16 MiB..1 GiB, 25% steps,
// grow above 0.10, shrink below 0.01 or under pressure, hysteresis 3, cooldown 5) unless a test
// says otherwise. Observation i of a trace is tick i + 1; the first one only primes.
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"
#include "replay.hpp"
#include "sim.hpp"

namespace fastmap::daemon::test {
namespace {

using Kind = DecisionKind;
using Indices = std::vector<std::size_t>;

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

std::vector<Made> replay(const Policy& policy, std::string_view trace) {
    Engine engine(policy);
    Replay r(engine);
    return r.run(load_trace(trace));
}

TEST(EngineCache, GrowsUnderSustainedMissesUntilTheMaximum) {
    const auto made = replay(Policy{}, "grow_sustained");
    // Three intervals of misses, a change, five quiet intervals, three more, ...
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 27}));
    const std::uint64_t expected[] = {512 * kMiB, 640 * kMiB, 800 * kMiB, 1000 * kMiB, 1 * kGiB};
    for (std::size_t i = 0; i < made.size(); ++i) {
        const Decision& d = made[i].decision;
        EXPECT_EQ(d.kind, Kind::kCacheGrow);
        EXPECT_EQ(d.target, "db0");
        EXPECT_EQ(d.from, expected[i]);
        EXPECT_EQ(d.to, expected[i + 1]);  // 25% in whole pages; the last step is clamped
        EXPECT_EQ(d.to % 4096, 0u);
        EXPECT_TRUE(contains(d.reason, "> 0.10 for 3 intervals, MemAvailable 11.")) << d.reason;
        EXPECT_TRUE(d.reason.starts_with("miss ratio 0.3")) << d.reason;
    }
}

TEST(EngineCache, CooldownSpacesChanges) {
    Policy policy;
    policy.defaults.cache.cooldown_intervals = 0;
    EXPECT_EQ(indices(replay(policy, "grow_sustained")), (Indices{3, 6, 9, 12}));
    policy.defaults.cache.cooldown_intervals = 10;
    EXPECT_EQ(indices(replay(policy, "grow_sustained")), (Indices{3, 16, 29, 42}));
    policy.defaults.cache.cooldown_intervals = 5;
    policy.defaults.cache.hysteresis_intervals = 1;
    EXPECT_EQ(indices(replay(policy, "grow_sustained")), (Indices{1, 7, 13, 19}));
}

TEST(EngineCache, NoGrowthThatWouldLeaveTooLittleMemory) {
    const auto made = replay(Policy{}, "low_memory");
    ASSERT_FALSE(made.empty());
    // 0..29: MemAvailable ~600 MiB. Not pressure (> 256 MiB), but after 128 MiB more it would be
    // below 2 x 256 MiB: no decision although the miss ratio is 0.30.
    EXPECT_GE(made.front().index, 30u);
    // 30..59: MemAvailable ~200 MiB < 256 MiB: shrink, in spite of the misses.
    const Indices shrinks{32, 40, 48, 56};
    std::size_t n = 0;
    for (; n < made.size() && made[n].index < 60; ++n) {
        const Decision& d = made[n].decision;
        EXPECT_EQ(d.kind, Kind::kCacheShrink);
        EXPECT_TRUE(d.reason.starts_with("MemAvailable ")) << d.reason;
        EXPECT_TRUE(contains(d.reason, " < 256 MiB for 3 intervals")) << d.reason;
        EXPECT_EQ(made[n].index, shrinks.at(n));
    }
    EXPECT_EQ(n, shrinks.size());
    EXPECT_EQ(made[0].decision.from, 512 * kMiB);
    EXPECT_EQ(made[0].decision.to, 384 * kMiB);
    // 60..89: 9 GiB free again. The miss streak starts after the cooldown of the last shrink.
    ASSERT_LT(n, made.size());
    EXPECT_EQ(made[n].index, 64u);
    EXPECT_EQ(made[n].decision.kind, Kind::kCacheGrow);
    EXPECT_EQ(made[n].decision.from, made[n - 1].decision.to);
}

TEST(EngineCache, PsiPressureShrinksEvenWithManyMisses) {
    const auto made = replay(Policy{}, "psi_pressure");
    ASSERT_FALSE(made.empty());
    // 0..19: at the maximum, nothing to do. 20..49: PSI some avg10 climbs to ~25%.
    EXPECT_GE(made.front().index, 20u);
    std::size_t shrinks = 0;
    for (const Made& m : made) {
        if (m.index >= 20 && m.index < 50) {
            EXPECT_EQ(m.decision.kind, Kind::kCacheShrink);
            EXPECT_TRUE(m.decision.reason.starts_with("memory PSI some avg10 "))
                << m.decision.reason;
            EXPECT_TRUE(contains(m.decision.reason, "% > 10.0% for 3 intervals"))
                << m.decision.reason;
            ++shrinks;
        }
    }
    EXPECT_EQ(shrinks, 4u);
    EXPECT_EQ(made.front().decision.from, 1 * kGiB);
    EXPECT_EQ(made.front().decision.to, 768 * kMiB);
    // After the pressure the misses win again.
    ASSERT_GT(made.size(), shrinks);
    EXPECT_EQ(made[shrinks].decision.kind, Kind::kCacheGrow);
    EXPECT_GE(made[shrinks].index, 50u);
}

TEST(EngineCache, ShrinksWhenMissesAreRare) {
    const auto made = replay(Policy{}, "tiny_misses");
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 27, 35, 43, 51, 59}));
    for (const Made& m : made) {
        EXPECT_EQ(m.decision.kind, Kind::kCacheShrink);
        EXPECT_TRUE(m.decision.reason.starts_with("miss ratio 0.002")) << m.decision.reason;
        EXPECT_TRUE(contains(m.decision.reason, "< 0.01 for 3 intervals: the cache is larger"))
            << m.decision.reason;
    }
}

TEST(EngineCache, ShrinkStopsAtTheMinimum) {
    Policy policy;
    policy.defaults.cache.min_bytes = 256 * kMiB;
    const auto made = replay(policy, "tiny_misses");
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 27, 35}));
    const std::uint64_t sizes[] = {1024, 768, 576, 432, 324, 256};  // MiB; 243 is clamped
    for (std::size_t i = 0; i < made.size(); ++i) {
        EXPECT_EQ(made[i].decision.from, sizes[i] * kMiB);
        EXPECT_EQ(made[i].decision.to, sizes[i + 1] * kMiB);
    }
}

TEST(EngineCache, BoundsAreWholePages) {
    Policy policy;
    policy.defaults.cache.max_bytes = 1'000'000'000;  // not a multiple of 4 KiB
    const auto made = replay(policy, "grow_sustained");
    ASSERT_EQ(indices(made), (Indices{3, 11, 19}));
    EXPECT_EQ(made[2].decision.to, 1'000'000'000 / 4096 * 4096);
}

TEST(EngineCache, HysteresisIgnoresSpikesAndAlternation) {
    const auto made = replay(Policy{}, "noisy");
    // 0..59 alternate 0.25 / 0.04; 60..99 hold single and double spikes and a streak broken by
    // an idle interval: none of it lasts three intervals.
    for (const Made& m : made) {
        EXPECT_GE(m.index, 100u) << m.decision.reason;
    }
    // 100..299: miss ratio and PSI both noisy around their thresholds. Decisions happen, but
    // never closer than cooldown + hysteresis, so at most 200 / 8 of them.
    ASSERT_FALSE(made.empty());
    EXPECT_LE(made.size(), 200u / 8);
    for (std::size_t i = 1; i < made.size(); ++i) {
        EXPECT_GE(made[i].index - made[i - 1].index, 8u);
    }
}

TEST(EngineCache, IdleIntervalsBreakTheStreak) {
    // With min_faults 0 the idle interval at 72 counts: 70, 71, 72 make a streak.
    Policy policy;
    policy.defaults.cache.min_faults = 0;
    const auto made = replay(policy, "noisy");
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.front().index, 72u);
}

TEST(EngineCache, OutOfBoundsSizesAreCorrectedOnce) {
    Engine engine(Policy{});
    Replay r(engine);
    r.take_effect = false;  // the operator keeps setting it back: correct only once anyway
    const auto made = r.run(load_trace("out_of_bounds"));
    ASSERT_EQ(made.size(), 2u);
    EXPECT_EQ(made[0].index, 1u);
    EXPECT_EQ(made[0].decision.target, "big0");
    EXPECT_EQ(made[0].decision.kind, Kind::kCacheShrink);
    EXPECT_EQ(made[0].decision.from, 4 * kGiB);
    EXPECT_EQ(made[0].decision.to, 1 * kGiB);
    EXPECT_EQ(made[0].decision.reason,
              "cache 4 GiB is outside the policy bounds 16 MiB..1 GiB: shrinking to the maximum");
    EXPECT_EQ(made[1].index, 1u);
    EXPECT_EQ(made[1].decision.target, "small0");
    EXPECT_EQ(made[1].decision.kind, Kind::kCacheGrow);
    EXPECT_EQ(made[1].decision.from, 8 * kMiB);
    EXPECT_EQ(made[1].decision.to, 16 * kMiB);
}

TEST(EngineCache, NewBoundsAreCorrectedAgain) {
    Engine engine(Policy{});
    Replay r(engine);
    r.take_effect = false;
    r.before = [&](std::size_t i) {
        if (i == 15) {
            Policy p;
            p.defaults.cache.max_bytes = 2 * kGiB;
            engine.set_policy(p);
        }
    };
    const auto made = only(r.run(load_trace("out_of_bounds")), Kind::kCacheShrink);
    ASSERT_EQ(indices(made), (Indices{1, 15}));
    EXPECT_EQ(made[1].decision.to, 2 * kGiB);
}

TEST(EngineCache, PinnedOrDisabledCacheIsLeftAlone) {
    Policy disabled;
    disabled.defaults.cache.enabled = false;
    EXPECT_TRUE(replay(disabled, "grow_sustained").empty());

    Policy per_instance;
    per_instance.instances["db0"] = per_instance.defaults;
    per_instance.instances["db0"].cache.enabled = false;
    EXPECT_TRUE(replay(per_instance, "grow_sustained").empty());

    Engine engine(Policy{});
    engine.pin("db0", true, false);
    EXPECT_TRUE(engine.cache_pinned("db0"));
    EXPECT_FALSE(engine.batch_pinned("db0"));
    Replay r(engine);
    r.before = [&](std::size_t i) {
        if (i == 20) {
            engine.unpin("db0");
        }
    };
    const auto made = r.run(load_trace("grow_sustained"));
    // Nothing while pinned; after unpin() a fresh streak of three intervals.
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.front().index, 22u);
    EXPECT_EQ(made.front().decision.from, 512 * kMiB);
    EXPECT_FALSE(engine.cache_pinned("db0"));
}

TEST(EngineCache, PinningTheBatchDoesNotPinTheCache) {
    Engine engine(Policy{});
    engine.pin("db0", false, true);
    engine.pin("db0", false, false);  // adds nothing, removes nothing
    EXPECT_TRUE(engine.batch_pinned("db0"));
    Replay r(engine);
    EXPECT_EQ(indices(r.run(load_trace("grow_sustained"))), (Indices{3, 11, 19, 27}));
}

TEST(EngineCache, ReattachedInstancesStartOver) {
    const auto made = replay(Policy{}, "reattach");
    // 22: id 3 -> 4, counters start over; 40: same id, counters go backwards. Each re-primes:
    // a fresh streak (no cooldown carried over) from the size the new attachment has.
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 25, 33, 43, 51, 59}));
    EXPECT_EQ(made[3].decision.from, 512 * kMiB);
    EXPECT_EQ(made[4].decision.from, 640 * kMiB);
    EXPECT_EQ(made[5].decision.from, 256 * kMiB);
    for (const Made& m : made) {
        EXPECT_EQ(m.decision.kind, Kind::kCacheGrow);
        EXPECT_TRUE(m.decision.reason.starts_with("miss ratio 0.")) << m.decision.reason;
    }
}

TEST(EngineCache, RejectedChangesAreNotAssumed) {
    Engine engine(Policy{});
    Replay r(engine);
    r.apply = [](const Decision&, std::size_t i) { return i != 3; };
    const auto made = r.run(load_trace("grow_sustained"));
    ASSERT_GE(made.size(), 2u);
    EXPECT_EQ(made[0].decision.to, 640 * kMiB);
    // The next proposal starts from the size the observations show, after the cooldown.
    EXPECT_EQ(made[1].index, 11u);
    EXPECT_EQ(made[1].decision.from, 512 * kMiB);
    EXPECT_EQ(made[1].decision.to, 640 * kMiB);
}

TEST(EngineCache, RejectedBoundsCorrectionIsRetried) {
    Engine engine(Policy{});
    Replay r(engine);
    r.apply = [](const Decision& d, std::size_t i) { return !(d.target == "big0" && i == 1); };
    const auto made = r.run(load_trace("out_of_bounds"));
    std::vector<Made> big;
    for (const Made& m : made) {
        if (m.decision.target == "big0") {
            big.push_back(m);
        }
    }
    ASSERT_EQ(indices(big), (Indices{1, 7}));  // after the cooldown
    EXPECT_EQ(big[1].decision.to, 1 * kGiB);
}

TEST(EngineCache, SetPolicyKeepsHistory) {
    Engine engine(Policy{});
    Replay r(engine);
    r.before = [&](std::size_t i) {
        if (i == 40) {
            Policy p;
            p.defaults.cache.max_bytes = 2 * kGiB;
            engine.set_policy(p);
        }
    };
    const auto made = r.run(load_trace("grow_sustained"));
    // At the 1 GiB maximum since 27, the miss streak went on; the new maximum applies at once.
    ASSERT_EQ(indices(made), (Indices{3, 11, 19, 27, 40, 48}));
    EXPECT_EQ(made[4].decision.from, 1 * kGiB);
    EXPECT_EQ(made[4].decision.to, 1280 * kMiB);
    EXPECT_EQ(engine.policy().defaults.cache.max_bytes, 2 * kGiB);
}

TEST(EngineCache, OperatorChangesStartACooldown) {
    // The recording shows the size moving without a decision (an unpinned fastmapctl set).
    auto trace = load_trace("grow_sustained");
    for (std::size_t i = 2; i < trace.size(); ++i) {
        trace[i].instances[0].info.cache_bytes = 600 * kMiB;
    }
    Engine engine(Policy{});
    Replay r(engine);
    const auto made = r.run(trace);
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.front().index, 2u + 5 + 3);
    EXPECT_EQ(made.front().decision.from, 600 * kMiB);
}

TEST(EngineCache, UnknownMemoryStateNeverGrows) {
    auto trace = load_trace("grow_sustained");
    for (Observation& obs : trace) {
        obs.mem = MemInfo{};  // /proc/meminfo could not be read
    }
    Engine engine(Policy{});
    Replay r(engine);
    EXPECT_TRUE(r.run(trace).empty());
}

TEST(EngineCache, DetachedInstancesAreForgotten) {
    auto trace = load_trace("grow_sustained");
    trace[2].instances.clear();  // detached at 2, attached again at 3 with the same counters
    Engine engine(Policy{});
    Replay r(engine);
    const auto made = r.run(trace);
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.front().index, 6u);  // primed again at 3
}

}  // namespace
}  // namespace fastmap::daemon::test
