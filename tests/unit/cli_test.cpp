// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <sstream>

#include "exit_codes.hpp"
#include "fake_control.hpp"
#include "json.hpp"
#include "output.hpp"

namespace fastmap::cli {
namespace {

struct Outcome {
    int rc;
    std::string out;
    std::string err;
};

Outcome run_cli(Control& ctl, std::vector<std::string> args) {
    std::ostringstream out, err;
    const int rc = run(args, ctl, out, err);
    return {rc, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
protected:
    test::FakeControl ctl;
};

TEST_F(CliTest, ListTable) {
    ctl.instances = {test::sample_instance("db0"), test::sample_instance("scratch-1")};
    ctl.instances[1].device = "/dev/nvme0n1";
    ctl.instances[1].dev = {259, 0};
    ctl.instances[1].cache_bytes = 3ULL << 29;
    ctl.instances[1].stats.faults = 0;
    ctl.instances[1].id = 12;
    auto r = run_cli(ctl, {"list"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out,
              "NAME       ID  DEVICE        DEV      SIZE    CACHE   USED  DIRTY   HIT%  OPEN\n"
              "db0         3  /dev/sdb      8:16   10 GiB  512 MiB  50.0%   1.0%  90.0%     1\n"
              "scratch-1  12  /dev/nvme0n1  259:0  10 GiB  1.5 GiB  50.0%   1.0%      -     1\n");
}

TEST_F(CliTest, ListEmpty) {
    auto r = run_cli(ctl, {"list"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, "no fastmap instances\n");
}

TEST_F(CliTest, ListJson) {
    ctl.instances = {test::sample_instance()};
    auto r = run_cli(ctl, {"list", "--json"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(nlohmann::json::parse(r.out), list_to_json(ctl.instances));
    EXPECT_EQ(run_cli(ctl, {"list", "-j"}).out, r.out);
    ctl.instances.clear();
    EXPECT_EQ(nlohmann::json::parse(run_cli(ctl, {"list", "--json"}).out),
              nlohmann::json::parse(R"({"instances": []})"));
}

TEST_F(CliTest, StatsHuman) {
    ctl.instances = {test::sample_instance()};
    auto r = run_cli(ctl, {"stats", "db0"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out,
              "instance     db0\n"
              "id           3\n"
              "device       /dev/sdb (8:16)\n"
              "size         10 GiB\n"
              "cache        512 MiB (131072 pages)\n"
              "batch        512 pages\n"
              "dirty ratio  10%\n"
              "wb interval  5 s\n"
              "open         1\n"
              "\n"
              "COUNTER          VALUE\n"
              "faults            1000\n"
              "hits               900  90.0% of faults\n"
              "misses             100  10.0% of faults\n"
              "mkwrite              7\n"
              "evictions           64\n"
              "evict_batches        2\n"
              "shootdowns           2\n"
              "wb_pages            30\n"
              "wb_bios              3\n"
              "read_ios           100\n"
              "read_errors          0\n"
              "write_errors         0\n"
              "dirty_pages       1311  5.12 MiB, 1.0% of cache\n"
              "cached_pages     65536  256 MiB, 50.0% of cache\n"
              "free_pages       65536  256 MiB, 50.0% of cache\n"
              "cache_pages     131072  4096-byte pages\n"
              "evict_stalls         4  0.4% of faults\n"
              "outside_writes       0\n");
}

TEST_F(CliTest, FileInstancesAreMarked) {
    ctl.instances = {test::sample_instance("db0"), test::sample_file_instance()};
    auto r = run_cli(ctl, {"list"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(
        r.out,
        "NAME      ID  DEVICE             DEV     SIZE    CACHE   USED  DIRTY   HIT%  OPEN\n"
        "db0        3  /dev/sdb           8:16  10 GiB  512 MiB  50.0%   1.0%  90.0%     1\n"
        "f803.4d2   7  file:/data/db.mdb  8:3    1 MiB   64 MiB  50.0%   1.0%  90.0%     2\n");

    r = run_cli(ctl, {"stats", "f803.4d2"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out.rfind("instance     f803.4d2\n"
                          "id           7\n"
                          "file         /data/db.mdb (dev 8:3, inode 1234)\n"
                          "size         1 MiB\n",
                          0),
              0u)
        << r.out;
    EXPECT_NE(r.out.find("\noutside_writes      1\n"), std::string::npos) << r.out;

    auto j = nlohmann::json::parse(run_cli(ctl, {"stats", "f803.4d2", "--json"}).out);
    EXPECT_EQ(j["file"], nlohmann::json::parse(R"({"path": "/data/db.mdb", "dev": "8:3",
                                                   "ino": 1234})"));
    EXPECT_EQ(j["stats"]["outside_writes"], 1);
    j = nlohmann::json::parse(run_cli(ctl, {"list", "--json"}).out);
    EXPECT_FALSE(j["instances"][0].contains("file"));
    EXPECT_EQ(j["instances"][1]["file"]["ino"], 1234);
}

TEST_F(CliTest, StatsJson) {
    ctl.instances = {test::sample_instance()};
    auto r = run_cli(ctl, {"stats", "db0", "--json"});
    EXPECT_EQ(r.rc, kExitOk);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j, stats_report_to_json(ctl.instances[0]));
    EXPECT_EQ(j["writeback_pages"], 30);
}

TEST_F(CliTest, StatsWithoutNameShowsEveryInstance) {
    ctl.instances = {test::sample_instance("db0"), test::sample_file_instance()};
    auto r = run_cli(ctl, {"stats"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "NAME      FAULTS   HIT%  EVICTIONS  SHOOTDOWNS  READ_IOS  WB_BIOS  WB_PAGES  "
              "STALLS  ERRORS     DIRTY   CACHED    CACHE\n"
              "db0         1000  90.0%         64           2       100        3        30       "
              "4       0  5.12 MiB  256 MiB  512 MiB\n"
              "f803.4d2    1000  90.0%         64           2       100        3        30       "
              "4       0   656 KiB   32 MiB   64 MiB\n");
    auto j = nlohmann::json::parse(run_cli(ctl, {"stats", "--json"}).out);
    ASSERT_EQ(j["instances"].size(), 2U);
    EXPECT_EQ(j["instances"][0], nlohmann::json::parse(run_cli(ctl, {"stats", "db0", "-j"}).out));
    EXPECT_EQ(j["instances"][1]["file"]["ino"], 1234);
    ctl.instances.clear();
    EXPECT_EQ(run_cli(ctl, {"stats"}).out, "no fastmap instances\n");
    EXPECT_EQ(run_cli(ctl, {"stats", "-j"}).out, "{\n  \"instances\": []\n}\n");
    ctl.fail = Error{kErrModuleNotLoaded, "fastmap kernel module is not loaded (modprobe fastmap)"};
    r = run_cli(ctl, {"stats"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.err, "fastmapctl: stats: fastmap kernel module is not loaded (modprobe fastmap)\n");
}

TEST_F(CliTest, StatsUnknownInstanceIsRuntimeError) {
    auto r = run_cli(ctl, {"stats", "nope"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "fastmapctl: stats: no fastmap instance 'nope' (No such file or directory)\n");
}

TEST_F(CliTest, Attach) {
    auto r =
        run_cli(ctl, {"attach", "/dev/sdc", "--name", "db1", "--cache", "1G", "--batch", "64"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    ASSERT_EQ(ctl.attached.size(), 1u);
    EXPECT_EQ(ctl.attached[0].device, "/dev/sdc");
    EXPECT_EQ(ctl.attached[0].name, "db1");
    EXPECT_EQ(ctl.attached[0].cache_bytes, 1ULL << 30);
    EXPECT_EQ(ctl.attached[0].batch_pages, 64u);
    EXPECT_EQ(r.out,
              "attached db1: /dev/sdc (8:16), 10 GiB, cache 1 GiB, batch 64 pages\n"
              "node: /dev/fastmap/db1\n");
}

TEST_F(CliTest, AttachShortOptionsAndDefaultBatch) {
    auto r = run_cli(ctl, {"attach", "-n", "db1", "-c", "512MiB", "/dev/sdc"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    ASSERT_EQ(ctl.attached.size(), 1u);
    EXPECT_EQ(ctl.attached[0].cache_bytes, 512ULL << 20);
    EXPECT_FALSE(ctl.attached[0].batch_pages.has_value());
}

TEST_F(CliTest, AttachUsageErrors) {
    struct Case {
        std::vector<std::string> args;
        std::string err;  // expected prefix of stderr; empty: CLI11's own message
    };
    const std::vector<Case> cases{
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "10Q"},
         "fastmapctl: attach: --cache: invalid size '10Q': unknown suffix 'Q'"},
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "1.5"},
         "fastmapctl: attach: --cache: invalid size '1.5': not a whole number of bytes\n"},
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "-1"}, ""},
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "4k"},
         "fastmapctl: attach: --cache: 4 KiB is below the minimum of 256 KiB\n"},
        {{"attach", "/dev/sdc", "--name", "control", "--cache", "1G"},
         "fastmapctl: attach: instance name 'control' is reserved\n"},
        {{"attach", "/dev/sdc", "--name", "a/b", "--cache", "1G"},
         "fastmapctl: attach: instance name 'a/b' contains '/'"},
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "1G", "--batch", "0"},
         "fastmapctl: attach: --batch: 0 is outside 1..4096 pages\n"},
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "1G", "--batch", "4097"},
         "fastmapctl: attach: --batch: 4097 is outside 1..4096 pages\n"},
        {{"attach", "/dev/sdc", "--name", "db1", "--cache", "1G", "--batch", "x"}, ""},
        {{"attach", "/dev/sdc", "--name", "db1"}, ""},
        {{"attach", "--name", "db1", "--cache", "1G"}, ""},
        {{"attach", "", "--name", "db1", "--cache", "1G"},
         "fastmapctl: attach: the block device path is empty\n"},
    };
    for (const auto& c : cases) {
        auto r = run_cli(ctl, c.args);
        EXPECT_EQ(r.rc, kExitUsage) << c.args.back();
        EXPECT_EQ(r.out, "") << c.args.back();
        EXPECT_FALSE(r.err.empty());
        if (!c.err.empty()) {
            EXPECT_EQ(r.err.substr(0, c.err.size()), c.err);
        }
    }
    EXPECT_TRUE(ctl.attached.empty());
}

TEST_F(CliTest, Detach) {
    auto r = run_cli(ctl, {"detach", "db0"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, "detached db0\n");
    ASSERT_EQ(ctl.detached.size(), 1u);
    EXPECT_EQ(ctl.detached[0], "db0");

    r = run_cli(ctl, {"detach", ".."});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(ctl.detached.size(), 1u);
}

TEST_F(CliTest, DetachWithKernelWarningFails) {
    ctl.detach_warning = "writeback failed: some data did not reach the device";
    auto r = run_cli(ctl, {"detach", "db0"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.out, "detached db0\n");
    EXPECT_EQ(r.err,
              "fastmapctl: detach: warning: writeback failed: some data did not reach the "
              "device\n");
}

TEST_F(CliTest, KernelErrorsMapToExitCodes) {
    ctl.fail = Error{kErrModuleNotLoaded, "fastmap kernel module is not loaded (modprobe fastmap)"};
    auto r = run_cli(ctl, {"list"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.err, "fastmapctl: list: fastmap kernel module is not loaded (modprobe fastmap)\n");

    ctl.fail = Error{kErrPermission, "permission denied: changes need CAP_SYS_ADMIN (run as root)"};
    r = run_cli(ctl, {"attach", "/dev/sdc", "--name", "db1", "--cache", "1G"});
    EXPECT_EQ(r.rc, kExitPermission);
    EXPECT_EQ(r.err,
              "fastmapctl: attach: permission denied: changes need CAP_SYS_ADMIN (run as root)\n");

    ctl.fail = Error{EBUSY, "instance db0 is open (Device or resource busy)"};
    r = run_cli(ctl, {"detach", "db0"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: detach: instance db0 is open (Device or resource busy)\n");
}

TEST_F(CliTest, ParseErrorsAreUsageErrors) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{},
                                               {"frobnicate"},
                                               {"list", "extra"},
                                               {"list", "--bogus"},
                                               {"stats", "--json", "--prometheus"}}) {
        auto r = run_cli(ctl, args);
        EXPECT_EQ(r.rc, kExitUsage) << (args.empty() ? "(none)" : args[0]);
        EXPECT_FALSE(r.err.empty());
    }
}

TEST_F(CliTest, HelpAndVersion) {
    auto r = run_cli(ctl, {"--help"});
    EXPECT_EQ(r.rc, kExitOk);
    for (const char* verb : {"attach", "detach", "list", "stats", "version", "set", "get", "enable",
                             "disable", "files", "events"}) {
        EXPECT_NE(r.out.find(verb), std::string::npos) << verb;
    }
    r = run_cli(ctl, {"attach", "--help"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_NE(r.out.find("--cache"), std::string::npos);

    r = run_cli(ctl, {"--version"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, std::string("fastmapctl ") + FASTMAP_VERSION + "\n");
}

TEST_F(CliTest, VersionVerb) {
    auto r = run_cli(ctl, {"version"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, std::string("fastmapctl ") + FASTMAP_VERSION +
                         " (genl family fastmap version 1)\n"
                         "module: fastmap 0.1.0 (genl family version 1)\n");

    ctl.fail = Error{kErrModuleNotLoaded, "not loaded"};
    r = run_cli(ctl, {"version"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_NE(r.out.find("module: not loaded\n"), std::string::npos);

    r = run_cli(ctl, {"version", "--json"});
    EXPECT_EQ(r.rc, kExitOk);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["fastmapctl"], FASTMAP_VERSION);
    EXPECT_EQ(j["module"]["loaded"], false);
}

TEST(Table, AlignsAndTrims) {
    Table t({{"A", Table::Align::kLeft}, {"NUM", Table::Align::kRight}, {"", Table::Align::kLeft}});
    t.add_row({"long-name", "1", ""});
    t.add_row({"x", "12345", "note"});
    std::ostringstream out;
    t.print(out);
    EXPECT_EQ(out.str(),
              "A            NUM\n"
              "long-name      1\n"
              "x          12345  note\n");
}

TEST(Percent, Formats) {
    EXPECT_EQ(percent(1, 3), "33.3%");
    EXPECT_EQ(percent(0, 0), "-");
    EXPECT_EQ(percent(5, 5), "100.0%");
}

}  // namespace
}  // namespace fastmap::cli
