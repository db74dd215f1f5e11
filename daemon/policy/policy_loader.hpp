// SPDX-License-Identifier: GPL-2.0-only
// Loading the fastmapd policy: JSON files validated against config/fastmapd/policy.schema.json
// (embedded), layered (vendor file, admin file, drop-ins) as RFC 7386 merge patches, checked
// semantically, and decoded into a Policy (policy.hpp). Every problem is a PolicyIssue naming
// the file, line and column. Nothing here throws.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace fastmap::daemon {

struct PolicyIssue {
    std::string file;
    int line = 0;         // 1-based; 0 when the issue has no position (an unreadable file)
    int column = 0;       // 1-based, in characters
    std::string pointer;  // RFC 6901 pointer of the offending value ("" = the whole document)
    std::string message;  // complete, e.g. "/defaults/cache/max: must be at least ..."

    // "file:line:col: message" ("file: message" without a position).
    std::string str() const;
};

struct PolicyPaths {
    std::vector<std::filesystem::path> files;        // complete policies, in merge order
    std::vector<std::filesystem::path> dropin_dirs;  // *.json drop-ins; later dirs mask earlier
};

// files: /usr/lib/fastmap/fastmapd.json, /etc/fastmap/fastmapd.json;
// dropin_dirs: /usr/lib/fastmap/fastmapd.json.d, /etc/fastmap/fastmapd.json.d.
PolicyPaths default_policy_paths();
// The same layout below root (tests, fastmapd --root).
PolicyPaths policy_paths_under(const std::filesystem::path& root);

struct LoadResult {
    std::optional<Policy> policy;  // set when there are no issues
    std::vector<PolicyIssue> issues;

    bool ok() const { return policy.has_value() && issues.empty(); }
};

// The layered policy. Missing files and directories are fine (built-in defaults). The main
// files come first, then the drop-ins: every *.json file of every drop-in directory, where a
// name in a later directory masks the same name in an earlier one (a symlink to /dev/null masks
// without adding anything), applied in file-name order. Each file is checked on its own (syntax,
// duplicate keys, schema); the merged result is checked semantically, each error attributed to
// the file, line and column that last set the offending value. Policy::sources lists the files
// read, in merge order.
LoadResult load_policy(const PolicyPaths& paths);

// One file as a complete policy (fastmapctl policy validate); a missing file is an issue.
LoadResult load_policy_file(const std::filesystem::path& file);

// Text as a complete policy; filename is used in issues and Policy::sources.
LoadResult parse_policy(std::string_view text, std::string_view filename);

// The effective policy with every key set (sizes and durations as strings such as "16MiB" and
// "1s"). parse_policy(policy_to_json(p).dump(), f) gives p back, up to Policy::sources.
nlohmann::json policy_to_json(const Policy& policy);

}  // namespace fastmap::daemon
