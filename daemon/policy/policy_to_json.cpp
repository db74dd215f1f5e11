// SPDX-License-Identifier: GPL-2.0-only
// Policy -> JSON: the effective policy, every key set, in the format the loader reads.
#include <array>
#include <cstdint>

#include "policy_internal.hpp"

namespace fastmap::daemon {
namespace {

using nlohmann::json;
using policy_detail::duration_to_json;
using policy_detail::size_to_json;

json cache_to_json(const CachePolicy& c) {
    return json{{"enabled", c.enabled},
                {"min", size_to_json(c.min_bytes)},
                {"max", size_to_json(c.max_bytes)},
                {"step_percent", c.step_percent},
                {"grow_miss_ratio", c.grow_miss_ratio},
                {"shrink_miss_ratio", c.shrink_miss_ratio},
                {"shrink_psi_some_avg10", c.shrink_psi_some_avg10},
                {"min_mem_available", size_to_json(c.min_mem_available_bytes)},
                {"hysteresis_intervals", c.hysteresis_intervals},
                {"cooldown_intervals", c.cooldown_intervals},
                {"min_faults", c.min_faults}};
}

json batch_to_json(const BatchPolicy& b) {
    return json{{"enabled", b.enabled},
                {"min", b.min_pages},
                {"max", b.max_pages},
                {"target_evict_us", b.target_evict_us},
                {"max_fault_p99_us", b.max_fault_p99_us},
                {"hysteresis_intervals", b.hysteresis_intervals},
                {"cooldown_intervals", b.cooldown_intervals}};
}

json instance_to_json(const InstancePolicy& p) {
    return json{{"cache", cache_to_json(p.cache)}, {"batch", batch_to_json(p.batch)}};
}

json attach_to_json(const AttachSpec& a) {
    json j{{"name", a.name}, {"device", a.device}, {"cache", size_to_json(a.cache_bytes)}};
    if (a.batch_pages) {
        j["batch"] = *a.batch_pages;
    }
    return j;
}

json file_to_json(const FileSpec& f) {
    json j{{"path", f.path}};
    if (f.cache_bytes) {
        j["cache"] = size_to_json(*f.cache_bytes);
    }
    return j;
}

json auto_enable_to_json(const AutoEnablePolicy& a) {
    return json{{"enabled", a.enabled},
                {"min_fault_rate", a.min_fault_rate},
                {"window_intervals", a.window_intervals},
                {"allow", a.allow},
                {"deny", a.deny},
                {"max_files", a.max_files}};
}

}  // namespace

namespace policy_detail {

json size_to_json(std::uint64_t bytes) {
    static constexpr std::array<std::pair<int, const char*>, 4> kUnits{
        {{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}};
    if (bytes != 0) {
        for (const auto& [shift, suffix] : kUnits) {
            const std::uint64_t unit = 1ULL << shift;
            if (bytes % unit == 0) {
                return std::to_string(bytes / unit) + suffix;
            }
        }
    }
    return bytes;
}

json duration_to_json(std::uint64_t ms) {
    if (ms != 0) {
        if (ms % 3600000 == 0) {
            return std::to_string(ms / 3600000) + "h";
        }
        if (ms % 60000 == 0) {
            return std::to_string(ms / 60000) + "min";
        }
        if (ms % 1000 == 0) {
            return std::to_string(ms / 1000) + "s";
        }
    }
    return std::to_string(ms) + "ms";
}

}  // namespace policy_detail

json policy_to_json(const Policy& policy) {
    json instances = json::object();
    for (const auto& [name, inst] : policy.instances) {
        instances[name] = instance_to_json(inst);
    }
    json attach = json::array();
    for (const auto& a : policy.attach) {
        attach.push_back(attach_to_json(a));
    }
    json files = json::array();
    for (const auto& f : policy.files) {
        files.push_back(file_to_json(f));
    }
    return json{{"version", policy.version},
                {"interval", duration_to_json(policy.interval_ms)},
                {"decision_history", policy.decision_history},
                {"defaults", instance_to_json(policy.defaults)},
                {"instances", std::move(instances)},
                {"attach", std::move(attach)},
                {"files", std::move(files)},
                {"auto_enable", auto_enable_to_json(policy.auto_enable)}};
}

}  // namespace fastmap::daemon
