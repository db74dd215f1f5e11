// SPDX-License-Identifier: GPL-2.0-only
// The fastmapd policy as the daemon uses it, after loading, merging and validation
// (policy_loader.hpp). The JSON format is described by config/fastmapd/policy.schema.json and
// docs/policy.md; every default below is the value used when the policy does not set the key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastmap::daemon {

// Dynamic cache sizing of one instance ("cache" object).
struct CachePolicy {
    bool enabled = true;
    std::uint64_t min_bytes = 16ULL << 20;  // "min": never shrink below (size)
    std::uint64_t max_bytes = 1ULL << 30;   // "max": never grow above (size)
    std::uint32_t step_percent = 25;        // "step_percent": change by this % of the size
    double grow_miss_ratio = 0.10;          // "grow_miss_ratio": grow while misses/faults >
    double shrink_miss_ratio = 0.01;        // "shrink_miss_ratio": give memory back while <
    double shrink_psi_some_avg10 = 10.0;    // "shrink_psi_some_avg10": shrink while memory PSI
                                            // some avg10 (%) >
    std::uint64_t min_mem_available_bytes = 256ULL << 20;  // "min_mem_available": shrink while
                                                           // MemAvailable <, never grow below
    std::uint32_t hysteresis_intervals = 3;  // "hysteresis_intervals": a condition must hold
                                             // this many consecutive intervals
    std::uint32_t cooldown_intervals = 5;    // "cooldown_intervals": quiet time after a change
    std::uint64_t min_faults = 100;          // "min_faults": fewer faults in an interval = idle,
                                             // no miss-ratio decision

    bool operator==(const CachePolicy&) const = default;
};

// Eviction-batch tuning of one instance ("batch" object).
struct BatchPolicy {
    bool enabled = true;
    std::uint32_t min_pages = 64;           // "min"
    std::uint32_t max_pages = 2048;         // "max"
    std::uint64_t target_evict_us = 2000;   // "target_evict_us": mean eviction-batch latency
                                            // above this halves the batch
    std::uint64_t max_fault_p99_us = 5000;  // "max_fault_p99_us": fault p99 above this (with
                                            // eviction stalls) doubles the batch
    std::uint32_t hysteresis_intervals = 3;
    std::uint32_t cooldown_intervals = 5;

    bool operator==(const BatchPolicy&) const = default;
};

struct InstancePolicy {
    CachePolicy cache;
    BatchPolicy batch;

    bool operator==(const InstancePolicy&) const = default;
};

// An instance fastmapd attaches when it starts (and after a reload) if it is not attached yet
// ("attach" array).
struct AttachSpec {
    std::string name;
    std::string device;
    std::uint64_t cache_bytes = 0;
    std::optional<std::uint32_t> batch_pages;

    bool operator==(const AttachSpec&) const = default;
};

// A file fastmapd puts into the module's enable table at start, after a reload and when the
// module comes back ("files" array). Named by path: (st_dev, st_ino) are looked up each time,
// since they can change across reboots.
struct FileSpec {
    std::string path;                          // "path": absolute
    std::optional<std::uint64_t> cache_bytes;  // "cache": the file instance's cache (size);
                                               // unset: the module's default (file_cache_mb)

    bool operator==(const FileSpec&) const = default;
};

// Per-file auto-enable ("auto_enable" object).
struct AutoEnablePolicy {
    bool enabled = false;
    double min_fault_rate = 1000.0;       // "min_fault_rate": stock-mmap faults/s over the window
    std::uint32_t window_intervals = 10;  // "window_intervals"
    std::vector<std::string> allow = {"/**"};  // "allow": path globs (* within a component,
                                               // ** across components, ?)
    std::vector<std::string> deny = {"/proc/**", "/sys/**", "/dev/**", "/run/**",
                                     "/usr/**"};  // "deny": wins over allow
    std::uint32_t max_files = 64;                 // "max_files": enabled by the daemon at most

    bool operator==(const AutoEnablePolicy&) const = default;
};

struct Policy {
    std::uint32_t version = 1;             // "version": format version, must be 1
    std::uint32_t interval_ms = 1000;      // "interval": policy interval (duration)
    std::uint32_t decision_history = 100;  // "decision_history": decisions kept for D-Bus
    InstancePolicy defaults;               // "defaults"
    // "instances": per-instance overrides, already merged over "defaults".
    std::map<std::string, InstancePolicy, std::less<>> instances;
    std::vector<AttachSpec> attach;
    std::vector<FileSpec> files;  // "files"
    AutoEnablePolicy auto_enable;
    // Files the policy was read from, in merge order (empty: built-in defaults only).
    std::vector<std::string> sources;

    const InstancePolicy& for_instance(std::string_view name) const {
        auto it = instances.find(name);
        return it == instances.end() ? defaults : it->second;
    }
    bool operator==(const Policy&) const = default;
};

}  // namespace fastmap::daemon
