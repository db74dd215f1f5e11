// SPDX-License-Identifier: GPL-2.0-only
#include "core/daemon.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "daemon/fake_host.hpp"
#include "fake_control.hpp"

namespace fastmap::daemon {
namespace {

using test::FakeControl;
using test::FakeHost;
using test::RecordingListener;
using test::RecordingLogger;

class DaemonTest : public ::testing::Test {
protected:
    FakeControl ctl;
    FakeHost host;
    RecordingLogger log;
    RecordingListener listener;
    std::unique_ptr<Daemon> daemon;

    void SetUp() override {
        daemon = std::make_unique<Daemon>(ctl, host, log);
        daemon->set_listener(&listener);
    }

    // One policy interval in which instance `name` saw `faults` faults, `misses` of them misses.
    void interval(const std::string& name, std::uint64_t faults, std::uint64_t misses) {
        for (auto& i : ctl.instances) {
            if (i.name == name) {
                i.stats.faults += faults;
                i.stats.misses += misses;
                i.stats.hits += faults - misses;
            }
        }
        host.now_ms += 1000;
        host.now_us += 1000000;
        daemon->tick();
    }

    std::size_t cache_sets(const std::string& name) const {
        std::size_t n = 0;
        for (const auto& [who, req] : ctl.sets) {
            n += (who == name && req.cache_bytes) ? 1 : 0;
        }
        return n;
    }
};

TEST_F(DaemonTest, StartRefusesAnInvalidPolicyAndNamesEveryIssue) {
    host.next_load.policy.reset();
    host.next_load.issues.push_back(
        {"/etc/fastmap/fastmapd.json", 3, 14, "/interval", "must be at least 100 ms"});
    host.next_load.issues.push_back(
        {"/etc/fastmap/fastmapd.json", 7, 3, "/defaults/cachee", "unknown key 'cachee'"});
    auto r = daemon->start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_NE(r.error().message.find("/etc/fastmap/fastmapd.json:3:14"), std::string::npos);
    EXPECT_NE(r.error().message.find("/etc/fastmap/fastmapd.json:7:3"), std::string::npos);
    EXPECT_FALSE(daemon->policy().last_error.empty());
}

TEST_F(DaemonTest, StartAttachesThePolicysMissingInstancesOnly) {
    ctl.instances.push_back(test::sample_instance("db0"));
    host.next_load.policy->attach = {{"db0", "/dev/nvme0n1", 64ULL << 20, std::nullopt},
                                     {"logs", "/dev/nvme1n1", 32ULL << 20, 256U}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_EQ(ctl.attached.size(), 1U);
    EXPECT_EQ(ctl.attached[0].name, "logs");
    EXPECT_EQ(ctl.attached[0].device, "/dev/nvme1n1");
    EXPECT_EQ(ctl.attached[0].cache_bytes, 32ULL << 20);
    EXPECT_EQ(ctl.attached[0].batch_pages, std::optional<std::uint32_t>(256));
    ASSERT_EQ(listener.decisions.size(), 1U);
    EXPECT_EQ(listener.decisions[0].kind, "attach");
    EXPECT_TRUE(listener.decisions[0].applied);
    EXPECT_EQ(listener.changes.back(), (std::pair<std::string, std::string>{"logs", "attached"}));
}

TEST_F(DaemonTest, FailedPolicyAttachIsRecordedWithTheKernelsReason) {
    host.next_load.policy->attach = {{"logs", "/dev/nope", 32ULL << 20, std::nullopt}};
    ctl.fail = Error{ENOENT, "cannot open /dev/nope: No such file or directory"};
    ASSERT_TRUE(daemon->start().ok());  // the policy is valid; the device is not there
    ASSERT_EQ(daemon->decisions().size(), 1U);
    const DecisionRecord rec = daemon->decisions()[0];
    EXPECT_EQ(rec.kind, "attach");
    EXPECT_FALSE(rec.applied);
    EXPECT_EQ(rec.error, "cannot open /dev/nope: No such file or directory");
}

TEST_F(DaemonTest, InvalidReloadKeepsTheOldPolicyAndSaysWhy) {
    host.next_load.policy->interval_ms = 2000;
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_EQ(daemon->interval_ms(), 2000U);

    LoadResult bad;
    bad.issues.push_back({"/etc/fastmap/fastmapd.json", 2, 5, "/version", "must be 1"});
    host.next_load = bad;
    auto r = daemon->reload_policy();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("old policy stays"), std::string::npos);
    EXPECT_NE(r.error().message.find("fastmapd.json:2:5: "), std::string::npos);
    EXPECT_EQ(daemon->interval_ms(), 2000U);
    EXPECT_NE(daemon->policy().last_error.find("must be 1"), std::string::npos);

    LoadResult good;
    good.policy = Policy{};
    good.policy->interval_ms = 500;
    good.policy->sources = {"/etc/fastmap/fastmapd.json"};
    host.next_load = good;
    ASSERT_TRUE(daemon->reload_policy().ok());
    EXPECT_EQ(daemon->interval_ms(), 500U);
    EXPECT_TRUE(daemon->policy().last_error.empty());
    EXPECT_EQ(daemon->policy().sources, good.policy->sources);
    EXPECT_EQ(daemon->decisions().back().kind, "policy_reload");
}

TEST_F(DaemonTest, SustainedMissesGrowTheCacheAndTheDecisionIsRecordedAndSignalled) {
    ctl.instances.push_back(test::sample_instance("db0"));  // 512 MiB cache
    host.next_load.policy->defaults.cache.max_bytes = 2ULL << 30;
    ASSERT_TRUE(daemon->start().ok());
    for (int i = 0; i < 8 && cache_sets("db0") == 0; ++i) {
        interval("db0", 20000, 8000);  // miss ratio 0.4
    }
    ASSERT_EQ(cache_sets("db0"), 1U);
    const auto& req = ctl.sets.back().second;
    EXPECT_GT(*req.cache_bytes, 512ULL << 20);
    EXPECT_LE(*req.cache_bytes, 2ULL << 30);
    const DecisionRecord rec = daemon->decisions().back();
    EXPECT_EQ(rec.kind, "cache_grow");
    EXPECT_EQ(rec.target, "db0");
    EXPECT_EQ(rec.from, 512ULL << 20);
    EXPECT_EQ(rec.to, *req.cache_bytes);
    EXPECT_TRUE(rec.applied);
    EXPECT_FALSE(rec.reason.empty());
    EXPECT_EQ(rec.realtime_us, host.now_us);
    ASSERT_FALSE(listener.decisions.empty());
    EXPECT_EQ(listener.decisions.back(), rec);
    EXPECT_EQ(listener.changes.back(), (std::pair<std::string, std::string>{"db0", "changed"}));
    EXPECT_TRUE(log.contains("cache_grow db0 512 MiB -> "));
}

TEST_F(DaemonTest, AKernelRefusalIsRecordedAsNotApplied) {
    ctl.instances.push_back(test::sample_instance("db0"));
    host.next_load.policy->defaults.cache.max_bytes = 2ULL << 30;
    ASSERT_TRUE(daemon->start().ok());
    interval("db0", 20000, 8000);
    interval("db0", 20000, 8000);
    interval("db0", 20000, 8000);
    // The next decision's set() fails; list()/get() keep working.
    class FailingSet final : public Control {
    public:
        explicit FailingSet(FakeControl& inner) : in(inner) {}
        FakeControl& in;
        Result<InstanceInfo> attach(const AttachRequest& r) override { return in.attach(r); }
        Result<DetachResult> detach(std::string_view n) override { return in.detach(n); }
        Result<std::vector<InstanceInfo>> list() override { return in.list(); }
        Result<InstanceInfo> get(std::string_view n) override { return in.get(n); }
        Result<InstanceInfo> set(std::string_view, const SetRequest&) override {
            return Error{ENOMEM, "cannot grow the cache: out of memory"};
        }
        Result<void> add_file(const FileKey& k, std::string_view p) override {
            return in.add_file(k, p);
        }
        Result<void> remove_file(const FileKey& k) override { return in.remove_file(k); }
        Result<std::vector<FileEntry>> list_files() override { return in.list_files(); }
        Result<std::unique_ptr<EventSource>> subscribe() override { return in.subscribe(); }
        Result<ModuleInfo> module_info() override { return in.module_info(); }
    };
    FailingSet failing(ctl);
    Daemon d2(failing, host, log);
    RecordingListener l2;
    d2.set_listener(&l2);
    ASSERT_TRUE(d2.start().ok());
    for (int i = 0; i < 8 && l2.decisions.empty(); ++i) {
        for (auto& inst : ctl.instances) {
            inst.stats.faults += 20000;
            inst.stats.misses += 8000;
        }
        host.now_ms += 1000;
        d2.tick();
    }
    ASSERT_FALSE(l2.decisions.empty());
    EXPECT_FALSE(l2.decisions.back().applied);
    EXPECT_EQ(l2.decisions.back().error, "cannot grow the cache: out of memory");
    EXPECT_TRUE(log.contains("not applied: cannot grow the cache"));
}

TEST_F(DaemonTest, AnOperatorsSetPinsTheCacheUntilRestoreDefaults) {
    ctl.instances.push_back(test::sample_instance("db0"));
    host.next_load.policy->defaults.cache.max_bytes = 2ULL << 30;
    host.next_load.policy->attach = {{"db0", "/dev/sdb", 256ULL << 20, 128U}};
    ASSERT_TRUE(daemon->start().ok());
    SetRequest req;
    req.cache_bytes = 300ULL << 20;
    ASSERT_TRUE(daemon->set("db0", req).ok());
    EXPECT_EQ(daemon->decisions().back().kind, "operator_set");
    const std::size_t before = cache_sets("db0");
    for (int i = 0; i < 10; ++i) {
        interval("db0", 20000, 8000);
    }
    EXPECT_EQ(cache_sets("db0"), before);  // pinned: the engine leaves it alone

    auto restored = daemon->restore_defaults("db0");
    ASSERT_TRUE(restored.ok());
    const SetRequest& back = ctl.sets.back().second;
    EXPECT_EQ(back.cache_bytes, std::optional<std::uint64_t>(256ULL << 20));  // the attach spec
    EXPECT_EQ(back.batch_pages, std::optional<std::uint32_t>(128));
    EXPECT_EQ(back.dirty_ratio, std::optional<std::uint32_t>(60));
    EXPECT_EQ(back.wb_interval_ms, std::optional<std::uint32_t>(5000));
    EXPECT_EQ(daemon->decisions().back().kind, "restore_defaults");
    for (int i = 0; i < 10 && cache_sets("db0") == before + 1; ++i) {
        interval("db0", 20000, 8000);
    }
    EXPECT_GT(cache_sets("db0"), before + 1);  // tuned again
}

TEST_F(DaemonTest, RestoreDefaultsOfAnUnknownInstanceIsENOENT) {
    ASSERT_TRUE(daemon->start().ok());
    auto r = daemon->restore_defaults("nope");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENOENT);
}

TEST_F(DaemonTest, InstancesAttachedOrDetachedByOthersAreSignalled) {
    ASSERT_TRUE(daemon->start().ok());
    daemon->tick();
    ctl.instances.push_back(test::sample_instance("db1"));
    daemon->tick();
    ASSERT_FALSE(listener.changes.empty());
    EXPECT_EQ(listener.changes.back(), (std::pair<std::string, std::string>{"db1", "attached"}));
    ctl.instances.clear();
    daemon->tick();
    EXPECT_EQ(listener.changes.back(), (std::pair<std::string, std::string>{"db1", "detached"}));
}

TEST_F(DaemonTest, AMissingModuleIsLoggedOnceAndTheLoopGoesOn) {
    ASSERT_TRUE(daemon->start().ok());
    ctl.fail = Error{kErrModuleNotLoaded, "the fastmap module is not loaded"};
    daemon->tick();
    daemon->tick();
    std::size_t n = 0;
    for (const auto& [level, text] : log.lines) {
        n += text.find("module is not loaded") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(n, 1U);
    ctl.fail.reset();
    daemon->tick();
    EXPECT_TRUE(log.contains("answers again"));
}

TEST_F(DaemonTest, EnableAndDisableFilesByPath) {
    ASSERT_TRUE(daemon->start().ok());
    char tmpl[] = "/tmp/fastmapd-test-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    struct stat st {};
    ASSERT_EQ(stat(tmpl, &st), 0);
    ASSERT_TRUE(daemon->enable_file(tmpl, std::nullopt).ok());
    ASSERT_EQ(ctl.files.size(), 1U);
    EXPECT_EQ(ctl.files[0].key.ino, st.st_ino);
    EXPECT_EQ(ctl.files[0].key.dev.major, major(st.st_dev));
    auto again = daemon->enable_file(tmpl, std::nullopt);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, EEXIST);
    // The file goes away: disable still finds the entry by its path.
    const std::string path = ctl.files[0].path;
    std::filesystem::remove(tmpl);
    ASSERT_TRUE(daemon->disable_file(path).ok());
    EXPECT_TRUE(ctl.files.empty());
    auto missing = daemon->enable_file("/nonexistent/file", std::nullopt);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ENOENT);
}

TEST_F(DaemonTest, DecisionHistoryIsBounded) {
    host.next_load.policy->decision_history = 3;
    ctl.instances.push_back(test::sample_instance("db0"));
    ASSERT_TRUE(daemon->start().ok());
    SetRequest req;
    req.dirty_ratio = 20;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(daemon->set("db0", req).ok());
    }
    EXPECT_EQ(daemon->decisions().size(), 3U);
    EXPECT_EQ(listener.decisions.size(), 5U);
}

TEST_F(DaemonTest, DetachUnpinsAndSignals) {
    ctl.instances.push_back(test::sample_instance("db0"));
    ASSERT_TRUE(daemon->start().ok());
    ctl.detach_warning = "writeback failed: some data did not reach the device";
    auto r = daemon->detach("db0");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->warning, ctl.detach_warning);
    EXPECT_EQ(listener.changes.back(), (std::pair<std::string, std::string>{"db0", "detached"}));
    EXPECT_TRUE(log.contains("writeback failed"));
}

}  // namespace
}  // namespace fastmap::daemon
