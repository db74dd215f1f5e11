// SPDX-License-Identifier: GPL-2.0-only
// The verbs that talk to fastmapd (policy show/reload, decisions, restore-defaults, top's
// decisions) on a fake daemon link, and their behaviour without the daemon.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli.hpp"
#include "daemon_link.hpp"
#include "direct_control.hpp"
#include "exit_codes.hpp"
#include "fake_control.hpp"
#include "kernel_details.hpp"
#include "verb_daemon.hpp"

namespace fastmap::cli {
namespace {

class FakeDaemon final : public DaemonLink {
public:
    daemon::PolicyState state;
    std::optional<Error> reload_error;
    std::vector<daemon::DecisionRecord> records;
    std::vector<std::string> restored;
    test::FakeControl* ctl = nullptr;
    int reloads = 0;

    Result<daemon::PolicyState> policy() override { return state; }
    Result<void> reload_policy() override {
        ++reloads;
        if (reload_error) {
            return *reload_error;
        }
        return ok();
    }
    Result<std::vector<daemon::DecisionRecord>> decisions() override { return records; }
    Result<InstanceInfo> restore_defaults(std::string_view name) override {
        restored.emplace_back(name);
        return ctl->get(name);
    }
};

struct Outcome {
    int rc;
    std::string out;
    std::string err;
};

class CliDaemonTest : public ::testing::Test {
protected:
    test::FakeControl ctl;
    FakeDaemon fake;

    Outcome run_cli(std::vector<std::string> args, bool with_daemon = true) {
        fake.ctl = &ctl;
        std::ostringstream out, err;
        Env env;
        env.daemon = with_daemon ? &fake : nullptr;
        const int rc = run(args, ctl, env, out, err);
        return {rc, out.str(), err.str()};
    }

