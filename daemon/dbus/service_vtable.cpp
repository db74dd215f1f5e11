// SPDX-License-Identifier: GPL-2.0-only
// The object's vtable and its property getters.
#include "codec.hpp"
#include "errors.hpp"
#include "names.hpp"
#include "service_context.hpp"

namespace fastmap::dbus::detail {
namespace {

ServiceContext& context(void* userdata) {
    return *static_cast<ServiceContext*>(userdata);
}

int get_api_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*,
                    sd_bus_error*) {
    return sd_bus_message_append(reply, "u", kApiVersion);
}

int get_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*,
                sd_bus_error*) {
    return sd_bus_message_append(reply, "s", FASTMAP_VERSION);
}

// Without the module there are no instances and no enable table: an empty value, so GetAll
// still works.
int get_instances(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                  void* userdata, sd_bus_error* e) {
    auto instances = context(userdata).api.list();
    if (!instances) {
        if (instances.error().code == kErrModuleNotLoaded) {
            return append_instances(reply, {});
        }
        return set_api_error(e, instances.error());
    }
    return append_instances(reply, *instances);
}

int get_files(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
              sd_bus_error* e) {
    auto files = context(userdata).api.files();
    if (!files) {
        if (files.error().code == kErrModuleNotLoaded) {
            return append_files(reply, {});
        }
        return set_api_error(e, files.error());
    }
    return append_files(reply, *files);
}

int get_policy_sources(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                       void* userdata, sd_bus_error*) {
    return append_strings(reply, context(userdata).api.policy().sources);
}

int get_policy(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
               void* userdata, sd_bus_error*) {
    const std::string json = to_valid_utf8(context(userdata).api.policy().effective_json);
    return sd_bus_message_append(reply, "s", json.c_str());
}

int get_policy_error(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                     void* userdata, sd_bus_error*) {
    const std::string error = to_valid_utf8(context(userdata).api.policy().last_error);
    return sd_bus_message_append(reply, "s", error.c_str());
}

int get_interval_ms(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                    void* userdata, sd_bus_error*) {
    return sd_bus_message_append(reply, "u", context(userdata).api.policy().interval_ms);
}

int get_decisions(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                  void* userdata, sd_bus_error*) {
    return append_decisions(reply, context(userdata).api.decisions());
}

constexpr auto kConst = SD_BUS_VTABLE_PROPERTY_CONST;
constexpr auto kChange = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
constexpr auto kInvalidation = SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION;
// The service authorizes mutations itself (root or polkit); sd-bus must not require
// CAP_SYS_ADMIN first.
constexpr auto kMethod = SD_BUS_VTABLE_UNPRIVILEGED;

// Keep equal to docs/dbus/org.fastmap.FastMap1.xml (a unit test compares them).
const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("ApiVersion", "u", get_api_version, 0, kConst),
    SD_BUS_PROPERTY("Version", "s", get_version, 0, kConst),
    SD_BUS_PROPERTY("Instances", "aa{sv}", get_instances, 0, kInvalidation),
    SD_BUS_PROPERTY("Files", "a(sst)", get_files, 0, kInvalidation),
    SD_BUS_PROPERTY("PolicySources", "as", get_policy_sources, 0, kChange),
    SD_BUS_PROPERTY("Policy", "s", get_policy, 0, kChange),
    SD_BUS_PROPERTY("PolicyError", "s", get_policy_error, 0, kChange),
    SD_BUS_PROPERTY("IntervalMs", "u", get_interval_ms, 0, kChange),
    SD_BUS_PROPERTY("Decisions", "a(tssttsbs)", get_decisions, 0, kInvalidation),
    SD_BUS_METHOD_WITH_ARGS("Attach",
                            SD_BUS_ARGS("s", device, "s", name, "t", cache_bytes, "u", batch_pages),
                            SD_BUS_RESULT("a{sv}", instance), method_attach, kMethod),
    SD_BUS_METHOD_WITH_ARGS("Detach", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", warning),
                            method_detach, kMethod),
    SD_BUS_METHOD_WITH_ARGS("SetParameters", SD_BUS_ARGS("s", name, "a{sv}", parameters),
                            SD_BUS_RESULT("a{sv}", instance), method_set_parameters, kMethod),
    SD_BUS_METHOD_WITH_ARGS("RestoreDefaults", SD_BUS_ARGS("s", name),
                            SD_BUS_RESULT("a{sv}", instance), method_restore_defaults, kMethod),
    SD_BUS_METHOD_WITH_ARGS("GetInstance", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a{sv}", instance),
                            method_get_instance, kMethod),
    SD_BUS_METHOD_WITH_ARGS("ListInstances", SD_BUS_NO_ARGS, SD_BUS_RESULT("aa{sv}", instances),
                            method_list_instances, kMethod),
    SD_BUS_METHOD_WITH_ARGS("EnableFile", SD_BUS_ARGS("s", path), SD_BUS_NO_RESULT,
                            method_enable_file, kMethod),
    SD_BUS_METHOD_WITH_ARGS("EnableFileWithCache", SD_BUS_ARGS("s", path, "t", cache_bytes),
                            SD_BUS_NO_RESULT, method_enable_file_with_cache, kMethod),
    SD_BUS_METHOD_WITH_ARGS("DisableFile", SD_BUS_ARGS("s", path), SD_BUS_NO_RESULT,
                            method_disable_file, kMethod),
    SD_BUS_METHOD_WITH_ARGS("ReloadPolicy", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload_policy,
                            kMethod),
    SD_BUS_SIGNAL_WITH_ARGS("DecisionMade",
                            SD_BUS_ARGS("t", realtime_us, "s", kind, "s", target, "t", from, "t",
                                        to, "s", reason, "b", applied),
                            0),
    SD_BUS_SIGNAL_WITH_ARGS("InstanceChanged", SD_BUS_ARGS("s", name, "s", change), 0),
    SD_BUS_VTABLE_END,
};

}  // namespace

const sd_bus_vtable* service_vtable() {
    return kVtable;
}

}  // namespace fastmap::dbus::detail
