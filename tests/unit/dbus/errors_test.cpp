// SPDX-License-Identifier: GPL-2.0-only
// The Api's errno and message reach the client unchanged; a missing daemon is ESRCH.
#include "dbus/errors.hpp"

#include <gtest/gtest.h>

#include "dbus/names.hpp"
#include "dbus_fixture.hpp"

namespace fastmap::test {
namespace {

TEST_F(DbusTest, ApiEnoentReachesTheClient) {
    auto c = client();
    ASSERT_TRUE(c);
    auto got = c->get("nosuch");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, ENOENT);
    EXPECT_EQ(got.error().message, "no fastmap instance 'nosuch'");
}

TEST_F(DbusTest, ApiEbusyReachesTheClient) {
    api_.edit([](auto& s) { s.fail = Error{EBUSY, "db0 is open by 2 processes"}; });
    auto c = client();
    ASSERT_TRUE(c);
    auto detached = c->detach("db0");
    ASSERT_FALSE(detached);
    EXPECT_EQ(detached.error().code, EBUSY);
    EXPECT_EQ(detached.error().message, "db0 is open by 2 processes");
}

// Errnos sd-bus folds into one error name (EPERM and EACCES are both AccessDenied, which the
// service keeps for authorization; EINVAL is InvalidArgs, kept for argument checks) still
// arrive as themselves.
TEST_F(DbusTest, ApiErrnosKeepTheirIdentity) {
    auto c = client();
    ASSERT_TRUE(c);
    for (int code : {EPERM, EACCES, EINVAL, ENOPKG, ENOSPC, EIO, ETIME, ETIMEDOUT, ESRCH, EEXIST,
                     EHOSTUNREACH, ENXIO, EBADR}) {
        SCOPED_TRACE(code);
        const std::string message = "kernel said " + std::to_string(code);
        api_.edit([&](auto& s) { s.fail = Error{code, message}; });
        auto attached = c->attach({"/dev/sdb", "db9", 1 << 20, std::nullopt});
        ASSERT_FALSE(attached);
        EXPECT_EQ(attached.error().code, code);
        EXPECT_EQ(attached.error().message, message);
    }
}

TEST_F(DbusTest, ApiErrorsUseNamesOtherThanTheServiceRefusals) {
    api_.edit([](auto& s) { s.fail = Error{EINVAL, "kernel: invalid cache size"}; });
    RawReply reply =
        call("GetInstance", [](auto* m) { return sd_bus_message_append(m, "s", "db0"); });
    EXPECT_EQ(reply.error_name, "System.Error.EINVAL");
    api_.edit([](auto& s) { s.fail = Error{EPERM, "kernel: not permitted"}; });
    reply = call("GetInstance", [](auto* m) { return sd_bus_message_append(m, "s", "db0"); });
    EXPECT_EQ(reply.error_name, "System.Error.EPERM");
    api_.edit([](auto& s) { s.fail = Error{ENOENT, "gone"}; });
    reply = call("GetInstance", [](auto* m) { return sd_bus_message_append(m, "s", "db0"); });
    EXPECT_EQ(reply.error_name, SD_BUS_ERROR_FILE_NOT_FOUND);
    EXPECT_EQ(reply.error_message, "gone");
}

TEST_F(DbusTest, ModuleNotLoadedIsAnErrorForMethodsAndEmptyForProperties) {
    api_.edit([](auto& s) {
        s.fail = Error{kErrModuleNotLoaded, "the fastmap module is not loaded"};
    });
    auto c = client();
    ASSERT_TRUE(c);
    auto list = c->list();
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, kErrModuleNotLoaded);
    EXPECT_EQ(list.error().message, "the fastmap module is not loaded");
    auto files = c->list_files();
    ASSERT_TRUE(files) << files.error().message;
    EXPECT_TRUE(files->empty());
    RawReply instances = get_property("Instances", "aa{sv}");
    ASSERT_TRUE(instances.ok()) << instances.error_name;
}

TEST_F(DbusTest, NoDaemonOnTheBusIsEsrch) {
    kill_service();
    auto c = dbus::DaemonClient::connect(nullptr, address());
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ESRCH);
    EXPECT_EQ(c.error().message, "fastmapd is not running");
}

TEST_F(DbusTest, DaemonGoneAfterConnectIsEsrch) {
    auto c = client();
    ASSERT_TRUE(c);
    kill_service();
    auto list = c->list();
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, ESRCH);
    EXPECT_EQ(list.error().message, "fastmapd is not running");
}

TEST(DbusClient, NoBusIsEsrch) {
    auto c = dbus::DaemonClient::connect(nullptr, "unix:path=/nonexistent/fastmap-test-bus");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ESRCH);
    EXPECT_NE(c.error().message.find("fastmapd is not running"), std::string::npos);
}

TEST(DbusErrors, ClientMapping) {
    auto map = [](const char* name, const char* message) {
        sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(name, message);
        return dbus::error_from_bus(&e, -EIO, "Attach");
    };
    auto denied = map(SD_BUS_ERROR_ACCESS_DENIED, dbus::kAccessDeniedMessage);
    EXPECT_EQ(denied.code, kErrPermission);
    EXPECT_EQ(denied.message, dbus::kAccessDeniedMessage);
    EXPECT_EQ(map(SD_BUS_ERROR_SERVICE_UNKNOWN, "x").code, ESRCH);
    EXPECT_EQ(map(SD_BUS_ERROR_NAME_HAS_NO_OWNER, "x").message, "fastmapd is not running");
    EXPECT_EQ(map(SD_BUS_ERROR_NO_REPLY, "x").code, ETIMEDOUT);
    EXPECT_EQ(map(SD_BUS_ERROR_UNKNOWN_METHOD, "x").code, EOPNOTSUPP);
    EXPECT_EQ(map("System.Error.EBUSY", "busy").code, EBUSY);
    EXPECT_EQ(map("org.example.Unknown", "odd").code, EIO);
    EXPECT_EQ(map("org.example.Unknown", "odd").message, "odd");
    auto no_error = dbus::error_from_bus(nullptr, -ECONNRESET, "Detach");
    EXPECT_EQ(no_error.code, ECONNRESET);
}

}  // namespace
}  // namespace fastmap::test
