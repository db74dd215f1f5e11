// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl's way to fastmapd: the Control interface over the daemon's D-Bus API
// (docs/dbus.md), plus what only the daemon knows (policy, decisions, restore_defaults).
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "bus_ptr.hpp"
#include "control.hpp"
#include "result.hpp"

namespace fastmap::dbus {

// The Policy* properties.
using PolicyStateView = daemon::PolicyState;

class DaemonClient final : public Control {
public:
    static constexpr std::chrono::seconds kReadTimeout{5};
    // Attach, detach and set may write back data (a cache shrink, a detach); polkit may prompt.
    static constexpr std::chrono::seconds kMutationTimeout{60};

    // Connects to the system bus (address empty) or to address (e.g. "unix:path=/run/x"), and
    // checks that org.fastmap.FastMap1 has an owner: ESRCH "fastmapd is not running" when it
    // has none or there is no bus. direct (may be null) serves subscribe() and module_info(),
    // which the daemon does not offer: normally a NetlinkControl.
    static Result<std::unique_ptr<DaemonClient>> connect(std::unique_ptr<Control> direct,
                                                         std::string_view address = {});
    ~DaemonClient() override;
    DaemonClient(const DaemonClient&) = delete;
    DaemonClient& operator=(const DaemonClient&) = delete;

    Result<InstanceInfo> attach(const AttachRequest& req) override;  // Attach
    Result<DetachResult> detach(std::string_view name) override;     // Detach
    Result<std::vector<InstanceInfo>> list() override;               // ListInstances
    Result<InstanceInfo> get(std::string_view name) override;        // GetInstance
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override;
    // EnableFile(path): the daemon enables files by path, so path must not be empty (EINVAL).
    Result<void> add_file(const FileKey& key, std::string_view path) override;
    // EnableFileWithCache(path, cache_bytes): the daemon records the size with the file.
    Result<void> add_file_sized(const FileKey& key, std::string_view path,
                                std::uint64_t cache_bytes) override;
    // DisableFile(path) with the path the Files property records for key: ENOENT when key is
    // not enabled, EINVAL when its entry has no path.
    Result<void> remove_file(const FileKey& key) override;
    Result<std::vector<FileEntry>> list_files() override;  // the Files property
    // From direct (EOPNOTSUPP without one).
    Result<std::unique_ptr<EventSource>> subscribe() override;
    Result<ModuleInfo> module_info() override;

    Result<PolicyStateView> policy();
    Result<void> reload_policy();
    Result<std::vector<daemon::DecisionRecord>> decisions();  // oldest first
    Result<InstanceInfo> restore_defaults(std::string_view name);
    Result<std::uint32_t> api_version();
    Result<std::string> daemon_version();

    // Whether mutations let polkit prompt (an agent must run); on by default. Off for
    // non-interactive use (--no-ask-password).
    void set_interactive_authorization(bool allow) { interactive_ = allow; }

private:
    DaemonClient(sd_bus* bus, std::unique_ptr<Control> direct);

    enum class Kind { kRead, kMutation };
    using Append = std::function<int(sd_bus_message*)>;
    // Calls interface.method with the arguments append writes (none when empty); the reply,
    // or the mapped error.
    Result<MessagePtr> invoke(const char* interface, const char* method, Kind kind,
                              const Append& append);
    Result<MessagePtr> call(const char* method, Kind kind, const Append& append = {});
    // Properties.Get: the reply, positioned inside the variant (of type sig).
    Result<MessagePtr> get_property(const char* property, const char* sig);
    static Result<InstanceInfo> instance_reply(Result<MessagePtr> reply);

    OwnedBusPtr bus_;
    std::unique_ptr<Control> direct_;
    bool interactive_ = true;
};

}  // namespace fastmap::dbus
