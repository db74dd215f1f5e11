// SPDX-License-Identifier: GPL-2.0-only
// The --json output of every read verb, rendered on fakes, validated against the schemas in
// docs/schema/ with fastmapd's schema validator: the schemas are the documented contract, and
// this test fails when an output and its schema disagree (a key added, renamed or retyped).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli.hpp"
#include "daemon_link.hpp"
#include "exit_codes.hpp"
#include "fake_control.hpp"
#include "fake_telemetry.hpp"
#include "policy/schema_validator.hpp"

namespace fastmap::cli {
namespace {

namespace pd = daemon::policy_detail;

nlohmann::json load_schema(const std::string& name) {
    std::ifstream in(std::string(FASTMAP_SCHEMA_DIR) + "/" + name + ".schema.json");
    EXPECT_TRUE(in.good()) << name;
    return nlohmann::json::parse(in, nullptr, false);
}

// Every error as "pointer: message", empty when valid.
std::string violations(const std::string& schema_name, const nlohmann::json& doc) {
    const nlohmann::json schema = load_schema(schema_name);
    std::string text;
    for (const auto& e : pd::validate_against_schema(schema, doc)) {
        text += e.pointer + ": " + e.message + "\n";
    }
    return text;
}

class FakeDaemon final : public DaemonLink {
public:
    std::vector<daemon::DecisionRecord> records;
    test::FakeControl* ctl = nullptr;
    Result<daemon::PolicyState> policy() override {
        daemon::PolicyState st;
        st.sources = {"/usr/lib/fastmap/fastmapd.json"};
        st.effective_json = R"({"version": 1, "interval": "1s"})";
        st.interval_ms = 1000;
        return st;
    }
    Result<void> reload_policy() override { return ok(); }
    Result<std::vector<daemon::DecisionRecord>> decisions() override { return records; }
    Result<InstanceInfo> restore_defaults(std::string_view name) override { return ctl->get(name); }
};

class FakeTicker final : public Ticker {
public:
    double t = 10.0;
    std::function<void()> on_sleep;
    double now() override { return t; }
    bool sleep(double seconds) override {
        t += seconds;
        if (on_sleep) {
            on_sleep();
        }
        return true;
    }
};

class CliSchemaTest : public ::testing::Test {
protected:
    void SetUp() override {
        ctl.instances = {test::sample_instance(), test::sample_file_instance()};
        FileEntry a{{{8, 3}, 1234}, "/data/db.mdb"};
        a.instance = "f803.4d2";
        FileEntry b{{{259, 1}, 99}, "/srv/x"};
        b.cache_bytes = 1ULL << 30;
        ctl.files = {a, b};
        daemon.ctl = &ctl;
        daemon.records = {{1764200000000000ULL, "cache_grow", "db0", 1ULL << 29, 1ULL << 30,
                           "miss ratio 12% > 5%", true, ""},
                          {1764200001000000ULL, "batch_increase", "db0", 512, 1024, "stalls", false,
                           "Device or resource busy"}};
        ticker.on_sleep = [this] {
            Stats& s = ctl.instances[0].stats;
            s.faults += 100;
            s.hits += 90;
            s.read_ios += 10;
            s.wb_bios += 5;
        };
    }

    // Runs args; the exit code must be want_rc; returns stdout.
    std::string run_ok(std::vector<std::string> args, bool with_daemon = true,
                       int want_rc = kExitOk) {
        std::ostringstream out, err;
        Env env;
        env.daemon = with_daemon ? &daemon : nullptr;
        env.ticker = &ticker;
        env.telemetry = telemetry;
        const int rc = run(args, ctl, env, out, err);
        EXPECT_EQ(rc, want_rc) << err.str();
        return out.str();
    }

    // One JSON document on stdout, valid against schema.
    nlohmann::json expect_valid(const std::string& schema, std::vector<std::string> args,
                                bool with_daemon = true, int want_rc = kExitOk) {
        const std::string text = run_ok(std::move(args), with_daemon, want_rc);
        nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
        EXPECT_FALSE(doc.is_discarded()) << text;
        EXPECT_EQ(violations(schema, doc), "") << text;
        return doc;
    }

