// SPDX-License-Identifier: GPL-2.0-only
// status, stats --watch / --prometheus and top, on a FakeControl, a FakeTelemetry and a fake
// clock.
#include "monitor.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <sstream>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fake_control.hpp"
#include "fake_telemetry.hpp"
#include "json.hpp"

namespace fastmap::cli {
namespace {

struct Outcome {
    int rc;
    std::string out;
    std::string err;
};

// Time moves only in sleep(), which then runs on_sleep (to change the counters).
class FakeTicker final : public Ticker {
public:
    double t = 100.0;
    int sleeps_left = -1;  // sleep() returns false (SIGINT) once this reaches 0; -1: never
    std::function<void()> on_sleep;
    std::vector<double> slept;

    double now() override { return t; }
    bool sleep(double seconds) override {
        if (sleeps_left == 0) {
            return false;
        }
        if (sleeps_left > 0) {
            --sleeps_left;
        }
        slept.push_back(seconds);
        t += seconds;
        if (on_sleep) {
            on_sleep();
        }
        return true;
    }
};

class MonitorTest : public ::testing::Test {
protected:
    Outcome run_cli(std::vector<std::string> args) {
        std::ostringstream out, err;
        Env env{telemetry, &ticker};
        const int rc = run(args, ctl, env, out, err);
        return {rc, out.str(), err.str()};
    }

    // Adds one interval's activity to instance i.
    void advance(std::size_t i, std::uint64_t faults, std::uint64_t hits) {
        Stats& s = ctl.instances[i].stats;
        s.faults += faults;
        s.hits += hits;
        s.misses += faults - hits;
        s.evictions += 64;
        s.shootdowns += 2;
        s.wb_pages += 10;
        s.read_ios += 10;
        s.wb_bios += 5;
    }

