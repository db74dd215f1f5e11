// SPDX-License-Identifier: GPL-2.0-only
// DecisionMade, InstanceChanged and PropertiesChanged as a subscriber sees them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "dbus/names.hpp"
#include "dbus_fixture.hpp"

namespace fastmap::test {
namespace {

struct Seen {
    std::vector<daemon::DecisionRecord> decisions;
    std::vector<std::pair<std::string, std::string>> instance_changes;
    // One entry per PropertiesChanged: the names with values, then "!"-prefixed invalidated.
    std::vector<std::vector<std::string>> changed;
    std::vector<std::uint32_t> interval_values;
};

int on_decision(sd_bus_message* m, void* userdata, sd_bus_error*) {
    daemon::DecisionRecord d;
    const char* kind = nullptr;
    const char* target = nullptr;
    const char* reason = nullptr;
    int applied = 0;
    if (sd_bus_message_read(m, "tssttsb", &d.realtime_us, &kind, &target, &d.from, &d.to, &reason,
                            &applied) >= 0) {
        d.kind = kind;
        d.target = target;
        d.reason = reason;
        d.applied = applied != 0;
        static_cast<Seen*>(userdata)->decisions.push_back(d);
    }
    return 0;
}

int on_instance(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const char* name = nullptr;
    const char* change = nullptr;
    if (sd_bus_message_read(m, "ss", &name, &change) >= 0) {
        static_cast<Seen*>(userdata)->instance_changes.emplace_back(name, change);
    }
    return 0;
}

int on_properties(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* seen = static_cast<Seen*>(userdata);
    const char* interface = nullptr;
    if (sd_bus_message_read(m, "s", &interface) < 0 ||
        std::strcmp(interface, dbus::kInterface) != 0) {
        return 0;
    }
    std::vector<std::string> names;
    if (sd_bus_message_enter_container(m, 'a', "{sv}") <= 0) {
        return 0;
    }
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        const char* name = nullptr;
        sd_bus_message_read(m, "s", &name);
        names.emplace_back(name);
        if (std::strcmp(name, "IntervalMs") == 0) {
            std::uint32_t v = 0;
            sd_bus_message_read(m, "v", "u", &v);
            seen->interval_values.push_back(v);
        } else {
            sd_bus_message_skip(m, "v");
        }
        sd_bus_message_exit_container(m);
    }
    sd_bus_message_exit_container(m);
    char** invalidated = nullptr;
    if (sd_bus_message_read_strv(m, &invalidated) >= 0 && invalidated != nullptr) {
        for (char** s = invalidated; *s != nullptr; ++s) {
            names.push_back(std::string("!") + *s);
            free(*s);
        }
        free(invalidated);
    }
    seen->changed.push_back(names);
    return 0;
}

class DbusSignalTest : public DbusTest {
protected:
    void SetUp() override {
        DbusTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        sd_bus_slot* slot = nullptr;
        ASSERT_GE(sd_bus_match_signal(raw_.get(), &slot, nullptr, dbus::kObjectPath,
                                      dbus::kInterface, "DecisionMade", on_decision, &seen_),
                  0);
        slots_.emplace_back(slot);
        ASSERT_GE(sd_bus_match_signal(raw_.get(), &slot, nullptr, dbus::kObjectPath,
                                      dbus::kInterface, "InstanceChanged", on_instance, &seen_),
                  0);
        slots_.emplace_back(slot);
        ASSERT_GE(sd_bus_match_signal(raw_.get(), &slot, nullptr, dbus::kObjectPath,
                                      dbus::kPropertiesInterface, "PropertiesChanged",
                                      on_properties, &seen_),
                  0);
        slots_.emplace_back(slot);
    }
    void TearDown() override {
        slots_.clear();
        DbusTest::TearDown();
    }

