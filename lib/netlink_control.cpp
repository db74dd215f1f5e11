// SPDX-License-Identifier: GPL-2.0-only
#include "netlink_control.hpp"

#include <fstream>

#include "fastmap.h"

namespace fastmap {
namespace {

constexpr const char* kNotLoaded = "fastmap kernel module is not loaded (modprobe fastmap)";
constexpr const char* kNoPermission = "permission denied: changes need CAP_SYS_ADMIN (run as root)";

}  // namespace

Error map_control_error(Error err) {
    if (err.code == kErrPermission) {
        return Error{kErrPermission, kNoPermission};
    }
    return err;
}

NetlinkControl::NetlinkControl() : sysfs_root_("/sys") {}

NetlinkControl::NetlinkControl(std::unique_ptr<nl::Transport> transport, std::string sysfs_root)
    : client_(std::make_unique<nl::GenlClient>(std::move(transport))),
      sysfs_root_(std::move(sysfs_root)) {}

Result<nl::GenlClient*> NetlinkControl::connect() {
    if (!client_) {
        auto sock = nl::NetlinkSocket::open();
        if (!sock) {
            return std::move(sock).error();
        }
        client_ = std::make_unique<nl::GenlClient>(std::move(sock).value());
    }
    if (!family_) {
        auto family = client_->resolve_family(FASTMAP_GENL_NAME);
        if (!family) {
            if (family.error().code == ENOENT) {
                return Error{kErrModuleNotLoaded, kNotLoaded};
            }
            return std::move(family).error();
        }
        family_ = *family;
    }
    return client_.get();
}

nl::MessageBuilder NetlinkControl::message(std::uint8_t cmd) const {
    return nl::MessageBuilder(family_->id, 0, cmd, FASTMAP_GENL_VERSION);
}

Result<InstanceInfo> NetlinkControl::instance_reply(const nl::Reply& reply, std::string_view name) {
    for (const auto& msg : reply.messages) {
        if (msg.attrs.count(FASTMAP_A_NAME)) {
            return decode_instance(msg.attrs);
        }
    }
    // The kernel only ACKed: read the instance back.
    return get(name);
}

Result<nl::Reply> NetlinkControl::request(nl::MessageBuilder& msg, bool dump) {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto replies = dump ? (*client)->dump(msg) : (*client)->request(msg);
    if (!replies) {
        return map_control_error(std::move(replies).error());
    }
    return replies;
}

Result<InstanceInfo> NetlinkControl::attach(const AttachRequest& req) {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_ATTACH);
    // The u64 first: its payload lands 8-byte aligned without a FASTMAP_A_PAD attribute.
    msg.put_u64(FASTMAP_A_CACHE_BYTES, req.cache_bytes, FASTMAP_A_PAD);
    msg.put_string(FASTMAP_A_DEVICE, req.device);
    msg.put_string(FASTMAP_A_NAME, req.name);
    if (req.batch_pages) {
        msg.put_u32(FASTMAP_A_BATCH_PAGES, *req.batch_pages);
    }
    auto replies = request(msg, false);
    if (!replies) {
        return std::move(replies).error();
    }
    return instance_reply(*replies, req.name);
}

Result<DetachResult> NetlinkControl::detach(std::string_view name) {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_DETACH);
    msg.put_string(FASTMAP_A_NAME, name);
    auto replies = request(msg, false);
    if (!replies) {
        return std::move(replies).error();
    }
    return DetachResult{std::move(replies->warning)};
}

Result<std::vector<InstanceInfo>> NetlinkControl::list() {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_GET);
    auto replies = request(msg, true);
    if (!replies) {
        return std::move(replies).error();
    }
    std::vector<InstanceInfo> out;
    for (const auto& reply : replies->messages) {
        auto info = decode_instance(reply.attrs);
        if (!info) {
            return std::move(info).error();
        }
        out.push_back(std::move(info).value());
    }
    return out;
}

Result<InstanceInfo> NetlinkControl::get(std::string_view name) {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_GET);
    msg.put_string(FASTMAP_A_NAME, name);
    auto replies = request(msg, false);
    if (!replies) {
        return std::move(replies).error();
    }
    if (replies->messages.empty()) {
        return Error{EPROTO, "fastmap sent no reply for instance '" + std::string(name) + "'"};
    }
    return decode_instance(replies->messages.front().attrs);
}

Result<InstanceInfo> NetlinkControl::set(std::string_view name, const SetRequest& req) {
    if (req.empty()) {
        return Error{EINVAL, "nothing to set"};
    }
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_SET);
    // Only the parameters to change. The u64 goes first: its payload lands 8-byte aligned
    // without a FASTMAP_A_PAD attribute, which the kernel's strict validation would refuse.
    if (req.cache_bytes) {
        msg.put_u64(FASTMAP_A_CACHE_BYTES, *req.cache_bytes, FASTMAP_A_PAD);
    }
    msg.put_string(FASTMAP_A_NAME, name);
    if (req.batch_pages) {
        msg.put_u32(FASTMAP_A_BATCH_PAGES, *req.batch_pages);
    }
    if (req.dirty_ratio) {
        msg.put_u32(FASTMAP_A_DIRTY_RATIO, *req.dirty_ratio);
    }
    if (req.wb_interval_ms) {
        msg.put_u32(FASTMAP_A_WB_INTERVAL_MS, *req.wb_interval_ms);
    }
    auto replies = request(msg, false);
    if (!replies) {
        return std::move(replies).error();
    }
    return instance_reply(*replies, name);
}

Result<std::unique_ptr<EventSource>> NetlinkControl::subscribe() {
    auto sub = EventSubscriber::open();
    if (!sub) {
        return std::move(sub).error();
    }
    return std::unique_ptr<EventSource>(std::move(sub).value());
}

Result<ModuleInfo> NetlinkControl::module_info() {
    ModuleInfo info;
    auto client = connect();
    if (!client) {
        if (client.error().code == kErrModuleNotLoaded) {
            return info;
        }
        return std::move(client).error();
    }
    info.loaded = true;
    info.genl_version = family_->version;
    std::ifstream in(sysfs_root_ + "/module/fastmap/version");
    std::getline(in, info.version);
    return info;
}

}  // namespace fastmap
