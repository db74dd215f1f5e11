// SPDX-License-Identifier: GPL-2.0-only
// What happened to an instance between two observations: differences of cumulative counters.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/engine.hpp"
#include "telemetry/histogram.hpp"

namespace fastmap::daemon::detail {

struct Interval {
    // Module counters (always present).
    std::uint64_t faults = 0;
    std::uint64_t misses = 0;
    std::uint64_t evict_stalls = 0;
    // BPF counters: nullopt unless both observations carry them for the same instance id and
    // none went backwards (the BPF maps were reset).
    std::optional<std::uint64_t> evict_batches;
    std::optional<std::uint64_t> evict_ns;
    std::optional<telemetry::Histogram> fault_latency;  // the faults of this interval only

    // Mean eviction-batch duration (ns); nullopt without BPF counters or batches.
    std::optional<std::uint64_t> mean_evict_ns() const;
};

// Whether cur is a new attachment of prev's name: another id, or a module counter that went
// backwards (detached and attached again between two ticks).
bool reattached(const InstanceObservation& prev, const InstanceObservation& cur);

// The interval from prev to cur; call only when !reattached(prev, cur).
Interval make_interval(const InstanceObservation& prev, const InstanceObservation& cur);

// cur - prev slot by slot; nullopt when a slot went backwards.
std::optional<telemetry::Histogram> histogram_delta(const telemetry::Histogram& prev,
                                                    const telemetry::Histogram& cur);

}  // namespace fastmap::daemon::detail
