// SPDX-License-Identifier: GPL-2.0-only
// Internal to the service: what its vtable callbacks share.
#pragma once

#include <systemd/sd-bus.h>

#include <vector>

#include "api.hpp"
#include "authorizer.hpp"
#include "log.hpp"

namespace fastmap::dbus::detail {

struct ServiceContext {
    sd_bus* bus = nullptr;
    daemon::Api& api;
    Authorizer& auth;
    LogFn log;
    daemon::PolicyState last_policy;  // as the Policy* properties last reported it
};

// The object's vtable; userdata is the ServiceContext (service_vtable.cpp).
const sd_bus_vtable* service_vtable();

// 1 when m's sender may mutate; else sets e (AccessDenied) and returns its negative errno.
int authorize(ServiceContext& ctx, sd_bus_message* m, sd_bus_error* e);

// PropertiesChanged for the named properties of the interface (none: nothing; logs failures).
void emit_changed(ServiceContext& ctx, std::vector<const char*> names);
// PropertiesChanged for the policy properties that differ from ctx.last_policy.
void emit_policy_changes(ServiceContext& ctx);

// Method handlers (service_methods.cpp).
int method_attach(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_detach(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_set_parameters(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_restore_defaults(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_get_instance(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_list_instances(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_enable_file(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_enable_file_with_cache(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_disable_file(sd_bus_message* m, void* userdata, sd_bus_error* e);
int method_reload_policy(sd_bus_message* m, void* userdata, sd_bus_error* e);

}  // namespace fastmap::dbus::detail
