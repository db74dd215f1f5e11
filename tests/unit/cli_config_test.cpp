// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl set, get, enable, disable, files and events on a FakeControl.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fake_control.hpp"
#include "json.hpp"

namespace fastmap::cli {
namespace {

namespace fs = std::filesystem;

struct Outcome {
    int rc;
    std::string out;
    std::string err;
};

class CliConfigTest : public ::testing::Test {
protected:
    void SetUp() override { ctl.instances = {test::sample_instance()}; }

    Outcome run_cli(std::vector<std::string> args) {
        std::ostringstream out, err;
        const int rc = run(args, ctl, out, err);
        return {rc, out.str(), err.str()};
    }

    test::FakeControl ctl;
};

TEST_F(CliConfigTest, SetSomeKeys) {
    auto r = run_cli({"set", "db0", "cache=1G", "dirty_ratio=40%"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.err, "");
    ASSERT_EQ(ctl.sets.size(), 1u);
    EXPECT_EQ(ctl.sets[0].first, "db0");
    EXPECT_EQ(ctl.sets[0].second, (SetRequest{1ULL << 30, {}, 40u, {}}));
    EXPECT_EQ(r.out, "set db0: cache 1 GiB, batch 512 pages, dirty_ratio 40%, wb_interval 5 s\n");
}

TEST_F(CliConfigTest, SetEveryKeyAndJson) {
    auto r = run_cli(
        {"set", "db0", "batch=64", "wb_interval=off", "cache=2G", "dirty_ratio=5", "--json"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    ASSERT_EQ(ctl.sets.size(), 1u);
    EXPECT_EQ(ctl.sets[0].second, (SetRequest{2ULL << 30, 64u, 5u, 0u}));
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j, instance_to_json(ctl.instances[0]));
    EXPECT_EQ(j["wb_interval_ms"], 0);
    EXPECT_EQ(j["batch_pages"], 64);
}

TEST_F(CliConfigTest, SetUsageErrorsNameTheKey) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"set", "db0"},
         "fastmapctl: set: nothing to set: give KEY=VALUE with KEY one of cache, batch, "
         "dirty_ratio, wb_interval\n"},
        {{"set", "db0", "colour=red"},
         "fastmapctl: set: unknown key 'colour' (keys: cache, batch, dirty_ratio, "
         "wb_interval)\n"},
        {{"set", "db0", "batch=0"}, "fastmapctl: set: batch: 0 is outside 1..4096 pages\n"},
        {{"set", "db0", "cache=1G", "dirty_ratio=150%"},
         "fastmapctl: set: dirty_ratio: 150% is outside 1..100%\n"},
        {{"set", "db0", "wb_interval=5x"},
         "fastmapctl: set: wb_interval: invalid duration '5x': unknown unit 'x' (use ms, s, "
         "min or h)\n"},
        {{"set", "db0", "cache=lots"}, "fastmapctl: set: cache: invalid size 'lots'"},
        {{"set", "control", "batch=1"}, "fastmapctl: set: instance name 'control' is reserved\n"},
    };
    for (const auto& [args, want] : cases) {
        auto r = run_cli(args);
        EXPECT_EQ(r.rc, kExitUsage) << want;
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(r.err.substr(0, want.size()), want);
    }
    EXPECT_TRUE(ctl.sets.empty());
    EXPECT_EQ(run_cli({"set"}).rc, kExitUsage);  // CLI11: NAME is required
}

