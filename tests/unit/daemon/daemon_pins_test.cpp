// SPDX-License-Identifier: GPL-2.0-only
// The operator's pins survive a restart of fastmapd (pins.json beside files.json): a restarted
// daemon leaves what an operator set by hand alone, restore-defaults and detach forget the pin,
// and an instance attached again (a new id) is not pinned.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/daemon.hpp"
#include "core/pin_state.hpp"
#include "daemon/fake_host.hpp"
#include "fake_control.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using test::FakeControl;
using test::FakeHost;
using test::RecordingLogger;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class DaemonPinsTest : public ::testing::Test {
protected:
    FakeControl ctl;
    FakeHost host;
    RecordingLogger log;
    fs::path root;
    fs::path pins;
    std::unique_ptr<Daemon> daemon;

    void SetUp() override {
        std::string tmpl = fs::temp_directory_path() / "fastmapd-pins-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        root = fs::canonical(tmpl);
        pins = pin_file_beside(state_file_under(root));
        ctl.instances.push_back(test::sample_instance("db0"));  // id 3, 512 MiB
        host.next_load.policy->defaults.cache.max_bytes = 2ULL << 30;
        restart();
    }
    void TearDown() override {
        daemon.reset();
        std::error_code ec;
        fs::remove_all(root, ec);
    }

    // fastmapd killed and started again on the same state directory.
    void restart() {
        daemon = std::make_unique<Daemon>(ctl, host, log);
        daemon->set_state_file(state_file_under(root));
        ASSERT_TRUE(daemon->start().ok());
    }

    // Intervals of sustained misses (ratio 0.4): the engine grows an unpinned cache.
    void misses(int intervals) {
        for (int i = 0; i < intervals; ++i) {
            for (auto& inst : ctl.instances) {
                inst.stats.faults += 20000;
                inst.stats.misses += 8000;
                inst.stats.hits += 12000;
            }
            host.now_ms += 1000;
            host.now_us += 1000000;
            daemon->tick();
        }
    }

    std::size_t cache_sets() const {
        std::size_t n = 0;
        for (const auto& [who, req] : ctl.sets) {
            n += req.cache_bytes ? 1 : 0;
        }
        return n;
    }
};

TEST_F(DaemonPinsTest, AnOperatorsCacheStaysPinnedAcrossARestart) {
    SetRequest req;
    req.cache_bytes = 300ULL << 20;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    ASSERT_EQ(daemon->persisted_pins().size(), 1U);
    EXPECT_EQ(daemon->persisted_pins()[0],
              (PersistedPin{"db0", 3, true, false, "2023-11-14T22:13:20Z"}));
    const std::string text = read_text(pins);
    EXPECT_NE(text.find("\"instance\": \"db0\""), std::string::npos) << text;

    restart();  // e.g. kill -9; systemd starts it again
    ASSERT_EQ(daemon->persisted_pins().size(), 1U);
    EXPECT_TRUE(log.contains("operator pins restored from " + pins.string() + ": db0 (cache)"));
    const std::size_t before = cache_sets();
    misses(10);
    EXPECT_EQ(cache_sets(), before);  // still pinned: the engine leaves the cache alone
    EXPECT_EQ(ctl.instances[0].cache_bytes, 300ULL << 20);
}

TEST_F(DaemonPinsTest, WithoutThePinFileARestartedDaemonTunesAgain) {
    SetRequest req;
    req.cache_bytes = 300ULL << 20;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    fs::remove(pins);  // what fastmapd did before pins were persisted
    restart();
    const std::size_t before = cache_sets();
    misses(10);
    EXPECT_GT(cache_sets(), before);  // so the test above can fail
}

TEST_F(DaemonPinsTest, ASetOfOtherParametersPinsNothing) {
    SetRequest req;
    req.dirty_ratio = 30;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    EXPECT_TRUE(daemon->persisted_pins().empty());
    EXPECT_FALSE(fs::exists(pins));
}

TEST_F(DaemonPinsTest, RestoreDefaultsForgetsThePinOnDiskToo) {
    SetRequest req;
    req.batch_pages = 64;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    req = {};
    req.cache_bytes = 300ULL << 20;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    ASSERT_EQ(daemon->persisted_pins().size(), 1U);
    EXPECT_TRUE(daemon->persisted_pins()[0].cache);
    EXPECT_TRUE(daemon->persisted_pins()[0].batch);  // the earlier pin stays
    ASSERT_TRUE(daemon->restore_defaults("db0").ok());
    EXPECT_TRUE(daemon->persisted_pins().empty());
    restart();
    EXPECT_TRUE(daemon->persisted_pins().empty());
    const std::size_t before = cache_sets();
    misses(10);
    EXPECT_GT(cache_sets(), before);
}

TEST_F(DaemonPinsTest, DetachForgetsThePin) {
    SetRequest req;
    req.cache_bytes = 300ULL << 20;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    ASSERT_TRUE(daemon->detach("db0").ok());
    EXPECT_TRUE(daemon->persisted_pins().empty());
    EXPECT_EQ(parse_pin_state(read_text(pins), "pins").pins.size(), 0U);
}

TEST_F(DaemonPinsTest, AnInstanceAttachedAgainUnderTheSameNameIsNotPinned) {
    SetRequest req;
    req.cache_bytes = 300ULL << 20;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    ctl.instances[0].id = 9;  // detached and attached again behind fastmapd's back
    restart();
    ASSERT_EQ(daemon->persisted_pins().size(), 1U);  // not checked until the module answers
    const std::size_t before = cache_sets();
    misses(10);
    EXPECT_TRUE(daemon->persisted_pins().empty());
    EXPECT_TRUE(log.contains("pins of db0 dropped"));
    EXPECT_GT(cache_sets(), before);
}

TEST(PinState, RoundTripsAndSkipsInvalidEntries) {
    const std::vector<PersistedPin> pins{{"db0", 3, true, false, "2025-06-01T10:00:00Z"},
                                         {"logs", 4, false, true, ""}};
    EXPECT_EQ(parse_pin_state(pin_state_text(pins), "p").pins, pins);

    const PinStateLoad mixed = parse_pin_state(R"({"version": 1, "pins": [
        {"instance": "db0", "id": 3, "cache": true},
        {"instance": "db1", "id": -1, "cache": true},
        {"instance": "db2", "id": 5},
        {"instance": "db0", "id": 4, "batch": true},
        "db3"]})",
                                               "pins.json");
    ASSERT_EQ(mixed.pins.size(), 1U);
    EXPECT_EQ(mixed.pins[0].instance, "db0");
    EXPECT_FALSE(mixed.corrupt);
    ASSERT_EQ(mixed.warnings.size(), 4U);
    EXPECT_EQ(mixed.warnings[0], "pins.json: pins[1] skipped: db1: \"id\" is not an instance id");
    EXPECT_EQ(mixed.warnings[2], "pins.json: pins[3] skipped: db0 is listed twice");

    EXPECT_TRUE(parse_pin_state("{", "p").corrupt);
    EXPECT_TRUE(parse_pin_state(R"({"version": 2, "pins": []})", "p").corrupt);
    EXPECT_TRUE(load_pin_state("/nonexistent/pins.json").warnings.empty());
}

}  // namespace
}  // namespace fastmap::daemon