    test::FakeControl ctl;
    FakeTicker ticker;
    TelemetryFactory telemetry;
};

const Error kNotLoaded{kErrModuleNotLoaded,
                       "fastmap kernel module is not loaded (modprobe fastmap)"};

// ---- status ----------------------------------------------------------------------------------

TEST_F(MonitorTest, StatusHuman) {
    ctl.instances = {test::sample_instance("db0"), test::sample_instance("scratch")};
    ctl.instances[1].stats.faults = 0;
    ctl.instances[1].open_count = 0;
    ctl.files = {{{{259, 1}, 1234}, "/data/db"}, {{{8, 1}, 5}, ""}};
    auto r = run_cli({"status"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out,
              "module: fastmap 0.1.0 (genl family version 1)\n"
              "instances: 2\n"
              "NAME     DEVICE       USED    CACHE  USED%  DIRTY   HIT%  OPEN\n"
              "db0      /dev/sdb  256 MiB  512 MiB  50.0%   1.0%  90.0%     1\n"
              "scratch  /dev/sdb  256 MiB  512 MiB  50.0%   1.0%      -     0\n"
              "enabled files: 2\n");
}

TEST_F(MonitorTest, StatusMarksFileInstances) {
    ctl.instances = {test::sample_instance("db0"), test::sample_file_instance()};
    auto r = run_cli({"status"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out,
              "module: fastmap 0.1.0 (genl family version 1)\n"
              "instances: 2\n"
              "NAME      DEVICE                USED    CACHE  USED%  DIRTY   HIT%  OPEN\n"
              "db0       /dev/sdb           256 MiB  512 MiB  50.0%   1.0%  90.0%     1\n"
              "f803.4d2  file:/data/db.mdb   32 MiB   64 MiB  50.0%   1.0%  90.0%     2\n"
              "enabled files: 0\n");
}

TEST_F(MonitorTest, StatusNoInstances) {
    auto r = run_cli({"status"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out,
              "module: fastmap 0.1.0 (genl family version 1)\n"
              "instances: none\n"
              "enabled files: 0\n");
}

TEST_F(MonitorTest, StatusJson) {
    ctl.instances = {test::sample_instance()};
    ctl.files = {{{{259, 1}, 1234}, "/data/db"}};
    auto r = run_cli({"status", "--json"});
    EXPECT_EQ(r.rc, kExitOk);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["fastmapctl"], FASTMAP_VERSION);
    EXPECT_EQ(j["module"],
              nlohmann::json::parse(R"({"loaded": true, "version": "0.1.0", "genl_version": 1})"));
    EXPECT_EQ(j["instances"], list_to_json(ctl.instances)["instances"]);
    EXPECT_EQ(j["enabled_files"], 1);
    EXPECT_EQ(run_cli({"status", "-j"}).out, r.out);
}

TEST_F(MonitorTest, StatusModuleNotLoaded) {
    ctl.fail = kNotLoaded;
    auto r = run_cli({"status"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.out, "module: not loaded (modprobe fastmap)\n");
    EXPECT_EQ(r.err, "");
    r = run_cli({"status", "--json"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(nlohmann::json::parse(r.out)["module"],
              nlohmann::json::parse(R"({"loaded": false})"));
}

TEST_F(MonitorTest, StatusOtherError) {
    ctl.fail = Error{EIO, "netlink: Input/output error"};
    auto r = run_cli({"status"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: status: netlink: Input/output error\n");
}

// ---- rates -----------------------------------------------------------------------------------

TEST(Rates, TwoSamples) {
    InstanceInfo a = test::sample_instance();
    InstanceInfo b = a;
    b.stats.faults += 2000;
    b.stats.hits += 1500;
    b.stats.misses += 500;
    b.stats.evictions += 128;
    b.stats.shootdowns += 4;
    b.stats.wb_pages += 40;
    b.stats.read_ios += 300;
    b.stats.wb_bios += 20;
    const Rates r = compute_rates(a, b, 2.0);
    EXPECT_DOUBLE_EQ(r.faults, 1000);
    EXPECT_DOUBLE_EQ(r.hits, 750);
    EXPECT_DOUBLE_EQ(r.misses, 250);
    EXPECT_DOUBLE_EQ(r.evictions, 64);
    EXPECT_DOUBLE_EQ(r.shootdowns, 2);
    EXPECT_DOUBLE_EQ(r.wb_pages, 20);
    EXPECT_DOUBLE_EQ(r.read_ios, 150);
    EXPECT_DOUBLE_EQ(r.wb_bios, 10);
    EXPECT_DOUBLE_EQ(iops(r), 160);
    EXPECT_EQ(r.delta_faults, 2000U);
    EXPECT_EQ(r.delta_hits, 1500U);
}

TEST(Rates, CounterResetIsNeverNegative) {
    InstanceInfo a = test::sample_instance();  // faults 1000, hits 900, evictions 64
    InstanceInfo b = a;
    b.stats.faults = 10;  // the counters restarted (instance re-created)
    b.stats.hits = 4;
    b.stats.evictions = 0;
    const Rates r = compute_rates(a, b, 1.0);
    EXPECT_DOUBLE_EQ(r.faults, 10);
    EXPECT_DOUBLE_EQ(r.hits, 4);
    EXPECT_DOUBLE_EQ(r.evictions, 0);
    EXPECT_DOUBLE_EQ(r.shootdowns, 0);
    EXPECT_GE(r.misses, 0);
}

TEST(Rates, NewIdCountsFromZero) {
    InstanceInfo a = test::sample_instance();
    InstanceInfo b = a;
    b.id = a.id + 1;
    b.stats.faults = 2000;  // higher than before, but a different instance
    const Rates r = compute_rates(a, b, 1.0);
    EXPECT_DOUBLE_EQ(r.faults, 2000);
}

TEST(Rates, ZeroInterval) {
    InstanceInfo a = test::sample_instance();
    const Rates r = compute_rates(a, a, 0.0);
    EXPECT_DOUBLE_EQ(r.faults, 0);
}

TEST(Format, NsAndRate) {
    EXPECT_EQ(format_ns(850), "850 ns");
    EXPECT_EQ(format_ns(12345), "12.3 \u00b5s");  // µs
    EXPECT_EQ(format_ns(2500000), "2.5 ms");
    EXPECT_EQ(format_ns(1200000000), "1.20 s");
    EXPECT_EQ(format_rate(12.25), "12.2");
    EXPECT_EQ(format_rate(0), "0.0");
}

// ---- stats --watch ---------------------------------------------------------------------------

TEST_F(MonitorTest, WatchOneInstance) {
    ctl.instances = {test::sample_instance()};
    ticker.on_sleep = [&] { advance(0, 2000, 1500); };
    auto r = run_cli({"stats", "db0", "--watch", "2", "--count", "2"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(ticker.slept, (std::vector<double>{2.0, 2.0}));
    EXPECT_EQ(r.out,
              "TIME     NAME                FAULTS/s      HITS/s     EVICT/s   SHOOTDN/s     "
              "WB_PG/s        IOPS       DIRTY      CACHED    USED\n"
              "2.0      db0                   1000.0       750.0        32.0         1.0         "
              "5.0         7.5    5.12 MiB     256 MiB   50.0%\n"
              "4.0      db0                   1000.0       750.0        32.0         1.0         "
              "5.0         7.5    5.12 MiB     256 MiB   50.0%\n");
}

TEST_F(MonitorTest, WatchAllInstancesUntilInterrupted) {
    ctl.instances = {test::sample_instance("a"), test::sample_instance("b")};
    ticker.sleeps_left = 1;  // then SIGINT
    ticker.on_sleep = [&] {
        advance(0, 10, 10);
        ctl.instances[1].stats = Stats{};  // b's counters reset: rates are 0, not negative
        ctl.instances[1].stats.cache_pages = 131072;
        ctl.instances.push_back(test::sample_instance("c"));  // new: no rates yet
    };
    auto r = run_cli({"stats", "--watch", "1"});
    EXPECT_EQ(r.rc, kExitOk);
    std::istringstream lines(r.out);
    std::vector<std::string> got;
    for (std::string line; std::getline(lines, line);) {
        got.push_back(line);
    }
    ASSERT_EQ(got.size(), 4U);
    EXPECT_NE(
        got[1].find("a                       10.0        10.0        64.0         2.0        10.0"
                    "        15.0"),
        std::string::npos)
        << got[1];
    EXPECT_NE(
        got[2].find("b                        0.0         0.0         0.0         0.0         0.0"),
        std::string::npos)
        << got[2];
    EXPECT_NE(got[3].find("c                          -           -"), std::string::npos) << got[3];
}

TEST_F(MonitorTest, WatchErrors) {
    EXPECT_EQ(run_cli({"stats", "db0", "--watch", "0"}).rc, kExitUsage);
    EXPECT_EQ(run_cli({"stats", "db0", "--watch", "1", "--count", "0"}).rc, kExitUsage);
    EXPECT_EQ(run_cli({"stats", "db0", "--count", "3"}).rc, kExitUsage);  // needs --watch
    EXPECT_EQ(run_cli({"stats", "db0", "--watch", "1", "--prometheus"}).rc, kExitUsage);
    EXPECT_EQ(run_cli({"stats", "--prometheus", "--json"}).rc, kExitUsage);
    auto r = run_cli({"stats", "nope", "--watch", "1", "--count", "1"});
    EXPECT_EQ(r.rc, kExitRuntime);
    ctl.fail = kNotLoaded;
    r = run_cli({"stats", "--watch", "1"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.err, "fastmapctl: stats: fastmap kernel module is not loaded (modprobe fastmap)\n");
}

// ---- stats --prometheus ----------------------------------------------------------------------

TEST_F(MonitorTest, PrometheusExact) {
    ctl.instances = {test::sample_instance()};
    auto r = run_cli({"stats", "db0", "--prometheus"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out,
              "# HELP fastmap_up Whether the fastmap kernel module is loaded and answered.\n"
              "# TYPE fastmap_up gauge\n"
              "fastmap_up 1\n"
              "# HELP fastmap_instance_info An attached instance (always 1): its device or file.\n"
              "# TYPE fastmap_instance_info gauge\n"
              "fastmap_instance_info{name=\"db0\",id=\"3\",device=\"/dev/sdb\",dev=\"8:16\"} 1\n"
              "# HELP fastmap_faults_total Page faults served (read and write).\n"
              "# TYPE fastmap_faults_total counter\n"
              "fastmap_faults_total{name=\"db0\"} 1000\n"
              "# HELP fastmap_hits_total Page faults served from the DRAM cache.\n"
              "# TYPE fastmap_hits_total counter\n"
              "fastmap_hits_total{name=\"db0\"} 900\n"
              "# HELP fastmap_misses_total Page faults that read the device.\n"
              "# TYPE fastmap_misses_total counter\n"
              "fastmap_misses_total{name=\"db0\"} 100\n"
              "# HELP fastmap_evictions_total Cache pages evicted.\n"
              "# TYPE fastmap_evictions_total counter\n"
              "fastmap_evictions_total{name=\"db0\"} 64\n"
              "# HELP fastmap_mkwrite_total Write faults on mapped clean pages.\n"
              "# TYPE fastmap_mkwrite_total counter\n"
              "fastmap_mkwrite_total{name=\"db0\"} 7\n"
              "# HELP fastmap_evict_batches_total Eviction batches.\n"
              "# TYPE fastmap_evict_batches_total counter\n"
              "fastmap_evict_batches_total{name=\"db0\"} 2\n"
              "# HELP fastmap_shootdowns_total TLB shootdown rounds.\n"
              "# TYPE fastmap_shootdowns_total counter\n"
              "fastmap_shootdowns_total{name=\"db0\"} 2\n"
              "# HELP fastmap_writeback_pages_total Dirty pages written back to the device.\n"
              "# TYPE fastmap_writeback_pages_total counter\n"
              "fastmap_writeback_pages_total{name=\"db0\"} 30\n"
              "# HELP fastmap_evict_stalls_total Page faults that found no free cache frame.\n"
              "# TYPE fastmap_evict_stalls_total counter\n"
              "fastmap_evict_stalls_total{name=\"db0\"} 4\n"
              "# HELP fastmap_writeback_bios_total Write bios submitted to the device.\n"
              "# TYPE fastmap_writeback_bios_total counter\n"
              "fastmap_writeback_bios_total{name=\"db0\"} 3\n"
              "# HELP fastmap_read_ios_total Read bios submitted to the device.\n"
              "# TYPE fastmap_read_ios_total counter\n"
              "fastmap_read_ios_total{name=\"db0\"} 100\n"
              "# HELP fastmap_outside_writes_total File instances: writes and truncates of the "
              "file from outside fastmap.\n"
              "# TYPE fastmap_outside_writes_total counter\n"
              "fastmap_outside_writes_total{name=\"db0\"} 0\n"
              "# HELP fastmap_read_errors_total Failed device reads.\n"
              "# TYPE fastmap_read_errors_total counter\n"
              "fastmap_read_errors_total{name=\"db0\"} 0\n"
              "# HELP fastmap_write_errors_total Failed device writes.\n"
              "# TYPE fastmap_write_errors_total counter\n"
              "fastmap_write_errors_total{name=\"db0\"} 0\n"
              "# HELP fastmap_cache_bytes DRAM cache size in bytes.\n"
              "# TYPE fastmap_cache_bytes gauge\n"
              "fastmap_cache_bytes{name=\"db0\"} 536870912\n"
              "# HELP fastmap_dirty_bytes Dirty cache pages, in bytes.\n"
              "# TYPE fastmap_dirty_bytes gauge\n"
              "fastmap_dirty_bytes{name=\"db0\"} 5369856\n"
              "# HELP fastmap_cached_bytes Cache pages holding data, in bytes.\n"
              "# TYPE fastmap_cached_bytes gauge\n"
              "fastmap_cached_bytes{name=\"db0\"} 268435456\n"
              "# HELP fastmap_free_bytes Free cache pages, in bytes.\n"
              "# TYPE fastmap_free_bytes gauge\n"
              "fastmap_free_bytes{name=\"db0\"} 268435456\n");
}

TEST(Prometheus, InstanceInfoOfAFileInstance) {
    std::ostringstream out;
    write_prometheus(out, true, {test::sample_file_instance()});
    EXPECT_NE(out.str().find("fastmap_instance_info{name=\"f803.4d2\",id=\"7\",device=\"/data/"
                             "db.mdb\",dev=\"8:3\",file=\"/data/db.mdb\"} 1\n"),
              std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("fastmap_outside_writes_total{name=\"f803.4d2\"} 1\n"),
              std::string::npos);
    // Every metric has HELP and TYPE, counters end in _total, byte gauges in _bytes.
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("# TYPE ", 0) != 0) {
            continue;
        }
        const std::string name = line.substr(7, line.find(' ', 7) - 7);
        const std::string type = line.substr(line.rfind(' ') + 1);
        EXPECT_NE(out.str().find("# HELP " + name + " "), std::string::npos) << name;
        if (type == "counter") {
            EXPECT_EQ(name.substr(name.size() - 6), "_total") << name;
        } else {
            EXPECT_EQ(type, "gauge") << name;
            EXPECT_TRUE(name == "fastmap_up" || name == "fastmap_instance_info" ||
                        name.substr(name.size() - 6) == "_bytes")
                << name;
        }
    }
}

TEST_F(MonitorTest, PrometheusAllInstancesAndDown) {
    ctl.instances = {test::sample_instance("a"), test::sample_instance("b")};
    auto r = run_cli({"stats", "--prometheus"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_NE(r.out.find("fastmap_faults_total{name=\"a\"} 1000\n"
                         "fastmap_faults_total{name=\"b\"} 1000\n"),
              std::string::npos);
    ctl.instances.clear();
    r = run_cli({"stats", "--prometheus"});
    EXPECT_NE(r.out.find("fastmap_up 1\n"), std::string::npos);
    EXPECT_NE(r.out.find("# TYPE fastmap_cache_bytes gauge\n"), std::string::npos);
    ctl.fail = kNotLoaded;
    r = run_cli({"stats", "--prometheus"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out,
              "# HELP fastmap_up Whether the fastmap kernel module is loaded and answered.\n"
              "# TYPE fastmap_up gauge\n"
              "fastmap_up 0\n");
    ctl.fail = Error{EIO, "netlink: Input/output error"};
    r = run_cli({"stats", "--prometheus"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.out, "");
}

TEST(Prometheus, LabelEscaping) {
    EXPECT_EQ(prometheus_escape("db0"), "db0");
    EXPECT_EQ(prometheus_escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    InstanceInfo info = test::sample_instance("we\"ird\\");
    std::ostringstream out;
    write_prometheus(out, true, {info});
    EXPECT_NE(out.str().find("fastmap_hits_total{name=\"we\\\"ird\\\\\"} 900\n"),
              std::string::npos);
}

// ---- top -------------------------------------------------------------------------------------

TEST_F(MonitorTest, TopOnceWithoutTelemetry) {
    ctl.instances = {test::sample_instance()};
    ticker.on_sleep = [&] { advance(0, 1000, 900); };
    auto r = run_cli({"top", "--once"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(ticker.slept, (std::vector<double>{1.0}));
    EXPECT_EQ(r.out,
              "fastmap top: 1 instance, 1.0 s interval\n"
              "\n"
              "NAME  FAULTS/s   HIT%  EVICT/s  SHOOTDN/s  IOPS     DIRTY    CACHE  P50  P99\n"
              "db0     1000.0  90.0%     64.0        2.0  15.0  5.12 MiB  512 MiB    -    -\n"
              "\n"
              "fault latency: unavailable (fastmapctl was built without BPF telemetry)\n"
              "\n"
              "enabled files: 0\n"
              "\n"
              "fastmapd: not running (no policy decisions)\n");
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

TEST_F(MonitorTest, TopOnceTelemetryUnavailable) {
    ctl.instances = {test::sample_instance()};
    telemetry = []() -> Result<std::unique_ptr<telemetry::Telemetry>> {
        return Error{EPERM,
                     "load BPF programs: Operation not permitted (needs CAP_BPF and CAP_PERFMON, "
                     "and a kernel that permits the program)\nlibbpf: log line"};
    };
    auto r = run_cli({"top", "--once", "--interval", "0.5"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_NE(r.out.find("0.5 s interval"), std::string::npos);
    EXPECT_NE(r.out.find("\nfault latency: unavailable (load BPF programs: Operation not "
                         "permitted (needs CAP_BPF and CAP_PERFMON, and a kernel that permits "
                         "the program))\n"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("libbpf"), std::string::npos);
}

TEST_F(MonitorTest, TopOnceWithTelemetry) {
    ctl.instances = {test::sample_instance("db0"), test::sample_instance("idle")};
    ctl.instances[1].id = 4;
    test::FakeTelemetry* fake = nullptr;
    telemetry = [&]() -> Result<std::unique_ptr<telemetry::Telemetry>> {
        auto t = std::make_unique<test::FakeTelemetry>(2);
        fake = t.get();
        fake->instance(0, 3).fault_lat.slots[10] = 500;  // before the interval: not counted
        return std::unique_ptr<telemetry::Telemetry>(std::move(t));
    };
    ticker.on_sleep = [&] {
        advance(0, 100, 90);
        fake->instance(0, 3).fault_lat.slots[10] += 45;  // 1024..2047 ns
        fake->instance(1, 3).fault_lat.slots[10] += 45;
        fake->instance(1, 3).fault_lat.slots[20] += 10;  // 1..2 ms
    };
    auto r = run_cli({"top", "--once"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out,
              "fastmap top: 2 instances, 1.0 s interval\n"
              "\n"
              "NAME  FAULTS/s   HIT%  EVICT/s  SHOOTDN/s  IOPS     DIRTY    CACHE     P50     P99\n"
              "db0      100.0  90.0%     64.0        2.0  15.0  5.12 MiB  512 MiB  1.6 µs  2.0 ms\n"
              "idle       0.0      -      0.0        0.0   0.0  5.12 MiB  512 MiB       -       -\n"
              "\n"
              "enabled files: 0\n"
              "\n"
              "fastmapd: not running (no policy decisions)\n");
}

TEST_F(MonitorTest, TopShowsTheFilesOfFileInstances) {
    ctl.instances = {test::sample_instance(), test::sample_file_instance()};
    FileEntry entry{{{8, 3}, 1234}, "/data/db.mdb"};
    entry.instance = "f803.4d2";
    ctl.files = {entry};
    ticker.on_sleep = [&] { advance(1, 10, 10); };
    auto r = run_cli({"top", "--once"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(
        r.out,
        "fastmap top: 2 instances, 1.0 s interval\n"
        "\n"
        "NAME      FAULTS/s    HIT%  EVICT/s  SHOOTDN/s  IOPS     DIRTY    CACHE  P50  P99  FILE\n"
        "db0            0.0       -      0.0        0.0   0.0  5.12 MiB  512 MiB    -    -\n"
        "f803.4d2      10.0  100.0%     64.0        2.0  15.0   656 KiB   64 MiB    -    -  "
        "/data/db.mdb\n"
        "\n"
        "fault latency: unavailable (fastmapctl was built without BPF telemetry)\n"
        "\n"
        "enabled files: 1\n"
        "  8:3 1234  /data/db.mdb  [f803.4d2]\n"
        "\n"
        "fastmapd: not running (no policy decisions)\n");
}

TEST_F(MonitorTest, TopFullScreenUntilInterrupted) {
    ctl.instances = {test::sample_instance()};
    ticker.sleeps_left = 2;
    auto r = run_cli({"top"});
    EXPECT_EQ(r.rc, kExitOk);
    const std::string clear = "\x1b[H\x1b[2J";
    ASSERT_EQ(r.out.rfind(clear, 0), 0U);
    EXPECT_NE(r.out.find(clear, 1), std::string::npos);  // a second frame
}

TEST_F(MonitorTest, TopErrors) {
    EXPECT_EQ(run_cli({"top", "--interval", "0"}).rc, kExitUsage);
    ctl.fail = kNotLoaded;
    auto r = run_cli({"top", "--once"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.err, "fastmapctl: top: fastmap kernel module is not loaded (modprobe fastmap)\n");
}

}  // namespace
}  // namespace fastmap::cli
