// SPDX-License-Identifier: GPL-2.0-only
// fastmapd's D-Bus service: org.fastmap.FastMap1 on /org/fastmap/FastMap1 (docs/dbus.md). It
// validates every argument, authorizes mutations (Authorizer), calls the Api and turns the
// Api's notifications into signals and PropertiesChanged. Single-threaded: every call,
// including the ApiListener callbacks, must come from the thread that processes the bus
// (the daemon's sd-event loop).
#pragma once

#include <systemd/sd-bus.h>

#include <memory>
#include <string_view>

#include "api.hpp"
#include "authorizer.hpp"
#include "bus_ptr.hpp"
#include "log.hpp"
#include "result.hpp"

namespace fastmap::dbus {

namespace detail {
struct ServiceContext;
}

class DbusService final : public daemon::ApiListener {
public:
    // Adds the object and its vtable to bus (a connection the caller made and processes) and
    // registers itself as api's listener. api and auth must outlive the service.
    static Result<std::unique_ptr<DbusService>> create(sd_bus* bus, daemon::Api& api,
                                                       Authorizer& auth, LogFn log = log_to_stderr);
    ~DbusService() override;
    DbusService(const DbusService&) = delete;
    DbusService& operator=(const DbusService&) = delete;

    // Requests org.fastmap.FastMap1 (after create(), so no call finds the name without the
    // object). EEXIST when another connection owns it.
    Result<void> request_name();

    // ApiListener: DecisionMade (and Decisions invalidated); InstanceChanged (and Instances
    // invalidated).
    void decision_made(const daemon::DecisionRecord& record) override;
    void instance_changed(std::string_view name, std::string_view change) override;

    // For the daemon: the policy was reloaded outside ReloadPolicy (SIGHUP); emits
    // PropertiesChanged for PolicySources, Policy, PolicyError and IntervalMs that changed.
    void policy_changed();
    // For the daemon: the enable table changed outside EnableFile/DisableFile.
    void files_changed();

private:
    DbusService(sd_bus* bus, std::unique_ptr<detail::ServiceContext> ctx);

    BusPtr bus_;
    std::unique_ptr<detail::ServiceContext> ctx_;
    SlotPtr slot_;
    bool owns_name_ = false;
};

}  // namespace fastmap::dbus