TEST_F(CliConfigTest, SetKernelErrorsAndClampNote) {
    auto r = run_cli({"set", "nope", "batch=8"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: set: no fastmap instance 'nope'\n");

    ctl.fail = Error{kErrPermission, "permission denied: changes need CAP_SYS_ADMIN (run as root)"};
    r = run_cli({"set", "db0", "batch=8"});
    EXPECT_EQ(r.rc, kExitPermission);
    ctl.fail.reset();

    // The kernel may give less than asked for (the cache is capped at the device size).
    ctl.cache_limit = 64ULL << 20;
    r = run_cli({"set", "db0", "cache=1G"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.err, "fastmapctl: set: note: cache is 64 MiB (asked for 1 GiB)\n");
    EXPECT_EQ(r.out, "set db0: cache 64 MiB, batch 512 pages, dirty_ratio 10%, wb_interval 5 s\n");
}

TEST_F(CliConfigTest, GetAll) {
    auto r = run_cli({"get", "db0"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "id           3\n"
              "device       /dev/sdb\n"
              "dev          8:16\n"
              "size         10 GiB\n"
              "cache        512 MiB\n"
              "batch        512 pages\n"
              "dirty_ratio  10%\n"
              "wb_interval  5 s\n");
}

TEST_F(CliConfigTest, GetOneInBaseUnits) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"cache", "536870912\n"},  {"batch", "512\n"},
        {"dirty_ratio", "10\n"},   {"wb_interval", "5000\n"},
        {"device", "/dev/sdb\n"},  {"dev", "8:16\n"},
        {"size", "10737418240\n"}, {"id", "3\n"},
    };
    for (const auto& [key, want] : cases) {
        auto r = run_cli({"get", "db0", key});
        EXPECT_EQ(r.rc, kExitOk) << key;
        EXPECT_EQ(r.out, want) << key;
    }
}

TEST_F(CliConfigTest, GetJson) {
    auto r = run_cli({"get", "db0", "--json"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).dump(),
              R"({"batch_pages":512,"cache_bytes":536870912,"dev":"8:16","device":"/dev/sdb",)"
              R"("dirty_ratio":10,"id":3,"name":"db0","size_bytes":10737418240,)"
              R"("wb_interval_ms":5000})");
    r = run_cli({"get", "db0", "wb_interval", "-j"});
    EXPECT_EQ(nlohmann::json::parse(r.out).dump(), R"({"name":"db0","wb_interval_ms":5000})");
}

TEST_F(CliConfigTest, GetErrors) {
    auto r = run_cli({"get", "db0", "colour"});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err,
              "fastmapctl: get: unknown key 'colour' (keys: id, device, dev, size, cache, batch, "
              "dirty_ratio, wb_interval)\n");
    r = run_cli({"get", "nope"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(run_cli({"get"}).rc, kExitUsage);
}

class CliFilesTest : public CliConfigTest {
protected:
    void SetUp() override {
        // Unique per test: ctest runs the tests of this fixture in parallel processes.
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir = fs::weakly_canonical(
            fs::path(::testing::TempDir()) /
            ("fastmap-cli-files-" + std::string(info->name()) + "-" + std::to_string(::getpid())));
        fs::remove_all(dir);
        fs::create_directories(dir);
        file = (dir / "data").string();
        std::ofstream(file) << "x";
        struct stat st {};
        ASSERT_EQ(::stat(file.c_str(), &st), 0);
        key = {{::major(st.st_dev), ::minor(st.st_dev)}, st.st_ino};
        described = " (dev " + key.dev.str() + ", inode " + std::to_string(key.ino) + ")";
    }
    void TearDown() override { fs::remove_all(dir); }

    fs::path dir;
    std::string file;
    FileKey key;
    std::string described;
};

TEST_F(CliFilesTest, EnableAndDisableByPath) {
    const auto cwd = fs::current_path();
    fs::current_path(dir);
    auto r = run_cli({"enable", "data"});  // relative: recorded as absolute
    fs::current_path(cwd);
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out, "enabled " + file + described + "\n");
    ASSERT_EQ(ctl.files.size(), 1u);
    EXPECT_EQ(ctl.files[0], (FileEntry{key, file}));

    r = run_cli({"enable", file});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: enable: " + file + " is already enabled" + described + "\n");

    r = run_cli({"disable", file});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out, "disabled " + file + described + "\n");
    EXPECT_TRUE(ctl.files.empty());

    r = run_cli({"disable", file});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: disable: " + file + described + " is not enabled\n");
}

