// SPDX-License-Identifier: GPL-2.0-only
// Traces: the engine's input (one Observation per line, JSON lines) as fastmapd records it with
// --record-trace, for replaying in tests. The format is documented in docs/engine.md.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "result.hpp"

namespace fastmap::daemon {

// One line of a trace (dump() it and append '\n'). Instances use the fastmapctl --json schema
// (lib/json.hpp) under "info"; histograms are arrays of [slot, count] pairs of non-empty slots.
nlohmann::json observation_to_json(const Observation& obs);

// The inverse. Missing keys take their defaults (traces stay readable when fields are added);
// wrong types and out-of-range values are EINVAL, with the key in the message.
Result<Observation> observation_from_json(const nlohmann::json& j);

// Every observation of a JSON-lines text; blank lines are skipped. Errors name the line.
Result<std::vector<Observation>> parse_trace(std::string_view text);
Result<std::vector<Observation>> read_trace(const std::filesystem::path& path);

}  // namespace fastmap::daemon