    Seen seen_;
    std::vector<dbus::SlotPtr> slots_;
};

TEST_F(DbusSignalTest, DecisionMadeCarriesTheRecord) {
    const daemon::DecisionRecord record{
        1700000000123456ULL, "cache_shrink",        "db0", 2ULL << 30,
        1ULL << 30,          "memory pressure 12%", true,  "ignored"};
    on_loop([&] { api_.listener()->decision_made(record); });
    ASSERT_TRUE(pump_until([&] { return !seen_.decisions.empty() && !seen_.changed.empty(); }));
    const auto& got = seen_.decisions.front();
    EXPECT_EQ(got.realtime_us, record.realtime_us);
    EXPECT_EQ(got.kind, "cache_shrink");
    EXPECT_EQ(got.target, "db0");
    EXPECT_EQ(got.from, 2ULL << 30);
    EXPECT_EQ(got.to, 1ULL << 30);
    EXPECT_EQ(got.reason, "memory pressure 12%");
    EXPECT_TRUE(got.applied);
    EXPECT_EQ(seen_.changed.front(), std::vector<std::string>{"!Decisions"});
}

TEST_F(DbusSignalTest, InstanceChangedInvalidatesInstances) {
    on_loop([&] { api_.listener()->instance_changed("db1", "detached"); });
    ASSERT_TRUE(
        pump_until([&] { return !seen_.instance_changes.empty() && !seen_.changed.empty(); }));
    EXPECT_EQ(seen_.instance_changes.front(),
              std::make_pair(std::string("db1"), std::string("detached")));
    EXPECT_EQ(seen_.changed.front(), std::vector<std::string>{"!Instances"});
}

TEST_F(DbusSignalTest, ReloadPolicyAnnouncesWhatChanged) {
    api_.edit([](auto& s) {
        s.next_policy = s.policy;  // same sources and error
        s.next_policy.effective_json = R"({"interval_ms":250})";
        s.next_policy.interval_ms = 250;
    });
    RawReply reply = call("ReloadPolicy");
    ASSERT_TRUE(reply.ok()) << reply.error_name;
    ASSERT_TRUE(pump_until([&] { return !seen_.changed.empty(); }));
    EXPECT_EQ(seen_.changed.front(), (std::vector<std::string>{"Policy", "IntervalMs"}));
    EXPECT_EQ(seen_.interval_values, std::vector<std::uint32_t>{250});
    // The reload may have enabled or disabled the policy's files.
    ASSERT_TRUE(pump_until([&] { return seen_.changed.size() >= 2; }));
    EXPECT_EQ(seen_.changed[1], std::vector<std::string>{"!Files"});
}

TEST_F(DbusSignalTest, FailedReloadAnnouncesPolicyError) {
    api_.edit([](auto& s) { s.reload_error = Error{EINVAL, "bad policy"}; });
    RawReply reply = call("ReloadPolicy");
    EXPECT_EQ(reply.error_name, "System.Error.EINVAL");
    ASSERT_TRUE(pump_until([&] { return !seen_.changed.empty(); }));
    EXPECT_EQ(seen_.changed.front(), std::vector<std::string>{"PolicyError"});
}

TEST_F(DbusSignalTest, DaemonSideReloadAndFileChangesAreAnnounced) {
    api_.edit([](auto& s) { s.policy.sources.push_back("/etc/fastmap/policy.d/20-new.json"); });
    with_service([](dbus::DbusService& s) {
        s.policy_changed();
        s.policy_changed();  // nothing new: no second signal
        s.files_changed();
    });
    ASSERT_TRUE(pump_until([&] { return seen_.changed.size() >= 2; }));
    EXPECT_EQ(seen_.changed[0], std::vector<std::string>{"PolicySources"});
    EXPECT_EQ(seen_.changed[1], std::vector<std::string>{"!Files"});
}

TEST_F(DbusSignalTest, EnableFileInvalidatesFiles) {
    RawReply reply =
        call("EnableFile", [](auto* m) { return sd_bus_message_append(m, "s", "/data/x"); });
    ASSERT_TRUE(reply.ok()) << reply.error_name;
    ASSERT_TRUE(pump_until([&] { return !seen_.changed.empty(); }));
    EXPECT_EQ(seen_.changed.front(), std::vector<std::string>{"!Files"});
}

}  // namespace
}  // namespace fastmap::test
