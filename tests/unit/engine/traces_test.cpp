// SPDX-License-Identifier: GPL-2.0-only
// The checked-in synthetic traces are what scenarios.cpp generates. After changing a scenario,
// regenerate them with
//   FASTMAP_ENGINE_REGEN_TRACES=1 fastmap_engine_tests --gtest_filter='Traces.*'
// The traces named recorded-*.jsonl were recorded by the real fastmapd (--record-trace) in the
// VM and have no scenario (recorded_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/proc_file.hpp"
#include "engine/trace.hpp"
#include "scenarios.hpp"

namespace fastmap::daemon::test {
namespace {

std::string trace_path(std::string_view name) {
    return std::string(FASTMAP_ENGINE_TRACES) + "/" + std::string(name) + ".jsonl";
}

TEST(Traces, CheckedInFilesMatchTheirScenarios) {
    const bool regen = std::getenv("FASTMAP_ENGINE_REGEN_TRACES") != nullptr;
    for (const Scenario& s : scenarios()) {
        SCOPED_TRACE(std::string(s.name));
        const std::vector<Observation> generated = s.make();
        if (regen) {
            std::ofstream out(trace_path(s.name), std::ios::trunc);
            for (const Observation& obs : generated) {
                out << observation_to_json(obs).dump() << '\n';
            }
            ASSERT_TRUE(out.good());
        }
        auto text = read_text_file(trace_path(s.name));
        ASSERT_TRUE(text.ok()) << text.error().message;
        std::size_t line = 0;
        std::string_view rest = *text;
        for (const Observation& obs : generated) {
            ASSERT_FALSE(rest.empty()) << "the file ends at line " << line;
            const auto nl = rest.find('\n');
            const auto recorded = nlohmann::json::parse(rest.substr(0, nl), nullptr, false);
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
            ++line;
            ASSERT_EQ(recorded, observation_to_json(obs)) << "line " << line << " differs";
        }
        EXPECT_TRUE(rest.empty()) << "lines after " << line;
    }
}

// Every file is either a scenario's (synthetic) or marked as recorded by its name.
TEST(Traces, EachFileIsSyntheticOrMarkedRecorded) {
    int recorded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(FASTMAP_ENGINE_TRACES)) {
        const std::string stem = entry.path().stem().string();
        EXPECT_EQ(entry.path().extension(), ".jsonl") << entry.path();
        if (stem.starts_with("recorded-")) {
            ++recorded;
            continue;
        }
        const auto all = scenarios();
        EXPECT_TRUE(
            std::any_of(all.begin(), all.end(), [&](const Scenario& s) { return s.name == stem; }))
            << entry.path() << " has no scenario and is not named recorded-*";
    }
    EXPECT_GE(recorded, 1);
}

// What "realistic" means for these files: cumulative counters that never go backwards within
// one attachment, hits + misses = faults, a clock that moves by about one interval.
TEST(Traces, LookLikeTelemetry) {
    for (const Scenario& s : scenarios()) {
        SCOPED_TRACE(std::string(s.name));
        auto trace = read_trace(trace_path(s.name));
        ASSERT_TRUE(trace.ok()) << trace.error().message;
        for (std::size_t i = 0; i < trace->size(); ++i) {
            const Observation& obs = (*trace)[i];
            EXPECT_GT(obs.mem.total_bytes, obs.mem.available_bytes);
            for (const InstanceObservation& inst : obs.instances) {
                const Stats& st = inst.info.stats;
                EXPECT_EQ(st.hits + st.misses, st.faults);
                EXPECT_EQ(st.cache_pages * 4096, inst.info.cache_bytes);
                if (inst.counters) {
                    EXPECT_EQ(inst.counters->faults, st.faults);
                    EXPECT_EQ(inst.fault_latency->count(), st.faults);
                }
            }
            if (i == 0) {
                continue;
            }
            const Observation& prev = (*trace)[i - 1];
            EXPECT_GE(obs.now_ms, prev.now_ms + 1000);
            EXPECT_LE(obs.now_ms, prev.now_ms + 1010);
            for (std::size_t k = 0; k < obs.instances.size(); ++k) {
                const InstanceInfo& a = prev.instances[k].info;
                const InstanceInfo& b = obs.instances[k].info;
                if (a.id == b.id && b.stats.faults >= a.stats.faults) {
                    EXPECT_GE(b.stats.misses, a.stats.misses);
                    EXPECT_GE(b.stats.evictions, a.stats.evictions);
                }
            }
        }
    }
}

}  // namespace
}  // namespace fastmap::daemon::test
