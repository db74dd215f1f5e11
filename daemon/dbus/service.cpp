// SPDX-License-Identifier: GPL-2.0-only
#include "service.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "codec.hpp"
#include "errors.hpp"
#include "names.hpp"
#include "service_context.hpp"

namespace fastmap::dbus {

namespace detail {

int authorize(ServiceContext& ctx, sd_bus_message* m, sd_bus_error* e) {
    auto allowed = ctx.auth.may_mutate(m);
    if (allowed && *allowed) {
        return 1;
    }
    if (!allowed && ctx.log) {
        const char* sender = sd_bus_message_get_sender(m);
        ctx.log(std::string("refusing ") + sd_bus_message_get_member(m) + " from " +
                (sender != nullptr ? sender : "a peer") + ": " + allowed.error().message);
    }
    return set_access_denied(e);
}

void emit_changed(ServiceContext& ctx, std::vector<const char*> names) {
    if (names.empty()) {
        return;
    }
    names.push_back(nullptr);
    // sd-bus takes char** but does not write through it.
    const int r = sd_bus_emit_properties_changed_strv(ctx.bus, kObjectPath, kInterface,
                                                      const_cast<char**>(names.data()));
    if (r < 0 && ctx.log) {
        ctx.log(std::string("cannot emit PropertiesChanged: ") + std::strerror(-r));
    }
}

void emit_policy_changes(ServiceContext& ctx) {
    daemon::PolicyState now = ctx.api.policy();
    const daemon::PolicyState& was = ctx.last_policy;
    std::vector<const char*> changed;
    if (now.sources != was.sources) {
        changed.push_back("PolicySources");
    }
    if (now.effective_json != was.effective_json) {
        changed.push_back("Policy");
    }
    if (now.last_error != was.last_error) {
        changed.push_back("PolicyError");
    }
    if (now.interval_ms != was.interval_ms) {
        changed.push_back("IntervalMs");
    }
    ctx.last_policy = std::move(now);
    emit_changed(ctx, std::move(changed));
}

}  // namespace detail

DbusService::DbusService(sd_bus* bus, std::unique_ptr<detail::ServiceContext> ctx)
    : bus_(sd_bus_ref(bus)), ctx_(std::move(ctx)) {}

Result<std::unique_ptr<DbusService>> DbusService::create(sd_bus* bus, daemon::Api& api,
                                                         Authorizer& auth, LogFn log) {
    auto ctx = std::unique_ptr<detail::ServiceContext>(
        new detail::ServiceContext{bus, api, auth, std::move(log), api.policy()});
    std::unique_ptr<DbusService> service(new DbusService(bus, std::move(ctx)));
    sd_bus_slot* slot = nullptr;
    const int r = sd_bus_add_object_vtable(bus, &slot, kObjectPath, kInterface,
                                           detail::service_vtable(), service->ctx_.get());
    if (r < 0) {
        return Error{-r, std::string("cannot add the D-Bus object ") + kObjectPath + ": " +
                             std::strerror(-r)};
    }
    service->slot_.reset(slot);
    api.set_listener(service.get());
    return service;
}

DbusService::~DbusService() {
    ctx_->api.set_listener(nullptr);
    slot_.reset();
    if (owns_name_) {
        sd_bus_release_name(bus_.get(), kBusName);  // best effort: exiting closes it anyway
    }
}

Result<void> DbusService::request_name() {
    const int r = sd_bus_request_name(bus_.get(), kBusName, 0);
    if (r < 0) {
        if (r == -EEXIST) {
            return Error{EEXIST, std::string("another process owns ") + kBusName};
        }
        return Error{-r, std::string("cannot own ") + kBusName + ": " + std::strerror(-r)};
    }
    owns_name_ = true;
    return {};
}

void DbusService::decision_made(const daemon::DecisionRecord& d) {
    const std::string kind = to_valid_utf8(d.kind);
    const std::string target = to_valid_utf8(d.target);
    const std::string reason = to_valid_utf8(d.reason);
    const int r = sd_bus_emit_signal(bus_.get(), kObjectPath, kInterface, "DecisionMade", "tssttsb",
                                     d.realtime_us, kind.c_str(), target.c_str(), d.from, d.to,
                                     reason.c_str(), static_cast<int>(d.applied));
    if (r < 0 && ctx_->log) {
        ctx_->log(std::string("cannot emit DecisionMade: ") + std::strerror(-r));
    }
    detail::emit_changed(*ctx_, {"Decisions"});
}

void DbusService::instance_changed(std::string_view name, std::string_view change) {
    const std::string n = to_valid_utf8(name);
    const std::string c = to_valid_utf8(change);
    const int r = sd_bus_emit_signal(bus_.get(), kObjectPath, kInterface, "InstanceChanged", "ss",
                                     n.c_str(), c.c_str());
    if (r < 0 && ctx_->log) {
        ctx_->log(std::string("cannot emit InstanceChanged: ") + std::strerror(-r));
    }
    detail::emit_changed(*ctx_, {"Instances"});
}

void DbusService::policy_changed() {
    detail::emit_policy_changes(*ctx_);
}

void DbusService::files_changed() {
    detail::emit_changed(*ctx_, {"Files"});
}

}  // namespace fastmap::dbus
