// SPDX-License-Identifier: GPL-2.0-only
// The daemon's BPF telemetry, which comes and goes with the module: the fastmap programs attach
// to the module's tracepoints, which exist only while fastmap.ko is loaded. The holder retries
// (at most every retry_ms) until the fastmap group is attached too.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/host.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::daemon {

class TelemetryHolder {
public:
    // Opens and attaches a Telemetry with the given groups (the BPF loader, or a fake).
    using Factory =
        std::function<Result<std::unique_ptr<telemetry::Telemetry>>(telemetry::Programs which)>;
    // Whether the module's tracepoints exist now.
    using Probe = std::function<bool()>;

    TelemetryHolder(Factory factory, Probe module_present, Logger& log,
                    std::uint64_t retry_ms = 30000)
        : factory_(std::move(factory)),
          module_present_(std::move(module_present)),
          log_(log),
          retry_ms_(retry_ms) {}

    // The current telemetry (null when none could be attached). Call once per tick.
    telemetry::Telemetry* get(std::uint64_t now_ms);

private:
    Factory factory_;
    Probe module_present_;
    Logger& log_;
    std::uint64_t retry_ms_;
    std::unique_ptr<telemetry::Telemetry> current_;
    std::uint64_t last_try_ms_ = 0;
    bool tried_ = false;
    std::string last_error_;
};

}  // namespace fastmap::daemon