    static daemon::DecisionRecord grow() {
        daemon::DecisionRecord rec;
        rec.realtime_us = 1764187503000000ULL;
        rec.kind = "cache_grow";
        rec.target = "db0";
        rec.from = 512ULL << 20;
        rec.to = 640ULL << 20;
        rec.reason = "miss ratio 0.40 > 0.10 for 3 intervals";
        rec.applied = true;
        return rec;
    }
};

TEST_F(CliDaemonTest, PolicyShowPrintsSourcesAndTheEffectivePolicy) {
    fake.state.sources = {"/usr/lib/fastmap/fastmapd.json", "/etc/fastmap/fastmapd.json"};
    fake.state.effective_json = "{\n  \"version\": 1\n}";
    fake.state.interval_ms = 1000;
    auto r = run_cli({"policy", "show"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(r.out,
              "files:    /usr/lib/fastmap/fastmapd.json\n"
              "          /etc/fastmap/fastmapd.json\n"
              "interval: 1 s\n"
              "{\n  \"version\": 1\n}\n");
}

TEST_F(CliDaemonTest, PolicyShowJsonCarriesTheLastReloadError) {
    fake.state.effective_json = "{\"version\": 1}";
    fake.state.interval_ms = 500;
    fake.state.last_error = "/etc/fastmap/fastmapd.json:3:14: /interval: too short";
    auto r = run_cli({"policy", "show", "--json"});
    ASSERT_EQ(r.rc, kExitOk);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["source"], "fastmapd");
    EXPECT_EQ(j["interval_ms"], 500);
    EXPECT_EQ(j["policy"]["version"], 1);
    EXPECT_EQ(j["error"], fake.state.last_error);
}

TEST_F(CliDaemonTest, PolicyReloadReportsTheDaemonsErrors) {
    fake.reload_error = Error{EINVAL,
                              "policy reload failed, the old policy stays in force:\n"
                              "/etc/fastmap/fastmapd.json:7:3: unknown key 'cachee'"};
    auto r = run_cli({"policy", "reload"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_NE(r.err.find("fastmapd.json:7:3: unknown key 'cachee'"), std::string::npos);
    fake.reload_error.reset();
    r = run_cli({"policy", "reload"});
    EXPECT_EQ(r.rc, kExitOk);
    EXPECT_EQ(r.out, "policy reloaded\n");
    EXPECT_EQ(fake.reloads, 2);
}

TEST_F(CliDaemonTest, PolicyReloadAccessDeniedIsExit4) {
    fake.reload_error =
        Error{kErrPermission, "mutations need root (or the polkit action org.fastmap.manage)"};
    auto r = run_cli({"policy", "reload"});
    EXPECT_EQ(r.rc, kExitPermission);
    EXPECT_NE(r.err.find("mutations need root"), std::string::npos);
}

TEST_F(CliDaemonTest, VerbsThatNeedTheDaemonSaySoWithExit6) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"policy", "reload"}, {"decisions"}, {"restore-defaults", "db0"}}) {
        auto r = run_cli(args, false);
        EXPECT_EQ(r.rc, kExitNoDaemon) << args[0];
        EXPECT_NE(r.err.find("fastmapd is not running (start it with: systemctl start fastmapd)"),
                  std::string::npos)
            << r.err;
    }
}

TEST_F(CliDaemonTest, DecisionsTextAndJson) {
    auto failed = grow();
    failed.kind = "batch_decrease";
    failed.from = 512;
    failed.to = 256;
    failed.reason = "mean eviction batch 4.1 ms > 2.0 ms for 3 intervals";
    failed.applied = false;
    failed.error = "no fastmap instance 'db0'";
    fake.records = {grow(), failed};
    auto r = run_cli({"decisions"});
    ASSERT_EQ(r.rc, kExitOk);
    const std::string t = format_realtime(grow().realtime_us).substr(11);
    EXPECT_EQ(r.out, t +
                         " cache_grow db0 512 MiB -> 640 MiB: miss ratio 0.40 > 0.10 for 3 "
                         "intervals\n" +
                         t +
                         " batch_decrease db0 512 -> 256 pages: mean eviction batch 4.1 ms > "
                         "2.0 ms for 3 intervals [not applied: no fastmap instance 'db0']\n");
    r = run_cli({"decisions", "--json", "--count", "1"});
    ASSERT_EQ(r.rc, kExitOk);
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["decisions"].size(), 1U);
    EXPECT_EQ(j["decisions"][0]["kind"], "batch_decrease");
    EXPECT_EQ(j["decisions"][0]["applied"], false);
    EXPECT_EQ(j["decisions"][0]["error"], "no fastmap instance 'db0'");
    EXPECT_EQ(j["decisions"][0]["time_us"], grow().realtime_us);
}

TEST_F(CliDaemonTest, RestoreDefaults) {
    ctl.instances = {test::sample_instance("db0")};
    auto r = run_cli({"restore-defaults", "db0"});
    EXPECT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_EQ(fake.restored, (std::vector<std::string>{"db0"}));
    EXPECT_NE(r.out.find("fastmapd tunes it again"), std::string::npos);
    EXPECT_EQ(run_cli({"restore-defaults", "bad/name"}).rc, kExitUsage);
    EXPECT_EQ(fake.restored.size(), 1U);
}

