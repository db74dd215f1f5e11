// SPDX-License-Identifier: GPL-2.0-only
// Every Control method (and the extras) through DaemonClient -> bus -> DbusService -> FakeApi.
#include <gtest/gtest.h>

#include "dbus_fixture.hpp"

namespace fastmap::test {
namespace {

using Calls = std::vector<std::string>;

TEST_F(DbusTest, ListReturnsEveryInstanceWithEveryField) {
    auto c = client();
    ASSERT_TRUE(c);
    auto list = c->list();
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(*list, api_.edit([](auto& s) { return s.instances; }));
    EXPECT_EQ(api_.calls(), Calls{"list"});
}

TEST_F(DbusTest, GetKeepsFullWidthValues) {
    api_.edit([](auto& s) {
        InstanceInfo& i = s.instances[0];
        i.size_bytes = ~0ULL - 1;
        i.cache_bytes = (5ULL << 40) + 4096;  // 5 TiB + a page: more than 32 bits
        i.id = 0xfffffff0U;
        i.wb_interval_ms = kWbIntervalMaxMs;
        i.stats.faults = ~0ULL;
        i.stats.evict_stalls = 1ULL << 40;
        i.device = "/dev/disk/by-id/nvme-Ünïcode_1";
    });
    auto c = client();
    ASSERT_TRUE(c);
    auto got = c->get("db0");
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, api_.edit([](auto& s) { return s.instances[0]; }));
}

TEST_F(DbusTest, AttachPassesTheRequestAndReturnsTheInstance) {
    auto c = client();
    ASSERT_TRUE(c);
    AttachRequest req{"/dev/nvme0n1", "fast0", (3ULL << 30) + 4096, 64};
    auto info = c->attach(req);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->name, "fast0");
    EXPECT_EQ(info->device, "/dev/nvme0n1");
    EXPECT_EQ(info->cache_bytes, (3ULL << 30) + 4096);
    EXPECT_EQ(info->batch_pages, 64U);
    auto attaches = api_.edit([](auto& s) { return s.attaches; });
    ASSERT_EQ(attaches.size(), 1U);
    EXPECT_EQ(attaches[0].device, req.device);
    EXPECT_EQ(attaches[0].name, req.name);
    EXPECT_EQ(attaches[0].cache_bytes, req.cache_bytes);
    EXPECT_EQ(attaches[0].batch_pages, std::optional<std::uint32_t>(64));
}

TEST_F(DbusTest, AttachWithoutBatchLeavesItToTheKernel) {
    auto c = client();
    ASSERT_TRUE(c);
    auto info = c->attach({"/dev/sdc", "db2", 1ULL << 30, std::nullopt});
    ASSERT_TRUE(info) << info.error().message;
    auto attaches = api_.edit([](auto& s) { return s.attaches; });
    ASSERT_EQ(attaches.size(), 1U);
    EXPECT_FALSE(attaches[0].batch_pages.has_value());
}

TEST_F(DbusTest, AttachRefusesAnExplicitZeroBatchOnTheClient) {
    auto c = client();
    ASSERT_TRUE(c);
    auto info = c->attach({"/dev/sdc", "db2", 1ULL << 30, 0});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().code, EINVAL);
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(DbusTest, DetachReturnsTheWarning) {
    api_.edit([](auto& s) { s.detach_warning = "writeback failed: some data did not reach it"; });
    auto c = client();
    ASSERT_TRUE(c);
    auto detached = c->detach("db0");
    ASSERT_TRUE(detached) << detached.error().message;
    EXPECT_EQ(detached->warning, "writeback failed: some data did not reach it");
    EXPECT_EQ(api_.calls(), Calls{"detach db0"});
}

