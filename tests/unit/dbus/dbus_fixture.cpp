// SPDX-License-Identifier: GPL-2.0-only
#include "dbus_fixture.hpp"

#include <unistd.h>

#include "dbus/names.hpp"

namespace fastmap::test {

void DbusTest::start(dbus::Authorizer* auth, PrivateBus::Policy policy) {
    if (access(PrivateBus::kDaemon, X_OK) != 0) {
        GTEST_SKIP() << PrivateBus::kDaemon << " is not installed";
    }
    std::string error;
    bus_ = PrivateBus::start(policy, &error);
    ASSERT_TRUE(bus_) << error;
    ASSERT_TRUE(loop_.start());
    dbus::Authorizer& authorizer = auth != nullptr ? *auth : auth_;
    std::string failure = "the loop did not run the setup";
    ASSERT_TRUE(loop_.run([&] {
        server_bus_ = connect_bus(bus_->address());
        if (!server_bus_) {
            failure = "cannot connect the service to the bus";
            return;
        }
        if (sd_bus_attach_event(server_bus_.get(), loop_.event(), SD_EVENT_PRIORITY_NORMAL) < 0) {
            failure = "cannot attach the bus to the event loop";
            return;
        }
        auto log = [this](std::string_view line) {
            std::lock_guard lock(log_mu_);
            logs_.emplace_back(line);
        };
        auto service = dbus::DbusService::create(server_bus_.get(), api_, authorizer, log);
        if (!service) {
            failure = service.error().message;
            return;
        }
        service_ = std::move(*service);
        if (auto named = service_->request_name(); !named) {
            failure = named.error().message;
            return;
        }
        failure.clear();
    }));
    ASSERT_EQ(failure, "");
    raw_ = connect_bus(bus_->address());
    ASSERT_TRUE(raw_) << "cannot connect to " << bus_->address();
}

void DbusTest::stop() {
    raw_.reset();
    loop_.run([this] {
        service_.reset();
        server_bus_.reset();
    });
    loop_.stop();
    bus_.reset();
}

void DbusTest::kill_service() {
    on_loop([this] {
        service_.reset();
        server_bus_.reset();
    });
}

void DbusTest::with_service(const std::function<void(dbus::DbusService&)>& fn) {
    on_loop([&] { fn(*service_); });
}

std::unique_ptr<dbus::DaemonClient> DbusTest::client(std::unique_ptr<Control> direct) {
    auto c = dbus::DaemonClient::connect(std::move(direct), bus_->address());
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
}

RawReply DbusTest::call(const char* method, const std::function<int(sd_bus_message*)>& append) {
    return raw_call(raw_.get(), dbus::kInterface, method, append);
}

RawReply DbusTest::get_property(const char* property, const char* sig) {
    RawReply reply =
        raw_call(raw_.get(), dbus::kPropertiesInterface, "Get", [&](sd_bus_message* m) {
            return sd_bus_message_append(m, "ss", dbus::kInterface, property);
        });
    if (reply.ok()) {
        const int r = sd_bus_message_enter_container(reply.reply.get(), 'v', sig);
        if (r <= 0) {
            reply.r = r < 0 ? r : -ENXIO;
            reply.error_name = "(variant is not " + std::string(sig) + ")";
        }
    }
    return reply;
}

bool DbusTest::pump_until(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kTestTimeout;
    for (;;) {
        int r = 0;
        while ((r = sd_bus_process(raw_.get(), nullptr)) > 0) {
        }
        if (pred()) {
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            deadline - std::chrono::steady_clock::now());
        if (r < 0 || left.count() <= 0) {
            return pred();
        }
        sd_bus_wait(raw_.get(), static_cast<std::uint64_t>(left.count()));
    }
}

std::vector<std::string> DbusTest::logs() const {
    std::lock_guard lock(log_mu_);
    return logs_;
}

}  // namespace fastmap::test