TEST_F(CliDaemonTest, TopShowsTheLatestDecisions) {
    ctl.instances = {test::sample_instance()};
    fake.records = {grow()};
    auto r = run_cli({"top", "--once", "--interval", "0.1"});
    ASSERT_EQ(r.rc, kExitOk) << r.err;
    EXPECT_NE(r.out.find("recent fastmapd decisions:\n  "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cache_grow db0 512 MiB -> 640 MiB"), std::string::npos);
}

TEST(WithKernelDetails, AddsWhatTheDaemonsApiDoesNotCarry) {
    // fastmapd's view: no file identities, no instances or caches in the enable table.
    test::FakeControl daemon;
    test::FakeControl kernel;
    InstanceInfo plain = test::sample_file_instance();
    plain.file.reset();
    daemon.instances = {test::sample_instance(), plain};
    kernel.instances = {test::sample_instance(), test::sample_file_instance()};
    daemon.files = {{{{8, 3}, 1234}, "/data/db.mdb"}, {{{8, 1}, 5}, "/x"}};
    kernel.files = daemon.files;
    kernel.files[0].instance = "f803.4d2";
    kernel.files[0].cache_bytes = 1ULL << 26;
    WithKernelDetails ctl(daemon, kernel);

    auto list = ctl.list();
    ASSERT_TRUE(list.ok());
    EXPECT_FALSE((*list)[0].file);
    EXPECT_EQ((*list)[1].file, test::sample_file_instance().file);
    auto one = ctl.get("f803.4d2");
    ASSERT_TRUE(one.ok());
    EXPECT_TRUE(one->is_file());
    auto files = ctl.list_files();
    ASSERT_TRUE(files.ok());
    EXPECT_EQ((*files)[0].instance, "f803.4d2");
    EXPECT_EQ((*files)[0].cache_bytes, 1ULL << 26);
    EXPECT_EQ((*files)[1].instance, "");

    // Another instance under the same name (re-created: another id): not mixed up.
    kernel.instances[1].id = 99;
    list = ctl.list();
    ASSERT_TRUE(list.ok());
    EXPECT_FALSE((*list)[1].file);
    // The kernel cannot be asked: the daemon's answers as they are.
    kernel.fail = Error{EPERM, "no"};
    list = ctl.list();
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 2u);
    EXPECT_TRUE(ctl.list_files().ok());
    // Mutations go to the daemon.
    EXPECT_TRUE(ctl.add_file({{8, 9}, 1}, "/y").ok());
    EXPECT_EQ(daemon.files.size(), 3u);
    daemon.sized_unsupported = true;
    EXPECT_EQ(ctl.add_file_sized({{8, 9}, 2}, "/z", 1ULL << 20).error().code, EOPNOTSUPP);
}

TEST(DirectControl, SaysOnceThatTheDaemonIsBypassed) {
    test::FakeControl kernel;
    kernel.instances = {test::sample_instance()};
    std::ostringstream notice;
    DirectControl ctl(kernel, &notice);
    ASSERT_TRUE(ctl.module_info().ok());
    EXPECT_EQ(notice.str(), "");  // versions and events do not involve the daemon
    ASSERT_TRUE(ctl.list().ok());
    ASSERT_TRUE(ctl.get("db0").ok());
    EXPECT_EQ(notice.str(), std::string(kDirectNotice) + "\n");
    std::ostringstream out, err;
    DirectControl quiet(kernel, nullptr);
    EXPECT_EQ(run({"list"}, quiet, out, err), kExitOk);
    EXPECT_EQ(err.str(), "");
}

// Module not loaded: the error is the only line; no notice before it.
TEST(DirectControl, NoNoticeWhenTheModuleIsNotLoaded) {
    test::FakeControl kernel;
    kernel.fail =
        Error{kErrModuleNotLoaded, "fastmap kernel module is not loaded (modprobe fastmap)"};
    std::ostringstream notice;
    DirectControl ctl(kernel, &notice);
    std::ostringstream out;
    EXPECT_EQ(run({"list"}, ctl, out, notice), kExitNotLoaded);
    EXPECT_EQ(notice.str(),
              "fastmapctl: list: fastmap kernel module is not loaded (modprobe fastmap)\n");
    // Other errors still say that the daemon was bypassed, once, before the error.
    kernel.fail = Error{EPERM, "permission denied: changes need CAP_SYS_ADMIN (run as root)"};
    std::ostringstream notice2;
    DirectControl ctl2(kernel, &notice2);
    EXPECT_EQ(run({"detach", "db0"}, ctl2, out, notice2), kExitPermission);
    EXPECT_EQ(notice2.str(), std::string(kDirectNotice) +
                                 "\nfastmapctl: detach: permission denied: changes need "
                                 "CAP_SYS_ADMIN (run as root)\n");
}

}  // namespace
}  // namespace fastmap::cli
