// SPDX-License-Identifier: GPL-2.0-only
#include "telemetry/telemetry.hpp"

namespace fastmap::telemetry {

Result<std::optional<InstanceSample>> Telemetry::instance_sample(std::uint32_t id, bool latency) {
    auto all = instances();
    if (!all) {
        return all.error();
    }
    for (const InstanceCounters& c : *all) {
        if (c.id != id) {
            continue;
        }
        InstanceSample sample;
        sample.counters = c;
        if (latency) {
            auto fault = fault_latency(id);
            if (!fault) {
                return fault.error();
            }
            auto evict = evict_latency(id);
            if (!evict) {
                return evict.error();
            }
            sample.fault_latency = *fault;
            sample.evict_latency = *evict;
        }
        return std::optional<InstanceSample>(sample);
    }
    return std::optional<InstanceSample>();
}

}  // namespace fastmap::telemetry
