// SPDX-License-Identifier: GPL-2.0-only
// DaemonClient: one D-Bus call per operation.
#include <cerrno>
#include <string>

#include "client.hpp"
#include "codec.hpp"
#include "names.hpp"

namespace fastmap::dbus {
namespace {

std::string describe(const FileKey& key) {
    return "dev " + key.dev.str() + ", inode " + std::to_string(key.ino);
}

int append_set_params(sd_bus_message* m, const SetRequest& req) {
    int r = sd_bus_message_open_container(m, 'a', "{sv}");
    if (r >= 0 && req.cache_bytes) {
        r = sd_bus_message_append(m, "{sv}", "cache_bytes", "t", *req.cache_bytes);
    }
    if (r >= 0 && req.batch_pages) {
        r = sd_bus_message_append(m, "{sv}", "batch_pages", "u", *req.batch_pages);
    }
    if (r >= 0 && req.dirty_ratio) {
        r = sd_bus_message_append(m, "{sv}", "dirty_ratio", "u", *req.dirty_ratio);
    }
    if (r >= 0 && req.wb_interval_ms) {
        r = sd_bus_message_append(m, "{sv}", "wb_interval_ms", "u", *req.wb_interval_ms);
    }
    if (r >= 0) {
        r = sd_bus_message_close_container(m);
    }
    return r;
}

Result<void> void_reply(Result<MessagePtr> reply) {
    if (!reply) {
        return std::move(reply).error();
    }
    return {};
}

}  // namespace

Result<InstanceInfo> DaemonClient::attach(const AttachRequest& req) {
    if (req.batch_pages && *req.batch_pages == 0) {
        return Error{EINVAL, "batch_pages must be at least 1"};
    }
    const std::uint32_t batch = req.batch_pages.value_or(0);  // 0: the kernel's default
    return instance_reply(call("Attach", Kind::kMutation, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "sstu", req.device.c_str(), req.name.c_str(),
                                     req.cache_bytes, batch);
    }));
}

Result<DetachResult> DaemonClient::detach(std::string_view name) {
    const std::string n(name);
    auto reply = call("Detach", Kind::kMutation,
                      [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", n.c_str()); });
    if (!reply) {
        return std::move(reply).error();
    }
    const char* warning = nullptr;
    if (sd_bus_message_read(reply->get(), "s", &warning) < 0) {
        return Error{EPROTO, "fastmapd sent a malformed Detach reply"};
    }
    return DetachResult{warning};
}

Result<std::vector<InstanceInfo>> DaemonClient::list() {
    auto reply = call("ListInstances", Kind::kRead);
    if (!reply) {
        return std::move(reply).error();
    }
    return read_instances(reply->get());
}

Result<InstanceInfo> DaemonClient::get(std::string_view name) {
    const std::string n(name);
    return instance_reply(call("GetInstance", Kind::kRead, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "s", n.c_str());
    }));
}

Result<InstanceInfo> DaemonClient::set(std::string_view name, const SetRequest& req) {
    const std::string n(name);
    return instance_reply(call("SetParameters", Kind::kMutation, [&](sd_bus_message* m) {
        const int r = sd_bus_message_append(m, "s", n.c_str());
        return r < 0 ? r : append_set_params(m, req);
    }));
}

Result<InstanceInfo> DaemonClient::restore_defaults(std::string_view name) {
    const std::string n(name);
    return instance_reply(call("RestoreDefaults", Kind::kMutation, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "s", n.c_str());
    }));
}

Result<void> DaemonClient::add_file(const FileKey&, std::string_view path) {
    if (path.empty()) {
        return Error{EINVAL, "the daemon enables files by path"};
    }
    const std::string p(path);
    return void_reply(call("EnableFile", Kind::kMutation, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "s", p.c_str());
    }));
}