    test::FakeControl ctl;
    FakeDaemon daemon;
    FakeTicker ticker;
    TelemetryFactory telemetry;
};

TEST(CliSchemas, EverySchemaIsFullyUnderstoodByTheValidator) {
    for (const char* name :
         {"list", "instance", "stats", "stats-all", "stats-watch", "status", "get", "files",
          "events", "version", "decisions", "policy-show", "top"}) {
        const nlohmann::json schema = load_schema(name);
        ASSERT_TRUE(schema.is_object()) << name;
        EXPECT_EQ(pd::unsupported_schema_features(schema), std::vector<std::string>{}) << name;
    }
}

TEST_F(CliSchemaTest, ListStatsStatusGetFilesVersionValidate) {
    auto list = expect_valid("list", {"list", "--json"});
    EXPECT_EQ(list["instances"].size(), 2U);
    expect_valid("stats", {"stats", "db0", "--json"});
    expect_valid("stats", {"stats", "f803.4d2", "--json"});
    auto all = expect_valid("stats-all", {"stats", "--json"});
    EXPECT_EQ(all["instances"].size(), 2U);
    expect_valid("status", {"status", "--json"});
    expect_valid("get", {"get", "db0", "--json"});
    expect_valid("get", {"get", "db0", "cache", "--json"});
    expect_valid("files", {"files", "--json"});
    expect_valid("version", {"version", "--json"});
    expect_valid("instance", {"set", "db0", "batch=64", "--json"});
    expect_valid("instance", {"restore-defaults", "db0", "--json"});
}

TEST_F(CliSchemaTest, EmptyAndNotLoadedOutputsValidate) {
    ctl.instances.clear();
    ctl.files.clear();
    expect_valid("list", {"list", "--json"});
    expect_valid("stats-all", {"stats", "--json"});
    expect_valid("files", {"files", "--json"});
    ctl.module.loaded = false;
    expect_valid("status", {"status", "--json"}, true, kExitNotLoaded);
    expect_valid("version", {"version", "--json"});
}

TEST_F(CliSchemaTest, DaemonOutputsValidate) {
    auto d = expect_valid("decisions", {"decisions", "--json"});
    EXPECT_EQ(d["decisions"].size(), 2U);
    expect_valid("policy-show", {"policy", "show", "--json"});
}

TEST_F(CliSchemaTest, TopOnceJsonValidates) {
    test::FakeTelemetry* fake = nullptr;
    telemetry = [&]() -> Result<std::unique_ptr<telemetry::Telemetry>> {
        auto t = std::make_unique<test::FakeTelemetry>(1);
        fake = t.get();
        return std::unique_ptr<telemetry::Telemetry>(std::move(t));
    };
    auto base = ticker.on_sleep;
    ticker.on_sleep = [&] {
        base();
        fake->instance(0, 3).fault_lat.slots[10] += 100;  // 1024..2047 ns
    };
    auto j = expect_valid("top", {"top", "--once", "--json"});
    ASSERT_EQ(j["instances"].size(), 2U);
    const auto& db0 = j["instances"][0];
    EXPECT_EQ(db0["name"], "db0");
    EXPECT_DOUBLE_EQ(db0["rates"]["faults_per_s"].get<double>(), 100.0);
    EXPECT_DOUBLE_EQ(db0["rates"]["iops"].get<double>(), 15.0);
    EXPECT_DOUBLE_EQ(db0["hit_percent"].get<double>(), 90.0);
    EXPECT_TRUE(db0["fault_latency_ns"]["p50"].is_number_integer());
    EXPECT_TRUE(j["instances"][1]["hit_percent"].is_null());  // no faults in the interval
    EXPECT_TRUE(j["instances"][1]["fault_latency_ns"]["p99"].is_null());
    EXPECT_EQ(j["instances"][1]["file"]["path"], "/data/db.mdb");
    EXPECT_EQ(j["fault_latency"]["available"], true);
    EXPECT_EQ(j["enabled_files"]["count"], 2);
    EXPECT_EQ(j["fastmapd"]["running"], true);
    EXPECT_EQ(j["fastmapd"]["decisions"].size(), 2U);
    // Without the daemon and the telemetry.
    telemetry = nullptr;
    ticker.on_sleep = base;
    auto direct = expect_valid("top", {"top", "--once", "--json"}, false);
    EXPECT_EQ(direct["fastmapd"], (nlohmann::json{{"running", false}}));
    EXPECT_EQ(direct["fault_latency"]["available"], false);
    EXPECT_NE(direct["fault_latency"]["reason"].get<std::string>().find("BPF"), std::string::npos);
}

TEST_F(CliSchemaTest, StatsWatchJsonLinesValidate) {
    const std::string text = run_ok({"stats", "--watch", "1", "--count", "3", "--json"});
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        auto doc = nlohmann::json::parse(line, nullptr, false);
        ASSERT_FALSE(doc.is_discarded()) << line;
        EXPECT_EQ(violations("stats-watch", doc), "") << line;
        EXPECT_DOUBLE_EQ(doc["time_s"].get<double>(), n + 1.0);
        EXPECT_DOUBLE_EQ(doc["instances"][0]["rates"]["faults_per_s"].get<double>(), 100.0);
        ++n;
    }
    EXPECT_EQ(n, 3);  // no header line, one object per sample
}

TEST_F(CliSchemaTest, EventsJsonLinesValidate) {
    ctl.event_script = {std::optional<Event>(Event{EventType::kAttached, "db0", 0}),
                        std::optional<Event>(Event{EventType::kEvictStall, "db0", 12}),
                        std::optional<Event>(Event{static_cast<EventType>(99), "x", 1})};
    const std::string text = run_ok({"events", "--json", "--count", "3"});
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        EXPECT_EQ(violations("events", nlohmann::json::parse(line)), "") << line;
        ++n;
    }
    EXPECT_EQ(n, 3);
}

// The schemas reject what they should: the test above would catch a drifting renderer.
TEST_F(CliSchemaTest, SchemasRejectDrift) {
    auto stats = nlohmann::json::parse(run_ok({"stats", "db0", "--json"}));
    auto extra = stats;
    extra["stats"]["new_counter"] = 1;
    EXPECT_NE(violations("stats", extra), "");
    auto missing = stats;
    missing.erase("writeback_pages");
    EXPECT_NE(violations("stats", missing), "");
    auto wrong = stats;
    wrong["dev"] = "8-16";
    EXPECT_NE(violations("stats", wrong), "");
    auto top = nlohmann::json::parse(run_ok({"top", "--once", "--json"}));
    top["instances"][0]["rates"]["faults_per_s"] = "fast";
    EXPECT_NE(violations("top", top), "");
    auto files = nlohmann::json::parse(run_ok({"files", "--json"}));
    files["files"][0].erase("ino");
    EXPECT_NE(violations("files", files), "");
    EXPECT_NE(
        violations("events", nlohmann::json{{"event", "exploded"}, {"name", "a"}, {"value", 1}}),
        "");
}

}  // namespace
}  // namespace fastmap::cli
