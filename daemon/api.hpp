// SPDX-License-Identifier: GPL-2.0-only
// What fastmapd offers its clients, independent of the transport. The D-Bus service
// (dbus/service.hpp) authorizes and validates each call, then calls this interface; the daemon
// core (daemon.hpp) implements it; tests use fakes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "result.hpp"

namespace fastmap::daemon {

// A decision of the policy engine (or an operator action) as the daemon recorded it.
struct DecisionRecord {
    std::uint64_t realtime_us = 0;  // CLOCK_REALTIME, microseconds
    std::string kind;               // "cache_grow", "cache_shrink", "batch_increase",
                                    // "batch_decrease", "file_enable", "attach" ...
    std::string target;             // instance name or file path
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::string reason;
    bool applied = false;
    std::string error;  // why applying failed, when !applied

    bool operator==(const DecisionRecord&) const = default;
};

// Policy state for the PolicySources/Policy/PolicyError properties.
struct PolicyState {
    std::vector<std::string> sources;  // files in merge order
    std::string effective_json;        // the merged, validated policy (with defaults), as JSON
    std::string last_error;            // why the last load/reload failed; empty when it did not
    std::uint32_t interval_ms = 0;
};

// Notifications the transport turns into D-Bus signals.
class ApiListener {
public:
    virtual ~ApiListener() = default;
    virtual void decision_made(const DecisionRecord& record) = 0;
    // change: "attached", "detached", "changed"
    virtual void instance_changed(std::string_view name, std::string_view change) = 0;
};

class Api {
public:
    virtual ~Api() = default;

    // Reads (open to everyone).
    virtual Result<std::vector<InstanceInfo>> list() = 0;
    virtual Result<InstanceInfo> get(std::string_view name) = 0;
    virtual Result<std::vector<FileEntry>> files() = 0;
    virtual PolicyState policy() const = 0;
    virtual std::vector<DecisionRecord> decisions() const = 0;  // oldest first

    // Mutations (root or polkit action org.fastmap.manage).
    virtual Result<InstanceInfo> attach(const AttachRequest& req) = 0;
    virtual Result<DetachResult> detach(std::string_view name) = 0;
    // An operator's change: the daemon stops tuning the parameters it sets (pins them) until
    // restore_defaults().
    virtual Result<InstanceInfo> set(std::string_view name, const SetRequest& req) = 0;
    // Unpins the instance and puts the policy's (or the kernel's) values back.
    virtual Result<InstanceInfo> restore_defaults(std::string_view name) = 0;
    // Adds path to the enable table, with cache_bytes as its instance's cache (unset: the
    // module's default); fastmapd enables it again after a reboot until disable_file().
    virtual Result<void> enable_file(std::string_view path,
                                     std::optional<std::uint64_t> cache_bytes) = 0;
    virtual Result<void> disable_file(std::string_view path) = 0;
    // Reloads the policy files; on error the old policy stays and the error says why.
    virtual Result<void> reload_policy() = 0;

    virtual void set_listener(ApiListener* listener) = 0;
};

}  // namespace fastmap::daemon
