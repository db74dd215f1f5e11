// SPDX-License-Identifier: GPL-2.0-only
// Instance parameters as `fastmapctl get` and `set` name them (KEY=VALUE, see docs/cli.md).
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "result.hpp"

namespace fastmap::cli {

struct Param {
    std::string_view key;       // as typed: "cache"
    std::string_view json_key;  // in JSON: "cache_bytes"
    bool settable;
    // For people: "512 MiB", "512 pages", "10%", "5 s", "/dev/sdb".
    std::string (*text)(const InstanceInfo& info);
    // For scripts and JSON: in the base unit (bytes, pages, %, ms), or a string.
    nlohmann::json (*value)(const InstanceInfo& info);
};

// In `get` order.
extern const std::array<Param, 8> kParams;

// The parameter called key; nullptr when there is none.
const Param* find_param(std::string_view key);

// "cache, batch, dirty_ratio, wb_interval"; with settable_only false, every key.
std::string param_keys(bool settable_only);

// Parses `set` arguments: KEY=VALUE each, keys from kParams that are settable, each at most
// once, at least one. Values are checked against the kernel's bounds. Errors (EINVAL) name the
// argument or key, e.g. "batch: 0 is outside 1..4096 pages".
Result<SetRequest> parse_assignments(const std::vector<std::string>& args);

}  // namespace fastmap::cli
