// SPDX-License-Identifier: GPL-2.0-only
// Turns the raw per-CPU map values of bpf/fastmap_tp.h into the summed Telemetry types. Shared by
// BpfTelemetry and the test fake, so both sum the same way.
#pragma once

#include <optional>
#include <span>

#include "fastmap_tp.h"
#include "telemetry/histogram.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::telemetry {

// One instance slot over all CPUs; nullopt when no CPU counted anything there. If ids collided
// in the slot (id % FM_MAX_INSTANCES), the largest id is reported.
std::optional<InstanceCounters> sum_instance(std::span<const fm_instance_stats> percpu);
Histogram sum_fault_latency(std::span<const fm_instance_stats> percpu);
Histogram sum_evict_latency(std::span<const fm_instance_stats> percpu);
// Whether a CPU counted instance id in this slot.
bool slot_has_id(std::span<const fm_instance_stats> percpu, std::uint32_t id);

FileCounters sum_file(const fm_file_key& key, std::span<const fm_file_stats> percpu);
Drops sum_drops(std::span<const fm_global_stats> percpu);

Event to_event(const fm_event& raw);

inline std::uint32_t instance_slot(std::uint32_t id) {
    return id % FM_MAX_INSTANCES;
}

}  // namespace fastmap::telemetry
