// SPDX-License-Identifier: GPL-2.0-only
// JSON of the monitoring verbs' samples: `top --once --json` frames and `stats --watch --json`
// lines (schemas in docs/schema/top.schema.json and stats-watch.schema.json).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api.hpp"
#include "control.hpp"
#include "monitor.hpp"

namespace fastmap::cli {

// {"faults_per_s", "hits_per_s", "misses_per_s", "evictions_per_s", "shootdowns_per_s",
//  "wb_pages_per_s", "read_ios_per_s", "wb_bios_per_s", "iops"}; null when absent (the instance
// appeared during the interval).
nlohmann::json rates_to_json(const std::optional<Rates>& rates);

// One instance over one interval, as `top` and `stats --watch` show it.
struct InstanceSample {
    InstanceInfo info;
    std::optional<Rates> rates;  // nullopt: not in the previous sample
    std::optional<std::uint64_t> p50_ns;
    std::optional<std::uint64_t> p99_ns;
};

// {"name", "id", "device", "dev", ["file"], "cache_bytes", "dirty_bytes", "cached_bytes",
//  "used_percent", "hit_percent" (null without faults), "rates"}
nlohmann::json instance_sample_to_json(const InstanceSample& sample);

// A `top` frame.
struct TopFrame {
    double interval_s = 0;
    std::vector<InstanceSample> instances;
    bool latency_available = false;
    std::string latency_reason;                   // why not, when unavailable
    std::optional<std::vector<FileEntry>> files;  // nullopt: the table could not be read
    bool daemon_running = false;
    std::vector<daemon::DecisionRecord> decisions;  // the most recent, oldest first
    std::string daemon_error;                       // fastmapd runs but did not answer
};

// {"interval_s", "instances": [sample + "fault_latency_ns": {"p50", "p99"}],
//  "fault_latency": {"available", ["reason"]}, "enabled_files": {"count", "files"},
//  "fastmapd": {"running", "decisions", ["error"]}}
nlohmann::json top_frame_to_json(const TopFrame& frame);

// One `stats --watch --json` line: {"time_s", "instances": [sample, ...]}
nlohmann::json watch_sample_to_json(double time_s, const std::vector<InstanceSample>& samples);

}  // namespace fastmap::cli
