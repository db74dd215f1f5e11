// SPDX-License-Identifier: GPL-2.0-only
// Who may mutate: the Authorizer's verdict, the real authorizer for root and for an
// unprivileged caller (no polkit on the test bus: refused), and the system bus policy file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "dbus/names.hpp"
#include "dbus_fixture.hpp"

namespace fastmap::test {
namespace {

constexpr const char* kIntrospectable = "org.freedesktop.DBus.Introspectable";

int append_name(sd_bus_message* m) {
    return sd_bus_message_append(m, "s", "db0");
}

// Each mutation, with valid arguments.
const std::vector<std::pair<const char*, std::function<int(sd_bus_message*)>>> kMutations = {
    {"Attach",
     [](auto* m) { return sd_bus_message_append(m, "sstu", "/dev/sdb", "db5", 1ULL << 30, 0U); }},
    {"Detach", append_name},
    {"SetParameters",
     [](auto* m) { return sd_bus_message_append(m, "sa{sv}", "db0", 1, "dirty_ratio", "u", 5U); }},
    {"RestoreDefaults", append_name},
    {"EnableFile", [](auto* m) { return sd_bus_message_append(m, "s", "/data/db"); }},
    {"EnableFileWithCache",
     [](auto* m) { return sd_bus_message_append(m, "st", "/data/db", 1ULL << 30); }},
    {"DisableFile", [](auto* m) { return sd_bus_message_append(m, "s", "/data/db"); }},
    {"ReloadPolicy", {}},
};

TEST_F(DbusTest, RefusedMutationsAreAccessDeniedAndNeverReachTheApi) {
    auth_.allow(false);
    for (const auto& [method, append] : kMutations) {
        SCOPED_TRACE(method);
        RawReply reply = call(method, append);
        EXPECT_EQ(reply.error_name, SD_BUS_ERROR_ACCESS_DENIED);
        EXPECT_EQ(reply.error_message, dbus::kAccessDeniedMessage);
    }
    EXPECT_EQ(auth_.asked(), static_cast<int>(kMutations.size()));
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(DbusTest, RefusedClientGetsPermissionErrorWithTheDaemonsMessage) {
    auth_.allow(false);
    auto c = client();
    ASSERT_TRUE(c);
    auto attached = c->attach({"/dev/sdb", "db5", 1ULL << 30, std::nullopt});
    ASSERT_FALSE(attached);
    EXPECT_EQ(attached.error().code, kErrPermission);
    EXPECT_EQ(attached.error().message,
              "mutations need root (or the polkit action org.fastmap.manage)");
    auto set = c->set("db0", SetRequest{std::nullopt, 64, std::nullopt, std::nullopt});
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, kErrPermission);
    EXPECT_EQ(c->reload_policy().error().code, kErrPermission);
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(DbusTest, ReadsNeedNoAuthorization) {
    auth_.allow(false);
    auto c = client();
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->list());
    EXPECT_TRUE(c->get("db0"));
    EXPECT_TRUE(c->list_files());
    EXPECT_TRUE(c->policy());
    EXPECT_TRUE(c->decisions());
    EXPECT_TRUE(c->api_version());
    EXPECT_EQ(auth_.asked(), 0);
}

TEST_F(DbusTest, AuthorizerErrorsRefuseAndAreLogged) {
    auth_.fail(Error{EIO, "cannot get the caller's credentials: Input/output error"});
    RawReply reply = call("Detach", append_name);
    EXPECT_EQ(reply.error_name, SD_BUS_ERROR_ACCESS_DENIED);
    EXPECT_TRUE(api_.calls().empty());
    const auto logs = this->logs();
    ASSERT_EQ(logs.size(), 1U);
    EXPECT_NE(logs[0].find("refusing Detach"), std::string::npos) << logs[0];
    EXPECT_NE(logs[0].find("credentials"), std::string::npos) << logs[0];
}

// The real authorizer. The tests run as root; polkit is not on the private bus.
class DbusPolkitTest : public DbusTest {
protected:
    void SetUp() override {
        if (geteuid() != 0) {
            GTEST_SKIP() << "needs root (owns the name on the system-like bus, drops to nobody)";
        }
        dbus::PolkitAuthorizer::Options options;
        options.timeout = std::chrono::seconds(5);
        options.log = [this](std::string_view line) {
            std::lock_guard lock(mu_);
            polkit_logs_.emplace_back(line);
        };
        polkit_ = std::make_unique<dbus::PolkitAuthorizer>(options);
        start(polkit_.get(), policy());
    }
    virtual PrivateBus::Policy policy() const { return PrivateBus::Policy::kOpen; }
    std::vector<std::string> polkit_logs() {
        std::lock_guard lock(mu_);
        return polkit_logs_;
    }

