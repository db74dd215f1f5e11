// SPDX-License-Identifier: GPL-2.0-only
// Stable JSON renderings of fastmap state (schema in docs/cli.md).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "control.hpp"

namespace fastmap {

// {"faults": .., "hits": .., ...}: every counter of enum fastmap_stat, snake_case.
nlohmann::json stats_to_json(const Stats& stats);

// {"name", "id", "device", "dev": "8:16", "size_bytes", "cache_bytes", "batch_pages",
//  "dirty_ratio", "wb_interval_ms", "open_count", "stats": {...}}, plus for a per-file instance
//  "file": {"path", "dev": "8:1", "ino"} (absent for block device instances)
nlohmann::json instance_to_json(const InstanceInfo& info);

// `fastmapctl list --json`: {"instances": [instance, ...]}
nlohmann::json list_to_json(const std::vector<InstanceInfo>& instances);

// `fastmapctl stats NAME --json`: instance_to_json() plus top-level aliases for dashboards:
// faults, hits, evictions, shootdowns, writeback_pages (= stats.wb_pages) and dirty_pages
// (= stats.dirty_pages, in pages); cache_bytes is already top-level.
nlohmann::json stats_report_to_json(const InstanceInfo& info);

// {"dev": "8:1", "ino": 1234, "path": "/data/db", "instance": "f801.4d2" or "" (none)}, plus
// "cache_bytes" when entry.cache_bytes is known
nlohmann::json file_entry_to_json(const FileEntry& entry);

// `fastmapctl files --json`: {"files": [entry, ...]}
nlohmann::json files_to_json(const std::vector<FileEntry>& files);

// {"event": "attached", "name": "db0", "value": 0}. An event type this library does not know
// is {"event": "unknown", "code": N, ...}.
nlohmann::json event_to_json(const Event& event);

}  // namespace fastmap