TEST_F(CliFilesTest, DisableByKey) {
    ctl.files = {{{{8, 1}, 12}, "/gone"}};
    auto r = run_cli({"disable", "--dev", "8:1", "--ino", "12"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out, "disabled dev 8:1, inode 12\n");
    EXPECT_TRUE(ctl.files.empty());

    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"disable"}, "fastmapctl: disable: give either FILE or both --dev and --ino\n"},
        {{"disable", file, "--dev", "8:1", "--ino", "12"},
         "fastmapctl: disable: give either FILE or both --dev and --ino\n"},
        {{"disable", "--dev", "8:1"}, "fastmapctl: disable: --dev and --ino go together\n"},
        {{"disable", "--ino", "12"}, "fastmapctl: disable: --dev and --ino go together\n"},
        {{"disable", "--dev", "sda", "--ino", "12"},
         "fastmapctl: disable: --dev: invalid device 'sda': expected MAJOR:MINOR\n"},
    };
    for (const auto& [args, want] : cases) {
        r = run_cli(args);
        EXPECT_EQ(r.rc, kExitUsage) << want;
        EXPECT_EQ(r.err, want);
    }
    EXPECT_EQ(ctl.removed.size(), 1u);
}

TEST_F(CliFilesTest, BadFilesAreUsageErrors) {
    const std::string missing = (dir / "missing").string();
    auto r = run_cli({"enable", missing});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err, "fastmapctl: enable: no such file: " + missing + "\n");

    r = run_cli({"enable", dir.string()});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err,
              "fastmapctl: enable: not a regular file: " + dir.string() + " (a directory)\n");

    r = run_cli({"disable", "/dev/null"});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err, "fastmapctl: disable: not a regular file: /dev/null (a character device)\n");
    EXPECT_TRUE(ctl.files.empty());
    EXPECT_TRUE(ctl.removed.empty());
    EXPECT_EQ(run_cli({"enable"}).rc, kExitUsage);
}

TEST_F(CliFilesTest, EnableKernelErrors) {
    ctl.fail = Error{kErrModuleNotLoaded, "fastmap kernel module is not loaded (modprobe fastmap)"};
    auto r = run_cli({"enable", file});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    ctl.fail = Error{kErrPermission, "permission denied: changes need CAP_SYS_ADMIN (run as root)"};
    r = run_cli({"disable", file});
    EXPECT_EQ(r.rc, kExitPermission);
    EXPECT_EQ(r.err,
              "fastmapctl: disable: permission denied: changes need CAP_SYS_ADMIN (run as "
              "root)\n");
}