    std::unique_ptr<dbus::PolkitAuthorizer> polkit_;
    std::mutex mu_;
    std::vector<std::string> polkit_logs_;
};

TEST_F(DbusPolkitTest, RootMayMutate) {
    auto c = client();
    ASSERT_TRUE(c);
    auto attached = c->attach({"/dev/sdb", "db5", 1ULL << 30, std::nullopt});
    ASSERT_TRUE(attached) << attached.error().message;
    EXPECT_TRUE(c->reload_policy());
    EXPECT_EQ(api_.calls(), (std::vector<std::string>{"attach db5", "reload"}));
    EXPECT_TRUE(polkit_logs().empty()) << "root must not need polkit";
}

// Exit codes of the unprivileged child: which step went wrong.
enum ChildResult { kChildOk = 0, kNoBus = 10, kReadFailed, kNotDenied, kWrongMessage };

TEST_F(DbusPolkitTest, UnprivilegedCallerIsRefusedWhenPolkitIsMissing) {
    const std::string bus_address = address();
    const int rc = run_as_nobody([&] {
        auto bus = connect_bus(bus_address);
        if (!bus) {
            return static_cast<int>(kNoBus);
        }
        RawReply read = raw_call(bus.get(), dbus::kInterface, "GetInstance", append_name);
        if (!read.ok()) {
            return static_cast<int>(kReadFailed);
        }
        RawReply reply = raw_call(bus.get(), dbus::kInterface, "Detach", append_name);
        if (reply.error_name != SD_BUS_ERROR_ACCESS_DENIED) {
            return static_cast<int>(kNotDenied);
        }
        if (reply.error_message != dbus::kAccessDeniedMessage) {
            return static_cast<int>(kWrongMessage);
        }
        // The client maps it to kErrPermission.
        auto client = dbus::DaemonClient::connect(nullptr, bus_address);
        if (!client) {
            return static_cast<int>(kNoBus);
        }
        auto set = (*client)->set("db0", SetRequest{std::nullopt, 64, std::nullopt, std::nullopt});
        if (set || set.error().code != kErrPermission) {
            return static_cast<int>(kNotDenied);
        }
        return static_cast<int>(kChildOk);
    });
    EXPECT_EQ(rc, kChildOk);
    EXPECT_EQ(api_.calls(), std::vector<std::string>{"get db0"});
    const auto logs = polkit_logs();
    ASSERT_FALSE(logs.empty());
    EXPECT_NE(logs[0].find("polkit"), std::string::npos) << logs[0];
}

// config/dbus/org.fastmap.FastMap1.conf on a bus that denies by default, as the system bus.
class DbusBusPolicyTest : public DbusPolkitTest {
protected:
    PrivateBus::Policy policy() const override { return PrivateBus::Policy::kSystemLike; }
};

enum PolicyStep {
    kPolicyOk = 0,
    kPolicyNoBus = 20,
    kIntrospect,
    kPing,
    kGet,
    kGetAll,
    kRead,
    kSetNotDenied,
    kMutationNotRefusedByTheDaemon,
    kOwnedTheName,
};

TEST_F(DbusBusPolicyTest, RootOwnsTheNameEveryoneReadsOnlyTheDaemonDecidesMutations) {
    // Root (the service) owns the name: the fixture requested it. Root may mutate.
    RawReply root = call("Detach", append_name);
    EXPECT_TRUE(root.ok()) << root.error_name << ": " << root.error_message;

    const std::string bus_address = address();
    const int rc = run_as_nobody([&] {
        auto bus = connect_bus(bus_address);
        if (!bus) {
            return static_cast<int>(kPolicyNoBus);
        }
        sd_bus* b = bus.get();
        if (!raw_call(b, kIntrospectable, "Introspect").ok()) {
            return static_cast<int>(kIntrospect);
        }
        if (!raw_call(b, "org.freedesktop.DBus.Peer", "Ping").ok()) {
            return static_cast<int>(kPing);
        }
        if (!raw_call(b, dbus::kPropertiesInterface, "Get", [](auto* m) {
                 return sd_bus_message_append(m, "ss", dbus::kInterface, "ApiVersion");
             }).ok()) {
            return static_cast<int>(kGet);
        }
        if (!raw_call(b, dbus::kPropertiesInterface, "GetAll", [](auto* m) {
                 return sd_bus_message_append(m, "s", dbus::kInterface);
             }).ok()) {
            return static_cast<int>(kGetAll);
        }
        if (!raw_call(b, dbus::kInterface, "ListInstances").ok()) {
            return static_cast<int>(kRead);
        }
        RawReply set = raw_call(b, dbus::kPropertiesInterface, "Set", [](auto* m) {
            return sd_bus_message_append(m, "ssv", dbus::kInterface, "IntervalMs", "u", 5U);
        });
        // The bus refuses it (the daemon would say PropertyReadOnly).
        if (set.error_name != SD_BUS_ERROR_ACCESS_DENIED) {
            return static_cast<int>(kSetNotDenied);
        }
        // The call reaches the daemon, which refuses it (no polkit here).
        RawReply attach = raw_call(b, dbus::kInterface, "Detach", append_name);
        if (attach.error_name != SD_BUS_ERROR_ACCESS_DENIED ||
            attach.error_message != dbus::kAccessDeniedMessage) {
            return static_cast<int>(kMutationNotRefusedByTheDaemon);
        }
        if (sd_bus_request_name(b, dbus::kBusName, SD_BUS_NAME_QUEUE) >= 0) {
            return static_cast<int>(kOwnedTheName);
        }
        return static_cast<int>(kPolicyOk);
    });
    EXPECT_EQ(rc, kPolicyOk);
    // Root's Detach, then the child's reads; its Detach never reached the Api.
    const auto calls = api_.calls();
    ASSERT_FALSE(calls.empty());
    EXPECT_EQ(calls.front(), "detach db0");
    EXPECT_EQ(std::count(calls.begin(), calls.end(), "detach db0"), 1);
}

}  // namespace
}  // namespace fastmap::test