TEST_F(DbusTest, SetSendsOnlyTheGivenParameters) {
    auto c = client();
    ASSERT_TRUE(c);
    SetRequest req;
    req.cache_bytes = 6ULL << 30;
    req.dirty_ratio = 20;
    auto info = c->set("db1", req);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->name, "db1");
    EXPECT_EQ(info->cache_bytes, 6ULL << 30);
    EXPECT_EQ(info->dirty_ratio, 20U);
    auto sets = api_.edit([](auto& s) { return s.sets; });
    ASSERT_EQ(sets.size(), 1U);
    EXPECT_EQ(sets[0].first, "db1");
    EXPECT_EQ(sets[0].second, req);
}

TEST_F(DbusTest, SetSendsAllFourParameters) {
    auto c = client();
    ASSERT_TRUE(c);
    SetRequest req{1ULL << 33, 4096, 100, kWbIntervalMaxMs};
    auto info = c->set("db0", req);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->cache_bytes, 1ULL << 33);
    EXPECT_EQ(info->batch_pages, 4096U);
    EXPECT_EQ(info->dirty_ratio, 100U);
    EXPECT_EQ(info->wb_interval_ms, kWbIntervalMaxMs);
    EXPECT_EQ(api_.edit([](auto& s) { return s.sets.at(0).second; }), req);
}

TEST_F(DbusTest, RestoreDefaultsReturnsTheInstance) {
    auto c = client();
    ASSERT_TRUE(c);
    auto info = c->restore_defaults("db0");
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->name, "db0");
    EXPECT_EQ(api_.calls(), Calls{"restore db0"});
}

TEST_F(DbusTest, AddFileEnablesByPath) {
    auto c = client();
    ASSERT_TRUE(c);
    auto added = c->add_file({{8, 1}, 77}, "/data/new.db");
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(api_.calls(), Calls{"enable /data/new.db"});
}

TEST_F(DbusTest, AddFileSizedSendsTheCacheSize) {
    auto c = client();
    ASSERT_TRUE(c);
    auto added = c->add_file_sized({{8, 1}, 77}, "/data/new.db", 64ULL << 20);
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(api_.calls(), Calls{"enable /data/new.db cache=67108864"});
}

TEST_F(DbusTest, AddFileWithoutPathIsEinval) {
    auto c = client();
    ASSERT_TRUE(c);
    auto added = c->add_file({{8, 1}, 77}, "");
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().code, EINVAL);
    EXPECT_EQ(added.error().message, "the daemon enables files by path");
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(DbusTest, RemoveFileDisablesTheRecordedPath) {
    auto c = client();
    ASSERT_TRUE(c);
    auto removed = c->remove_file({{8, 1}, 1234});
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(api_.calls(), (Calls{"files", "disable /data/db"}));
}

TEST_F(DbusTest, RemoveFileOfAFileNotEnabledIsEnoent) {
    auto c = client();
    ASSERT_TRUE(c);
    auto removed = c->remove_file({{8, 2}, 1234});
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, ENOENT);
    EXPECT_EQ(api_.calls(), Calls{"files"});
}

TEST_F(DbusTest, RemoveFileWithoutARecordedPathIsEinval) {
    auto c = client();
    ASSERT_TRUE(c);
    auto removed = c->remove_file({{8, 1}, 99});
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, EINVAL);
    EXPECT_EQ(api_.calls(), Calls{"files"});
}

TEST_F(DbusTest, ListFilesReturnsTheEnableTable) {
    auto c = client();
    ASSERT_TRUE(c);
    auto files = c->list_files();
    ASSERT_TRUE(files) << files.error().message;
    EXPECT_EQ(*files, api_.edit([](auto& s) { return s.files; }));
}

TEST_F(DbusTest, PolicyReturnsThePolicyProperties) {
    auto c = client();
    ASSERT_TRUE(c);
    auto policy = c->policy();
    ASSERT_TRUE(policy) << policy.error().message;
    const auto want = api_.policy();
    EXPECT_EQ(policy->sources, want.sources);
    EXPECT_EQ(policy->effective_json, want.effective_json);
    EXPECT_EQ(policy->last_error, "");
    EXPECT_EQ(policy->interval_ms, 1000U);
}

