// SPDX-License-Identifier: GPL-2.0-only
// What fastmapctl asks fastmapd beyond the Control interface: the policy, reloads, recent
// decisions, restore-defaults. The real link is the D-Bus client (dbus/client.hpp); tests use a
// fake. A null DaemonLink means fastmapd is not running (or --no-daemon).
#pragma once

#include <string_view>
#include <vector>

#include "api.hpp"
#include "control.hpp"
#include "result.hpp"

namespace fastmap::cli {

class DaemonLink {
public:
    virtual ~DaemonLink() = default;
    virtual Result<daemon::PolicyState> policy() = 0;
    virtual Result<void> reload_policy() = 0;
    virtual Result<std::vector<daemon::DecisionRecord>> decisions() = 0;
    virtual Result<InstanceInfo> restore_defaults(std::string_view name) = 0;
};

// The line fastmapctl prints (once, to stderr) when it talks to the kernel directly.
inline constexpr std::string_view kDirectNotice =
    "fastmapctl: fastmapd is not running; talking to the kernel directly";

}  // namespace fastmap::cli