Result<void> DaemonClient::add_file_sized(const FileKey&, std::string_view path,
                                          std::uint64_t cache_bytes) {
    if (path.empty()) {
        return Error{EINVAL, "the daemon enables files by path"};
    }
    const std::string p(path);
    return void_reply(call("EnableFileWithCache", Kind::kMutation, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "st", p.c_str(), cache_bytes);
    }));
}

Result<void> DaemonClient::remove_file(const FileKey& key) {
    auto files = list_files();
    if (!files) {
        return std::move(files).error();
    }
    const FileEntry* entry = nullptr;
    for (const auto& f : *files) {
        if (f.key == key) {
            entry = &f;
        }
    }
    if (entry == nullptr) {
        return Error{ENOENT, "file not enabled (" + describe(key) + ")"};
    }
    if (entry->path.empty()) {
        return Error{EINVAL,
                     "the daemon disables files by path, and it has none for " + describe(key)};
    }
    const std::string p = entry->path;
    return void_reply(call("DisableFile", Kind::kMutation, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "s", p.c_str());
    }));
}

Result<std::vector<FileEntry>> DaemonClient::list_files() {
    auto reply = get_property("Files", kFilesSig);
    if (!reply) {
        return std::move(reply).error();
    }
    return read_files(reply->get());
}

Result<std::unique_ptr<EventSource>> DaemonClient::subscribe() {
    if (!direct_) {
        return Error{EOPNOTSUPP, "events need a direct connection to the module"};
    }
    return direct_->subscribe();
}

Result<ModuleInfo> DaemonClient::module_info() {
    if (!direct_) {
        return Error{EOPNOTSUPP, "module information needs a direct connection to the module"};
    }
    return direct_->module_info();
}

Result<PolicyStateView> DaemonClient::policy() {
    PolicyStateView view;
    auto sources = get_property("PolicySources", "as");
    if (!sources) {
        return std::move(sources).error();
    }
    auto strings = read_strings(sources->get());
    if (!strings) {
        return std::move(strings).error();
    }
    view.sources = std::move(*strings);
    struct StringProperty {
        const char* name;
        std::string* out;
    };
    for (const StringProperty p : {StringProperty{"Policy", &view.effective_json},
                                   StringProperty{"PolicyError", &view.last_error}}) {
        auto reply = get_property(p.name, "s");
        if (!reply) {
            return std::move(reply).error();
        }
        const char* s = nullptr;
        if (sd_bus_message_read(reply->get(), "s", &s) < 0) {
            return Error{EPROTO, std::string("fastmapd sent a malformed ") + p.name};
        }
        *p.out = s;
    }
    auto interval = get_property("IntervalMs", "u");
    if (!interval) {
        return std::move(interval).error();
    }
    if (sd_bus_message_read(interval->get(), "u", &view.interval_ms) < 0) {
        return Error{EPROTO, "fastmapd sent a malformed IntervalMs"};
    }
    return view;
}

Result<void> DaemonClient::reload_policy() {
    return void_reply(call("ReloadPolicy", Kind::kMutation));
}

Result<std::vector<daemon::DecisionRecord>> DaemonClient::decisions() {
    auto reply = get_property("Decisions", kDecisionsSig);
    if (!reply) {
        return std::move(reply).error();
    }
    return read_decisions(reply->get());
}

Result<std::uint32_t> DaemonClient::api_version() {
    auto reply = get_property("ApiVersion", "u");
    if (!reply) {
        return std::move(reply).error();
    }
    std::uint32_t v = 0;
    if (sd_bus_message_read(reply->get(), "u", &v) < 0) {
        return Error{EPROTO, "fastmapd sent a malformed ApiVersion"};
    }
    return v;
}

Result<std::string> DaemonClient::daemon_version() {
    auto reply = get_property("Version", "s");
    if (!reply) {
        return std::move(reply).error();
    }
    const char* v = nullptr;
    if (sd_bus_message_read(reply->get(), "s", &v) < 0) {
        return Error{EPROTO, "fastmapd sent a malformed Version"};
    }
    return std::string(v);
}

}  // namespace fastmap::dbus
