// SPDX-License-Identifier: GPL-2.0-only
// The daemon core: implements Api on top of the module (Control), the BPF telemetry and the
// policy engine. tick() runs once per policy interval: it observes, asks the engine, applies
// the decisions and records them. The module is the source of truth: the daemon keeps no
// instance state of its own across restarts (fail-static), only the engine's history and the
// operator's pins.
#pragma once

#include <cstdint>
#include <deque>
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
#include "core/host.hpp"
#include "engine/engine.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::daemon {

class Daemon final : public Api {
public:
    // telemetry may be null (no BPF): batch tuning and auto-enable then make no decisions.
    Daemon(Control& ctl, Host& host, Logger& log, PathResolver* paths = nullptr);
    ~Daemon() override;

    // Loads the policy (an error lists every issue) and attaches the policy's instances.
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
    Result<void> enable_file(std::string_view path) override;
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
};

// "cache_bytes=1 GiB batch_pages=512" for logs and records.
std::string describe(const SetRequest& req);

}  // namespace fastmap::daemon