TEST_F(DbusTest, ReloadPolicyReloads) {
    api_.edit([](auto& s) { s.next_policy = {{"/etc/fastmap/policy.json"}, "{}", "", 250}; });
    auto c = client();
    ASSERT_TRUE(c);
    auto reloaded = c->reload_policy();
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    auto policy = c->policy();
    ASSERT_TRUE(policy);
    EXPECT_EQ(policy->interval_ms, 250U);
    EXPECT_EQ(api_.calls(), Calls{"reload"});
}

TEST_F(DbusTest, ReloadPolicyFailureCarriesErrnoAndMessage) {
    api_.edit([](auto& s) {
        s.reload_error = Error{EINVAL, "/etc/fastmap/policy.json:3: unknown key \"intervall\""};
    });
    auto c = client();
    ASSERT_TRUE(c);
    auto reloaded = c->reload_policy();
    ASSERT_FALSE(reloaded);
    EXPECT_EQ(reloaded.error().code, EINVAL);
    EXPECT_EQ(reloaded.error().message, "/etc/fastmap/policy.json:3: unknown key \"intervall\"");
    auto policy = c->policy();
    ASSERT_TRUE(policy);
    EXPECT_EQ(policy->last_error, reloaded.error().message);
}

TEST_F(DbusTest, DecisionsReturnsTheLog) {
    const std::vector<daemon::DecisionRecord> log = {
        {1700000000000001ULL, "cache_grow", "db0", 1ULL << 30, 2ULL << 30, "hit rate 80% < 90%",
         true, ""},
        {1700000000500000ULL, "batch_decrease", "db1", 512, 256, "evict stalls", false,
         "Device or resource busy"},
    };
    api_.edit([&](auto& s) { s.decisions = log; });
    auto c = client();
    ASSERT_TRUE(c);
    auto got = c->decisions();
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, log);
}

TEST_F(DbusTest, VersionsAreReadable) {
    auto c = client();
    ASSERT_TRUE(c);
    auto api = c->api_version();
    ASSERT_TRUE(api) << api.error().message;
    EXPECT_EQ(*api, 1U);
    auto version = c->daemon_version();
    ASSERT_TRUE(version) << version.error().message;
    EXPECT_EQ(*version, FASTMAP_VERSION);
}

TEST_F(DbusTest, SubscribeAndModuleInfoUseTheDirectControl) {
    auto direct = std::make_unique<FakeControl>();
    direct->module = {true, 7, "9.9.9"};
    auto c = client(std::move(direct));
    ASSERT_TRUE(c);
    auto info = c->module_info();
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->genl_version, 7U);
    auto events = c->subscribe();
    EXPECT_TRUE(events);
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(DbusTest, SubscribeWithoutADirectControlIsNotSupported) {
    auto c = client();
    ASSERT_TRUE(c);
    auto events = c->subscribe();
    ASSERT_FALSE(events);
    EXPECT_EQ(events.error().code, EOPNOTSUPP);
    auto info = c->module_info();
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().code, EOPNOTSUPP);
}

TEST_F(DbusTest, MutationsAllowInteractiveAuthorizationUnlessTurnedOff) {
    auto c = client();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->list());
    ASSERT_TRUE(c->get("db0"));
    ASSERT_TRUE(c->list_files());
    ASSERT_TRUE(c->policy());
    ASSERT_TRUE(c->decisions());
    EXPECT_EQ(auth_.asked(), 0) << "reads need no authorization";
    ASSERT_TRUE(c->detach("db0"));
    c->set_interactive_authorization(false);
    ASSERT_TRUE(c->detach("db1"));
    EXPECT_EQ(auth_.interactive(), (std::vector<bool>{true, false}));
}

}  // namespace
}  // namespace fastmap::test
