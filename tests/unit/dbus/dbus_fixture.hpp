// SPDX-License-Identifier: GPL-2.0-only
// The fixture of the D-Bus tests: a private bus, DbusService over a FakeApi on a loop thread,
// and a raw connection for direct calls and signal subscriptions.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dbus/authorizer.hpp"
#include "dbus/client.hpp"
#include "dbus/service.hpp"
#include "fake_api.hpp"
#include "test_bus.hpp"

namespace fastmap::test {

class DbusTest : public ::testing::Test {
protected:
    void SetUp() override { start(nullptr, PrivateBus::Policy::kOpen); }
    void TearDown() override { stop(); }

    // The private bus and the service, with auth (the FakeAuthorizer when null). Call last in
    // SetUp(): it skips or fails the test when something does not start.
    void start(dbus::Authorizer* auth, PrivateBus::Policy policy);
    void stop();

    std::unique_ptr<dbus::DaemonClient> client(std::unique_ptr<Control> direct = nullptr);
    // A method of org.fastmap.FastMap1 on the raw connection.
    RawReply call(const char* method, const std::function<int(sd_bus_message*)>& append = {});
    // org.freedesktop.DBus.Properties.Get; on success the reply is inside the variant.
    RawReply get_property(const char* property, const char* sig);
    // Runs fn on the service's loop thread (where the ApiListener callbacks must come from).
    void on_loop(std::function<void()> fn) { ASSERT_TRUE(loop_.run(std::move(fn))); }
    // Processes the raw connection until pred() or the timeout; pred()'s last value.
    bool pump_until(const std::function<bool()>& pred);
    std::vector<std::string> logs() const;
    const std::string& address() const { return bus_->address(); }
    // Drops the service and its connection (fastmapd went away).
    void kill_service();
    // Runs fn with the service on the loop thread.
    void with_service(const std::function<void(dbus::DbusService&)>& fn);

    FakeApi api_;
    FakeAuthorizer auth_;
    dbus::OwnedBusPtr raw_;

private:
    std::unique_ptr<PrivateBus> bus_;
    LoopThread loop_;
    dbus::OwnedBusPtr server_bus_;
    std::unique_ptr<dbus::DbusService> service_;
    mutable std::mutex log_mu_;
    std::vector<std::string> logs_;
};

}  // namespace fastmap::test
