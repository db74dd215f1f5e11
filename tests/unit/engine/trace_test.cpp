// SPDX-License-Identifier: GPL-2.0-only
#include "engine/trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace fastmap::daemon {
namespace {

Observation sample() {
    Observation obs;
    obs.now_ms = 4'215'337;
    obs.mem.total_bytes = 16'331'044ULL * 1024;
    obs.mem.available_bytes = 11'744'000ULL * 1024;
    obs.mem.psi_some_avg10 = 12.34;
    obs.mem.psi_full_avg10 = 4.93;

    InstanceObservation a;
    a.info.name = "db0";
    a.info.id = 3;
    a.info.device = "/dev/nvme0n1p3";
    a.info.dev = {259, 3};
    a.info.size_bytes = 200ULL << 30;
    a.info.cache_bytes = 512ULL << 20;
    a.info.batch_pages = 512;
    a.info.dirty_ratio = 10;
    a.info.wb_interval_ms = 5000;
    a.info.open_count = 2;
    std::uint64_t v = 1'000;
    for (const StatField& f : kStatFields) {
        a.info.stats.*f.member = v;
        v = v * 3 + 7;
    }
    telemetry::InstanceCounters c;
    c.id = 3;
    c.faults = 162'000'000;
    c.hits = 110'000'000;
    c.misses = 52'000'000;
    c.writes = 32'400'000;
    c.fault_ns = 4'950'000'000'000ULL;
    c.evict_batches = 101'000;
    c.evicted_pages = 51'712'000;
    c.shootdown_rounds = 101'000;
    c.evict_ns = 77'000'000'000ULL;
    c.wb_rounds = 900;
    c.wb_pages = 10'400'000;
    c.wb_bytes = 10'400'000ULL * 4096;
    c.wb_ns = 3'000'000'000ULL;
    c.wb_errors = 1;
    a.counters = c;
    telemetry::Histogram fault;
    fault.slots[9] = 16'500'000;
    fault.slots[16] = 28'600'000;
    fault.slots[63] = 1;
    a.fault_latency = fault;
    a.evict_latency = telemetry::Histogram{};  // present but empty
    obs.instances.push_back(a);

    InstanceObservation b;  // without BPF telemetry, no PSI fields set below
    b.info.name = "scratch";
    b.info.id = 9;
    obs.instances.push_back(b);

    obs.files.push_back({FileKey{{8, 1}, 1001}, 4'512'993});
    obs.files.push_back({FileKey{{259, 65536}, 18446744073709551615ULL}, 0});
    obs.enabled_files.push_back({FileKey{{8, 17}, 2001}, "/srv/cache/index.bin"});
    obs.enabled_files.push_back({FileKey{{8, 17}, 2002}, ""});
    return obs;
}

void expect_same(const Observation& a, const Observation& b) {
    EXPECT_EQ(a.now_ms, b.now_ms);
    EXPECT_EQ(a.mem.total_bytes, b.mem.total_bytes);
    EXPECT_EQ(a.mem.available_bytes, b.mem.available_bytes);
    EXPECT_EQ(a.mem.psi_some_avg10, b.mem.psi_some_avg10);
    EXPECT_EQ(a.mem.psi_full_avg10, b.mem.psi_full_avg10);
    ASSERT_EQ(a.instances.size(), b.instances.size());
    for (std::size_t i = 0; i < a.instances.size(); ++i) {
        EXPECT_EQ(a.instances[i].info, b.instances[i].info);
        EXPECT_EQ(a.instances[i].counters, b.instances[i].counters);
        EXPECT_EQ(a.instances[i].fault_latency, b.instances[i].fault_latency);
        EXPECT_EQ(a.instances[i].evict_latency, b.instances[i].evict_latency);
    }
    ASSERT_EQ(a.files.size(), b.files.size());
    for (std::size_t i = 0; i < a.files.size(); ++i) {
        EXPECT_EQ(a.files[i].key, b.files[i].key);
        EXPECT_EQ(a.files[i].faults, b.files[i].faults);
    }
    EXPECT_EQ(a.enabled_files, b.enabled_files);
}

TEST(Trace, RoundTrip) {
    const Observation obs = sample();
    const nlohmann::json j = observation_to_json(obs);
    auto back = observation_from_json(nlohmann::json::parse(j.dump()));
    ASSERT_TRUE(back.ok()) << back.error().message;
    expect_same(obs, *back);

    Observation bare;  // no PSI, nothing attached
    bare.now_ms = 1;
    auto bare_back = observation_from_json(observation_to_json(bare));
    ASSERT_TRUE(bare_back.ok()) << bare_back.error().message;
    expect_same(bare, *bare_back);
}

TEST(Trace, Format) {
    const nlohmann::json j = observation_to_json(sample());
    EXPECT_EQ(j["now_ms"], 4'215'337);
    EXPECT_EQ(j["mem"]["psi_some_avg10"], 12.34);
    const auto& db = j["instances"][0];
    EXPECT_EQ(db["info"]["name"], "db0");
    EXPECT_EQ(db["info"]["dev"], "259:3");            // the fastmapctl --json schema
    EXPECT_EQ(db["info"]["stats"]["faults"], 1'000);  // kStatFields order
    EXPECT_EQ(db["counters"]["evict_ns"], 77'000'000'000ULL);
    EXPECT_EQ(db["fault_latency"], nlohmann::json::parse("[[9,16500000],[16,28600000],[63,1]]"));
    EXPECT_EQ(db["evict_latency"], nlohmann::json::array());
    EXPECT_FALSE(j["instances"][1].contains("counters"));
    EXPECT_FALSE(j["instances"][1].contains("fault_latency"));
    EXPECT_EQ(j["files"][0], nlohmann::json::parse(R"({"dev":"8:1","ino":1001,"faults":4512993})"));
    EXPECT_EQ(j["enabled_files"][0]["path"], "/srv/cache/index.bin");
}

TEST(Trace, MissingKeysTakeDefaults) {
    auto obs = observation_from_json(nlohmann::json::parse(
        R"({"now_ms": 5, "instances": [{"info": {"name": "x", "stats": {"faults": 7}}}]})"));
    ASSERT_TRUE(obs.ok()) << obs.error().message;
    EXPECT_EQ(obs->now_ms, 5u);
    EXPECT_EQ(obs->mem.total_bytes, 0u);
    EXPECT_FALSE(obs->mem.psi_some_avg10);
    ASSERT_EQ(obs->instances.size(), 1u);
    EXPECT_EQ(obs->instances[0].info.name, "x");
    EXPECT_EQ(obs->instances[0].info.stats.faults, 7u);
    EXPECT_EQ(obs->instances[0].info.stats.misses, 0u);
    EXPECT_FALSE(obs->instances[0].counters);
    EXPECT_TRUE(obs->files.empty());
}

void expect_rejected(std::string_view text, std::string_view where) {
    auto obs = observation_from_json(nlohmann::json::parse(text));
    ASSERT_FALSE(obs.ok()) << text;
    EXPECT_EQ(obs.error().code, EINVAL);
    EXPECT_NE(obs.error().message.find(where), std::string::npos)
        << text << " -> " << obs.error().message;
}

TEST(Trace, RejectsWrongTypesWithTheKey) {
    expect_rejected("[]", "observation");
    expect_rejected(R"({"now_ms": -1})", "now_ms");
    expect_rejected(R"({"now_ms": 1.5})", "now_ms");
    expect_rejected(R"({"mem": {"psi_some_avg10": "high"}})", "mem.psi_some_avg10");
    expect_rejected(R"({"instances": {}})", "instances");
    expect_rejected(R"({"instances": [{}]})", "instances[0].info");
    expect_rejected(R"({"instances": [{"info": {"id": 4294967296}}]})", "instances[0].info.id");
    expect_rejected(R"({"instances": [{"info": {"dev": "8-1"}}]})", "instances[0].info.dev");
    expect_rejected(R"({"instances": [{"info": {"stats": {"hits": "x"}}}]})",
                    "instances[0].info.stats.hits");
    expect_rejected(R"({"instances": [{"info": {}, "fault_latency": [[64, 1]]}]})",
                    "instances[0].fault_latency[0]");
    expect_rejected(R"({"instances": [{"info": {}, "counters": {"evict_ns": true}}]})",
                    "instances[0].counters.evict_ns");
    expect_rejected(R"({"files": [{"dev": ":1", "ino": 1}]})", "files[0].dev");
    expect_rejected(R"({"enabled_files": [{"path": 3}]})", "enabled_files[0].path");
}

TEST(Trace, ParseTraceLines) {
    const Observation obs = sample();
    const std::string line = observation_to_json(obs).dump();
    auto two = parse_trace(line + "\n\n" + line);  // blank lines are fine, so is no final \n
    ASSERT_TRUE(two.ok()) << two.error().message;
    ASSERT_EQ(two->size(), 2u);
    expect_same(obs, (*two)[1]);

    auto broken = parse_trace(line + "\n{\"now_ms\": \n");
    ASSERT_FALSE(broken.ok());
    EXPECT_NE(broken.error().message.find("line 2"), std::string::npos) << broken.error().message;

    auto typed = parse_trace(line + "\n\n{\"now_ms\": \"x\"}\n");
    ASSERT_FALSE(typed.ok());
    EXPECT_NE(typed.error().message.find("line 3: now_ms"), std::string::npos)
        << typed.error().message;

    auto empty = parse_trace("");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST(Trace, ReadTraceFile) {
    const auto path = std::filesystem::path(::testing::TempDir()) /
                      ("fastmap-engine-trace-" + std::to_string(::getpid()) + ".jsonl");
    {
        std::ofstream out(path);
        out << observation_to_json(sample()).dump() << '\n';
        out << observation_to_json(sample()).dump() << '\n';
    }
    auto trace = read_trace(path);
    std::filesystem::remove(path);
    ASSERT_TRUE(trace.ok()) << trace.error().message;
    EXPECT_EQ(trace->size(), 2u);

    auto missing = read_trace(path);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ENOENT);
}

}  // namespace
}  // namespace fastmap::daemon
