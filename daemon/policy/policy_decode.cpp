// SPDX-License-Identifier: GPL-2.0-only
// JSON -> Policy, for documents the schema accepted (types and ranges are known to be right).
#include <cstdint>

#include "policy_internal.hpp"
#include "units.hpp"

namespace fastmap::daemon::policy_detail {
namespace {

using nlohmann::json;

std::uint64_t to_u64(const json& v) {
    return v.get<std::uint64_t>();
}

std::uint32_t to_u32(const json& v) {
    return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}

std::uint64_t to_bytes(const json& v) {
    return v.is_string() ? parse_size(v.get<std::string>()).value_or(0) : to_u64(v);
}

std::uint64_t to_ms(const json& v) {
    return v.is_string() ? parse_duration_ms(v.get<std::string>()).value_or(0) : to_u64(v);
}

// field = convert(obj[key]) when obj has key.
template <typename T, typename Convert>
void take(const json& obj, const char* key, T& field, Convert convert) {
    if (auto it = obj.find(key); it != obj.end()) {
        field = static_cast<T>(convert(*it));
    }
}

bool to_bool(const json& v) {
    return v.get<bool>();
}

double to_double(const json& v) {
    return v.get<double>();
}

std::vector<std::string> to_strings(const json& v) {
    return v.get<std::vector<std::string>>();
}

void decode_cache(const json& j, CachePolicy& c) {
    take(j, "enabled", c.enabled, to_bool);
    take(j, "min", c.min_bytes, to_bytes);
    take(j, "max", c.max_bytes, to_bytes);
    take(j, "step_percent", c.step_percent, to_u32);
    take(j, "grow_miss_ratio", c.grow_miss_ratio, to_double);
    take(j, "shrink_miss_ratio", c.shrink_miss_ratio, to_double);
    take(j, "shrink_psi_some_avg10", c.shrink_psi_some_avg10, to_double);
    take(j, "min_mem_available", c.min_mem_available_bytes, to_bytes);
    take(j, "hysteresis_intervals", c.hysteresis_intervals, to_u32);
    take(j, "cooldown_intervals", c.cooldown_intervals, to_u32);
    take(j, "min_faults", c.min_faults, to_u64);
}

void decode_batch(const json& j, BatchPolicy& b) {
    take(j, "enabled", b.enabled, to_bool);
    take(j, "min", b.min_pages, to_u32);
    take(j, "max", b.max_pages, to_u32);
    take(j, "target_evict_us", b.target_evict_us, to_u64);
    take(j, "max_fault_p99_us", b.max_fault_p99_us, to_u64);
    take(j, "hysteresis_intervals", b.hysteresis_intervals, to_u32);
    take(j, "cooldown_intervals", b.cooldown_intervals, to_u32);
}

void decode_instance(const json& j, InstancePolicy& p) {
    if (auto it = j.find("cache"); it != j.end()) {
        decode_cache(*it, p.cache);
    }
    if (auto it = j.find("batch"); it != j.end()) {
        decode_batch(*it, p.batch);
    }
}

AttachSpec decode_attach(const json& j) {
    AttachSpec a;
    a.name = j.at("name").get<std::string>();
    a.device = j.at("device").get<std::string>();
    a.cache_bytes = to_bytes(j.at("cache"));
    if (auto it = j.find("batch"); it != j.end()) {
        a.batch_pages = to_u32(*it);
    }
    return a;
}

FileSpec decode_file(const json& j) {
    FileSpec f;
    f.path = j.at("path").get<std::string>();
    if (auto it = j.find("cache"); it != j.end()) {
        f.cache_bytes = to_bytes(*it);
    }
    return f;
}

void decode_auto_enable(const json& j, AutoEnablePolicy& a) {
    take(j, "enabled", a.enabled, to_bool);
    take(j, "min_fault_rate", a.min_fault_rate, to_double);
    take(j, "window_intervals", a.window_intervals, to_u32);
    take(j, "allow", a.allow, to_strings);
    take(j, "deny", a.deny, to_strings);
    take(j, "max_files", a.max_files, to_u32);
}

}  // namespace

Policy decode_policy(const json& doc) {
    Policy p;
    take(doc, "version", p.version, to_u32);
    take(doc, "interval", p.interval_ms, to_ms);
    take(doc, "decision_history", p.decision_history, to_u32);
    if (auto it = doc.find("defaults"); it != doc.end()) {
        decode_instance(*it, p.defaults);
    }
    if (auto it = doc.find("instances"); it != doc.end()) {
        for (const auto& [name, value] : it->items()) {
            InstancePolicy inst = p.defaults;
            decode_instance(value, inst);
            p.instances.emplace(name, std::move(inst));
        }
    }
    if (auto it = doc.find("attach"); it != doc.end()) {
        for (const auto& entry : *it) {
            p.attach.push_back(decode_attach(entry));
        }
    }
    if (auto it = doc.find("files"); it != doc.end()) {
        for (const auto& entry : *it) {
            p.files.push_back(decode_file(entry));
        }
    }
    if (auto it = doc.find("auto_enable"); it != doc.end()) {
        decode_auto_enable(*it, p.auto_enable);
    }
    return p;
}

}  // namespace fastmap::daemon::policy_detail
