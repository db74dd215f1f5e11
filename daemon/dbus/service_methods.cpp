// SPDX-License-Identifier: GPL-2.0-only
// The method handlers: read the arguments, validate them, authorize mutations, call the Api,
// reply.
#include <string>

#include "bus_ptr.hpp"
#include "codec.hpp"
#include "errors.hpp"
#include "names.hpp"
#include "service_context.hpp"
#include "units.hpp"
#include "validate.hpp"

namespace fastmap::dbus::detail {
namespace {

ServiceContext& context(void* userdata) {
    return *static_cast<ServiceContext*>(userdata);
}

int reply_instance(sd_bus_message* m, const InstanceInfo& info) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_return(m, &raw);
    MessagePtr reply(raw);
    if (r >= 0) {
        r = append_instance(reply.get(), info);
    }
    if (r >= 0) {
        r = sd_bus_send(nullptr, reply.get(), nullptr);
    }
    return r;
}

int reply_instance_result(sd_bus_message* m, const Result<InstanceInfo>& info, sd_bus_error* e) {
    if (!info) {
        return set_api_error(e, info.error());
    }
    return reply_instance(m, *info);
}

int reply_void_result(sd_bus_message* m, const Result<void>& done, sd_bus_error* e) {
    if (!done) {
        return set_api_error(e, done.error());
    }
    return sd_bus_reply_method_return(m, nullptr);
}

// Reads one string argument that must be a valid instance name. 1 when it is, else the
// error reply's negative errno.
int read_name(sd_bus_message* m, sd_bus_error* e, const char** name) {
    const int r = sd_bus_message_read(m, "s", name);
    if (r < 0) {
        return r;
    }
    if (auto valid = validate_name(*name); !valid) {
        return set_invalid_args(e, valid.error().message);
    }
    return 1;
}

int read_file_path(sd_bus_message* m, sd_bus_error* e, const char** path) {
    const int r = sd_bus_message_read(m, "s", path);
    if (r < 0) {
        return r;
    }
    if (auto valid = validate_file_path(*path); !valid) {
        return set_invalid_args(e, valid.error().message);
    }
    return 1;
}

}  // namespace

int method_attach(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* device = nullptr;
    const char* name = nullptr;
    AttachRequest req;
    std::uint32_t batch = 0;
    int r = sd_bus_message_read(m, "sstu", &device, &name, &req.cache_bytes, &batch);
    if (r < 0) {
        return r;
    }
    req.device = device;
    req.name = name;
    if (batch != 0) {  // 0: the kernel's default
        req.batch_pages = batch;
    }
    if (auto valid = validate_attach(req); !valid) {
        return set_invalid_args(e, valid.error().message);
    }
    if ((r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    return reply_instance_result(m, ctx.api.attach(req), e);
}

int method_detach(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* name = nullptr;
    int r = read_name(m, e, &name);
    if (r <= 0 || (r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    auto detached = ctx.api.detach(name);
    if (!detached) {
        return set_api_error(e, detached.error());
    }
    const std::string warning = to_valid_utf8(detached->warning);
    return sd_bus_reply_method_return(m, "s", warning.c_str());
}

int method_set_parameters(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* name = nullptr;
    int r = read_name(m, e, &name);
    if (r <= 0) {
        return r;
    }
    auto req = read_set_params(m);
    if (!req) {
        return set_invalid_args(e, req.error().message);
    }
    if (auto valid = validate_set(*req); !valid) {
        return set_invalid_args(e, valid.error().message);
    }
    if ((r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    return reply_instance_result(m, ctx.api.set(name, *req), e);
}

int method_restore_defaults(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* name = nullptr;
    int r = read_name(m, e, &name);
    if (r <= 0 || (r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    return reply_instance_result(m, ctx.api.restore_defaults(name), e);
}

int method_get_instance(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* name = nullptr;
    const int r = read_name(m, e, &name);
    if (r <= 0) {
        return r;
    }
    return reply_instance_result(m, ctx.api.get(name), e);
}

int method_list_instances(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto instances = context(userdata).api.list();
    if (!instances) {
        return set_api_error(e, instances.error());
    }
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_return(m, &raw);
    MessagePtr reply(raw);
    if (r >= 0) {
        r = append_instances(reply.get(), *instances);
    }
    if (r >= 0) {
        r = sd_bus_send(nullptr, reply.get(), nullptr);
    }
    return r;
}

int method_enable_file(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* path = nullptr;
    int r = read_file_path(m, e, &path);
    if (r <= 0 || (r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    auto done = ctx.api.enable_file(path, std::nullopt);
    if (done) {
        emit_changed(ctx, {"Files"});
    }
    return reply_void_result(m, done, e);
}

int method_enable_file_with_cache(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* path = nullptr;
    std::uint64_t cache_bytes = 0;
    int r = read_file_path(m, e, &path);
    if (r <= 0) {
        return r;
    }
    if ((r = sd_bus_message_read(m, "t", &cache_bytes)) < 0) {
        return r;
    }
    if (auto valid = validate_file_cache(cache_bytes); !valid) {
        return set_invalid_args(e, valid.error().message);
    }
    if ((r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    auto done = ctx.api.enable_file(path, cache_bytes);
    if (done) {
        emit_changed(ctx, {"Files"});
    }
    return reply_void_result(m, done, e);
}

int method_disable_file(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const char* path = nullptr;
    int r = read_file_path(m, e, &path);
    if (r <= 0 || (r = authorize(ctx, m, e)) <= 0) {
        return r;
    }
    auto done = ctx.api.disable_file(path);
    if (done) {
        emit_changed(ctx, {"Files"});
    }
    return reply_void_result(m, done, e);
}

int method_reload_policy(sd_bus_message* m, void* userdata, sd_bus_error* e) {
    auto& ctx = context(userdata);
    const int r = authorize(ctx, m, e);
    if (r <= 0) {
        return r;
    }
    auto done = ctx.api.reload_policy();
    emit_policy_changes(ctx);  // PolicyError changes on failure too
    if (done) {
        emit_changed(ctx, {"Files"});  // the policy's files may have been enabled or disabled
    }
    return reply_void_result(m, done, e);
}

}  // namespace fastmap::dbus::detail
