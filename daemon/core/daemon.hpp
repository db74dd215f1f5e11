// SPDX-License-Identifier: GPL-2.0-only
// The daemon core: implements Api on top of the module (Control), the BPF telemetry and the
// policy engine. tick() runs once per policy interval: it observes, asks the engine, applies
// the decisions and records them. The module is the source of truth: the daemon keeps no
// instance state of its own across restarts (fail-static), only the engine's history and the
// operator's pins. The one exception is the enable table, which the kernel loses on reboot:
// the files fastmapd enables (for the policy, for an operator, by auto-enable) are kept in a
// state file and enabled again at start and when the module comes back (file_state.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "control.hpp"
#include "core/file_state.hpp"
#include "core/host.hpp"
#include "core/pin_state.hpp"
#include "engine/engine.hpp"
#include "files.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::daemon {

class Daemon final : public Api {
public:
    // telemetry may be null (no BPF): batch tuning and auto-enable then make no decisions.
    Daemon(Control& ctl, Host& host, Logger& log, PathResolver* paths = nullptr);
    ~Daemon() override;

    // Where the files fastmapd enables are persisted (state_file_under(root)), and beside it the
    // operator's pins (pin_file_beside()); empty, the default: not persisted. Set before start().
    void set_state_file(std::filesystem::path file) { state_file_ = std::move(file); }
    // The files fastmapd enabled (or will enable again), as the state file has them.
    const std::vector<PersistedFile>& persisted_files() const { return files_; }
    // The operator's pins, as the pin file has them.
    const std::vector<PersistedPin>& persisted_pins() const { return pins_; }

    // Loads the policy (an error lists every issue) and the state file, attaches the policy's
    // instances and enables the policy's and the state file's files.
    Result<void> start();
    // One policy interval.
    void tick();
    // Telemetry can come and go (the module's tracepoints exist only while it is loaded).
    void set_telemetry(telemetry::Telemetry* telemetry) { telemetry_ = telemetry; }
    // Every observation tick() makes is passed here (fastmapd --record-trace).
    void set_trace_sink(std::function<void(const Observation&)> sink) {
        trace_sink_ = std::move(sink);
    }
    std::uint32_t interval_ms() const;

    // Api
    Result<std::vector<InstanceInfo>> list() override;
    Result<InstanceInfo> get(std::string_view name) override;
    Result<std::vector<FileEntry>> files() override;
    PolicyState policy() const override;
    std::vector<DecisionRecord> decisions() const override;
    Result<InstanceInfo> attach(const AttachRequest& req) override;
    Result<DetachResult> detach(std::string_view name) override;
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override;
    Result<InstanceInfo> restore_defaults(std::string_view name) override;
    Result<void> enable_file(std::string_view path,
                             std::optional<std::uint64_t> cache_bytes) override;
    Result<void> disable_file(std::string_view path) override;
    Result<void> reload_policy() override;
    void set_listener(ApiListener* listener) override { listener_ = listener; }

private:
    Observation observe(const std::vector<InstanceInfo>& instances);
    void apply(const Decision& decision);
    void record(DecisionRecord rec);
    void attach_from_policy();
    void note_instances(const std::vector<InstanceInfo>& instances);
    void changed(std::string_view name, std::string_view change);
    // Files (daemon_files.cpp).
    void load_state();
    void save_state();
    // Enables what the policy's "files" and the state file name and is not in the module's
    // table; disables the policy's files the policy no longer lists. when: for the log.
    void apply_files(std::string_view when);
    // Resolves path and checks its file system (for files fastmapd enables on its own).
    Result<ResolvedFile> resolve_for_enable(const std::string& path);
    Result<void> add_to_table(const FileKey& key, const std::string& path,
                              std::optional<std::uint64_t> cache_bytes);
    // Drops the records of path or of key.
    void forget_file(std::string_view path, const std::optional<FileKey>& key);
    void remember_auto(const Decision& d);
    PersistedFile* find_file(std::string_view path);
    // Pins (daemon_pins.cpp): loaded into the engine at start, saved on every change.
    void load_pins();
    void save_pins();
    void remember_pin(std::string_view name, std::uint32_t id);
    void forget_pin(std::string_view name);
    // Drops the pins of instances that are gone or were attached again (another id).
    void check_pins(const std::vector<InstanceInfo>& instances);

    Control& ctl_;
    Host& host_;
    Logger& log_;
    telemetry::Telemetry* telemetry_ = nullptr;
    std::unique_ptr<Engine> engine_;
    std::string last_error_;
    std::deque<DecisionRecord> decisions_;
    ApiListener* listener_ = nullptr;
    std::function<void(const Observation&)> trace_sink_;
    // name -> id of the instances seen at the last tick (to report attach/detach by others)
    std::optional<std::map<std::string, std::uint32_t, std::less<>>> known_;
    bool module_missing_logged_ = false;
    std::filesystem::path state_file_;
    std::vector<PersistedFile> files_;  // in the order they were recorded
    std::vector<PersistedPin> pins_;
};

// "cache_bytes=1 GiB batch_pages=512" for logs and records.
std::string describe(const SetRequest& req);

}  // namespace fastmap::daemon