TEST_F(CliFilesTest, FilesTableAndJson) {
    auto r = run_cli({"files"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, "no enabled files\n");

    ctl.files = {{{{8, 1}, 12}, "/data/a"}, {{{259, 3}, 1234567890123ULL}, ""}};
    r = run_cli({"files"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out,
              "DEV            INODE  INSTANCE  CACHE  PATH\n"
              "8:1               12  -             -  /data/a\n"
              "259:3  1234567890123  -             -  -\n");

    r = run_cli({"files", "--json"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(nlohmann::json::parse(r.out), files_to_json(ctl.files));
}

TEST_F(CliFilesTest, FilesShowInstancesAndTheirCache) {
    // An entry with a cache from `enable --cache` and an instance; one whose instance has the
    // default cache (the table gives none: the instance's is shown); one with neither.
    ctl.instances = {test::sample_instance(), test::sample_file_instance()};
    FileEntry sized{{{8, 1}, 12}, "/data/a"};
    sized.cache_bytes = 1ULL << 30;
    sized.instance = "f801.c";
    FileEntry open{{{8, 3}, 1234}, "/data/db.mdb"};
    open.instance = "f803.4d2";
    ctl.files = {sized, open, {{{8, 3}, 99}, "/data/idle"}};
    auto r = run_cli({"files"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "DEV  INODE  INSTANCE   CACHE  PATH\n"
              "8:1     12  f801.c     1 GiB  /data/a\n"
              "8:3   1234  f803.4d2  64 MiB  /data/db.mdb\n"
              "8:3     99  -              -  /data/idle\n");
    r = run_cli({"files", "--json"});
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["files"][0]["cache_bytes"], 1ULL << 30);
    EXPECT_EQ(j["files"][1]["instance"], "f803.4d2");
    EXPECT_EQ(j["files"][1]["cache_bytes"], 64ULL << 20);
    EXPECT_FALSE(j["files"][2].contains("cache_bytes"));
    EXPECT_EQ(j["files"][2]["instance"], "");
}

TEST_F(CliFilesTest, EnableWithACacheSize) {
    auto r = run_cli({"enable", file, "--cache", "128M"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out, "enabled " + file + described + ", cache 128 MiB\n");
    ASSERT_EQ(ctl.files.size(), 1u);
    EXPECT_EQ(ctl.files[0].cache_bytes, 128ULL << 20);

    ctl.files.clear();
    r = run_cli({"enable", "-c", "1.5G", file});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    ASSERT_EQ(ctl.files.size(), 1u);
    EXPECT_EQ(ctl.files[0].cache_bytes, 3ULL << 29);

    ctl.files.clear();
    r = run_cli({"enable", file, "--cache", "10Q"});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err.rfind("fastmapctl: enable: --cache: ", 0), 0u) << r.err;
    r = run_cli({"enable", file, "--cache", "4K"});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err, "fastmapctl: enable: --cache: 4 KiB is below the minimum of 256 KiB\n");
    EXPECT_TRUE(ctl.files.empty());
}

TEST_F(CliFilesTest, EnableWithACacheSizeFallsBackToTheKernelWhenTheDaemonCannot) {
    ctl.sized_unsupported = true;  // fastmapd's EnableFile has no cache size
    auto r = run_cli({"enable", file, "--cache", "1G"});
    EXPECT_EQ(r.rc, kExitRuntime);  // and no kernel Control to fall back to
    EXPECT_NE(r.err.find("cannot set a file's cache size"), std::string::npos) << r.err;

    test::FakeControl kernel;
    std::ostringstream out, err;
    Env env;
    env.kernel = &kernel;
    const int rc = run({"enable", file, "--cache", "1G"}, ctl, env, out, err);
    EXPECT_EQ(rc, kExitOk) << err.str();
    EXPECT_EQ(err.str(),
              "fastmapctl: enable: note: fastmapd cannot set a file's cache size; asking the "
              "kernel directly\n");
    EXPECT_TRUE(ctl.files.empty());
    ASSERT_EQ(kernel.files.size(), 1u);
    EXPECT_EQ(kernel.files[0].cache_bytes, 1ULL << 30);
    // Without --cache the daemon does it.
    EXPECT_EQ(run({"enable", file}, ctl, env, out, err), kExitOk);
    EXPECT_EQ(ctl.files.size(), 1u);
}

TEST_F(CliFilesTest, DisableAFileOpenThroughFastmap) {
    ctl.files = {{key, file}};
    ctl.fail = Error{EBUSY, "file is open through fastmap (Device or resource busy)"};
    auto r = run_cli({"disable", file});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: disable: " + file + described +
                         ": the file is open through fastmap; close it first\n");
}

TEST_F(CliConfigTest, EventsOutsideWrite) {
    ctl.event_script = {
        std::optional<Event>(Event{EventType::kOutsideWrite, "f803.4d2", 8192}),
    };
    auto r = run_cli({"events", "--count", "1"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "EVENT           NAME              DETAIL\n"
              "outside_write   f803.4d2          written outside fastmap, size 8192\n");
    ctl.event_script = {
        std::optional<Event>(Event{EventType::kOutsideWrite, "f803.4d2", 8192}),
    };
    r = run_cli({"events", "--count", "1", "--json"});
    EXPECT_EQ(r.out, R"({"event":"outside_write","name":"f803.4d2","value":8192})"
                     "\n");
}

TEST_F(CliConfigTest, EventsHuman) {
    ctl.event_script = {
        std::optional<Event>(Event{EventType::kAttached, "db0", 0}),
        std::optional<Event>(Event{EventType::kIoError, "db0", EIO}),
        std::optional<Event>(Event{EventType::kEvictStall, "scratch", 12}),
        std::optional<Event>(Event{EventType::kCachePressure, "db0", 3}),
        std::optional<Event>(Event{static_cast<EventType>(42), "db0", 7}),
    };
    auto r = run_cli({"events", "--count", "5"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "EVENT           NAME              DETAIL\n"
              "attached        db0\n"
              "io_error        db0               error 5 (Input/output error)\n"
              "evict_stall     scratch           12 stalled faults\n"
              "cache_pressure  db0               3 free pages\n"
              "unknown(42)     db0               value 7\n");
    // No --timeout: every wait is unbounded.
    EXPECT_EQ(ctl.event_waits->size(), 5u);
    EXPECT_FALSE(ctl.event_waits->front().has_value());
}

TEST_F(CliConfigTest, EventsJsonLines) {
    ctl.event_script = {
        std::optional<Event>(Event{EventType::kChanged, "db0", 0}),
        std::optional<Event>(Event{EventType::kDetached, "db0", 0}),
    };
    auto r = run_cli({"events", "--json", "-n", "2", "--timeout", "5"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "{\"event\":\"changed\",\"name\":\"db0\",\"value\":0}\n"
              "{\"event\":\"detached\",\"name\":\"db0\",\"value\":0}\n");
    ASSERT_EQ(ctl.event_waits->size(), 2u);
    ASSERT_TRUE(ctl.event_waits->front().has_value());
    EXPECT_GT(ctl.event_waits->front()->count(), 4000);
    EXPECT_LE(ctl.event_waits->front()->count(), 5000);
}

TEST_F(CliConfigTest, EventsTimeout) {
    ctl.event_script = {std::optional<Event>(Event{EventType::kAttached, "db0", 0})};
    // Without --count, running out of time is the normal end.
    auto r = run_cli({"events", "--json", "--timeout", "0.2"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out, "{\"event\":\"attached\",\"name\":\"db0\",\"value\":0}\n");

    // With --count, it is exit code 5.
    ctl.event_script = {std::optional<Event>(Event{EventType::kAttached, "db0", 0})};
    r = run_cli({"events", "--json", "--count", "2", "--timeout", "0.2"});
    EXPECT_EQ(r.rc, kExitTimeout);
    EXPECT_EQ(r.err, "fastmapctl: events: timed out with 1 of 2 events\n");

    r = run_cli({"events", "--timeout", "0"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, "EVENT           NAME              DETAIL\n");
}

TEST_F(CliConfigTest, EventsErrors) {
    ctl.event_script = {
        Error{ENOBUFS, "netlink receive: the kernel dropped messages (receive buffer full)"},
        std::optional<Event>(Event{EventType::kAttached, "db0", 0}),
        Error{EPROTO, "fastmap event without an event type"},
    };
    auto r = run_cli({"events", "--json"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.out, "{\"event\":\"attached\",\"name\":\"db0\",\"value\":0}\n");
    EXPECT_EQ(r.err,
              "fastmapctl: events: warning: events were lost (netlink receive: the kernel dropped "
              "messages (receive buffer full))\n"
              "fastmapctl: events: fastmap event without an event type\n");

    EXPECT_EQ(run_cli({"events", "--count", "0"}).rc, kExitUsage);
    EXPECT_EQ(run_cli({"events", "--timeout", "-1"}).rc, kExitUsage);
    EXPECT_EQ(run_cli({"events", "--timeout", "soon"}).rc, kExitUsage);

    ctl.fail = Error{kErrModuleNotLoaded, "fastmap kernel module is not loaded (modprobe fastmap)"};
    r = run_cli({"events"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "fastmapctl: events: fastmap kernel module is not loaded (modprobe fastmap)\n");
}

}  // namespace
}  // namespace fastmap::cli
