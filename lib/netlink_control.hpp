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
    Result<ModuleInfo> module_info() override;

private:
    // The client and the family id, resolving it once. Maps "no such family" to
    // kErrModuleNotLoaded.
    Result<nl::GenlClient*> connect();
    Result<nl::Reply> request(nl::MessageBuilder& msg, bool dump);

    std::unique_ptr<nl::GenlClient> client_;
    std::optional<nl::GenlFamily> family_;
    std::string sysfs_root_;
};

// Error for a failed request: EPERM and "family missing" get their fixed messages.
Error map_control_error(Error err);

}  // namespace fastmap
