// SPDX-License-Identifier: GPL-2.0-only
// Control over the fastmap generic netlink family (FASTMAP_GENL_NAME).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "control.hpp"
#include "netlink_socket.hpp"

namespace fastmap {

class NetlinkControl final : public Control {
public:
    // Opens a NETLINK_GENERIC socket on first use.
    NetlinkControl();
    // For tests: talk over the given transport; sysfs_root replaces "/sys".
    explicit NetlinkControl(std::unique_ptr<nl::Transport> transport,
                            std::string sysfs_root = "/sys");

    Result<InstanceInfo> attach(const AttachRequest& req) override;
    Result<DetachResult> detach(std::string_view name) override;
    Result<std::vector<InstanceInfo>> list() override;
    Result<InstanceInfo> get(std::string_view name) override;
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override;
    Result<void> add_file(const FileKey& key, std::string_view path) override;
    Result<void> add_file_sized(const FileKey& key, std::string_view path,
                                std::uint64_t cache_bytes) override;
    Result<void> remove_file(const FileKey& key) override;
    Result<std::vector<FileEntry>> list_files() override;
    // An EventSubscriber on a socket of its own.
    Result<std::unique_ptr<EventSource>> subscribe() override;
    Result<ModuleInfo> module_info() override;

private:
    // The client and the family id, resolving it once. Maps "no such family" to
    // kErrModuleNotLoaded.
    Result<nl::GenlClient*> connect();
    Result<nl::Reply> request(nl::MessageBuilder& msg, bool dump);
    // A new request message for the fastmap family (connect() first).
    nl::MessageBuilder message(std::uint8_t cmd) const;
    // The instance in a reply to ATTACH or SET; a GET of name when the kernel only ACKed.
    Result<InstanceInfo> instance_reply(const nl::Reply& reply, std::string_view name);
    // FILE_ADD, with FASTMAP_A_CACHE_BYTES when cache_bytes is set.
    Result<void> file_add(const FileKey& key, std::string_view path,
                          std::optional<std::uint64_t> cache_bytes);

    std::unique_ptr<nl::GenlClient> client_;
    std::optional<nl::GenlFamily> family_;
    std::string sysfs_root_;
};

// Error for a failed request: EPERM and "family missing" get their fixed messages.
Error map_control_error(Error err);

}  // namespace fastmap
