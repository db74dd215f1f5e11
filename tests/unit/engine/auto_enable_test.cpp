// SPDX-License-Identifier: GPL-2.0-only
// Per-file auto-enable, replayed on traces/auto_enable.jsonl: stock mmap fault rates of the
// files of scenarios.hpp (kOrders 4200/s, kLibLlvm 25000/s, kUndo 3000/s, kBinlog bursts
// averaging ~750/s, kWarm 650/s, kIndex 9000/s but enabled already, kShard0 2600/s, kShard1
// 2400/s, kThumbs 1800/s, kSortTmp 5000/s).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine/engine.hpp"
#include "replay.hpp"
#include "scenarios.hpp"

namespace fastmap::daemon::test {
namespace {

using Indices = std::vector<std::size_t>;

Policy site_policy() {
    Policy p;
    p.auto_enable.enabled = true;
    p.auto_enable.min_fault_rate = 1000;
    p.auto_enable.window_intervals = 10;
    p.auto_enable.allow = {"/srv/**", "/data/**"};
    p.auto_enable.deny.push_back("/srv/db/tmp/**");
    return p;
}

std::vector<std::string> targets(const std::vector<Made>& made) {
    std::vector<std::string> out;
    for (const Made& m : made) {
        out.push_back(m.decision.target);
    }
    return out;
}

std::vector<Made> replay(const Policy& policy, FakeResolver& paths) {
    Engine engine(policy, &paths);
    Replay r(engine);
    return r.run(load_trace("auto_enable"));
}

bool asked(const FakeResolver& r, const TraceFile& f) {
    return std::find(r.asked.begin(), r.asked.end(), f.key) != r.asked.end();
}

TEST(EngineAutoEnable, EnablesHotAllowedFilesOnceTheWindowIsFull) {
    FakeResolver paths = trace_resolver();
    const auto made = replay(site_policy(), paths);
    // A window of 10 intervals needs 11 observations: nothing before index 10. Hottest first;
    // kLibLlvm (deny /usr/**) and kSortTmp (deny /srv/db/tmp/**) are hotter but denied, kThumbs
    // is not allowed, kIndex is enabled already.
    ASSERT_EQ(indices(made), (Indices{10, 10, 10, 10}));
    EXPECT_EQ(targets(made),
              (std::vector<std::string>{"/srv/db/orders.ibd", "/srv/db/undo_001",
                                        "/data/ml/shard-00.bin", "/data/ml/shard-01.bin"}));
    const Decision& d = made[0].decision;
    EXPECT_EQ(d.kind, DecisionKind::kFileEnable);
    EXPECT_EQ(d.file, kOrders.key);
    EXPECT_EQ(d.from, 0u);
    EXPECT_EQ(d.to, 0u);
    EXPECT_TRUE(d.reason.starts_with("stock mmap faults 4")) << d.reason;
    EXPECT_TRUE(d.reason.ends_with("/s over 10 intervals > 1000/s, allowed by \"/srv/**\""))
        << d.reason;
    EXPECT_TRUE(made[2].decision.reason.ends_with("allowed by \"/data/**\""));
}

TEST(EngineAutoEnable, ResolvesOnlyCandidates) {
    FakeResolver paths = trace_resolver();
    replay(site_policy(), paths);
    EXPECT_TRUE(asked(paths, kOrders));
    EXPECT_TRUE(asked(paths, kLibLlvm));  // hot, then denied by its path
    EXPECT_FALSE(asked(paths, kBinlog));  // one interval at 9000/s, but ~900/s over the window
    EXPECT_FALSE(asked(paths, kWarm));
    EXPECT_FALSE(asked(paths, kIndex));  // enabled already
}

TEST(EngineAutoEnable, TheWindowAveragesBursts) {
    Policy p = site_policy();
    p.auto_enable.window_intervals = 1;
    FakeResolver paths = trace_resolver();
    const auto made = replay(p, paths);
    // Over single intervals the binlog burst at 5 is far above 1000/s.
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.front().index, 1u);
    const auto binlog = std::find_if(made.begin(), made.end(),
                                     [](const Made& m) { return m.decision.file == kBinlog.key; });
    ASSERT_NE(binlog, made.end());
    EXPECT_EQ(binlog->index, 5u);
}

TEST(EngineAutoEnable, DefaultGlobsAllowAllButSystemPaths) {
    Policy p;
    p.auto_enable.enabled = true;
    FakeResolver paths = trace_resolver();
    const auto made = replay(p, paths);
    const auto t = targets(made);
    EXPECT_EQ(t.size(), 6u);
    EXPECT_NE(std::find(t.begin(), t.end(), kThumbs.path), t.end());
    EXPECT_NE(std::find(t.begin(), t.end(), kSortTmp.path), t.end());
    EXPECT_EQ(std::find(t.begin(), t.end(), kLibLlvm.path), t.end());
}

TEST(EngineAutoEnable, MaxFilesCountsTheEnableTable) {
    Policy p = site_policy();
    p.auto_enable.max_files = 3;  // kIndex holds one entry already
    FakeResolver paths = trace_resolver();
    const auto made = replay(p, paths);
    EXPECT_EQ(targets(made), (std::vector<std::string>{"/srv/db/orders.ibd", "/srv/db/undo_001"}));
}

TEST(EngineAutoEnable, UnresolvableFilesAreRetriedLater) {
    FakeResolver paths = trace_resolver();
    paths.hidden = {kUndo.key};  // no process maps it at first
    Engine engine(site_policy(), &paths);
    Replay r(engine);
    r.before = [&](std::size_t i) {
        if (i == 25) {
            paths.hidden.clear();
        }
    };
    const auto made = r.run(load_trace("auto_enable"));
    ASSERT_EQ(made.size(), 4u);
    EXPECT_EQ(made.back().decision.file, kUndo.key);
    // Tried at 10 and 20 (a window apart: scans of /proc are not free), found at 30.
    EXPECT_EQ(made.back().index, 30u);
    EXPECT_EQ(std::count(paths.asked.begin(), paths.asked.end(), kUndo.key), 3);
}

TEST(EngineAutoEnable, RejectedFilesAreRetriedAfterAWindow) {
    FakeResolver paths = trace_resolver();
    Engine engine(site_policy(), &paths);
    Replay r(engine);
    r.apply = [](const Decision& d, std::size_t i) { return !(d.file == kOrders.key && i == 10); };
    const auto made = r.run(load_trace("auto_enable"));
    std::vector<Made> orders;
    for (const Made& m : made) {
        if (m.decision.file == kOrders.key) {
            orders.push_back(m);
        }
    }
    EXPECT_EQ(indices(orders), (Indices{10, 20}));  // accepted at 20: never again
}

TEST(EngineAutoEnable, ProposedOnceEvenIfNeverEnabled) {
    FakeResolver paths = trace_resolver();
    Engine engine(site_policy(), &paths);
    Replay r(engine);
    r.take_effect = false;  // the enable table never shows them (removed by an operator)
    EXPECT_EQ(r.run(load_trace("auto_enable")).size(), 4u);
}

TEST(EngineAutoEnable, OffOrWithoutResolverDoesNothing) {
    FakeResolver paths = trace_resolver();
    EXPECT_TRUE(replay(Policy{}, paths).empty());  // auto_enable.enabled is false by default
    EXPECT_TRUE(paths.asked.empty());

    Engine engine(site_policy());
    Replay r(engine);
    EXPECT_TRUE(r.run(load_trace("auto_enable")).empty());
}

TEST(EngineAutoEnable, TurningItOnUsesTheHistoryAlreadyRecorded) {
    FakeResolver paths = trace_resolver();
    Engine engine(Policy{}, &paths);
    Replay r(engine);
    r.before = [&](std::size_t i) {
        if (i == 20) {
            engine.set_policy(site_policy());
        }
    };
    const auto made = r.run(load_trace("auto_enable"));
    ASSERT_EQ(made.size(), 4u);
    EXPECT_EQ(made.front().index, 20u);
}

TEST(EngineAutoEnable, CountersThatRestartRestartTheWindow) {
    auto trace = load_trace("auto_enable");
    for (std::size_t i = 5; i < trace.size(); ++i) {
        for (FileObservation& f : trace[i].files) {
            f.faults -= trace[4].files[&f - trace[i].files.data()].faults;  // LRU recycled at 5
        }
    }
    FakeResolver paths = trace_resolver();
    Engine engine(site_policy(), &paths);
    Replay r(engine);
    const auto made = r.run(trace);
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.front().index, 15u);
}

}  // namespace
}  // namespace fastmap::daemon::test
