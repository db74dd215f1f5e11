// SPDX-License-Identifier: GPL-2.0-only
// config/fastmapd/policy.schema.json, embedded in the library at build time: the validator
// interprets the very file that is installed, so schema and code cannot drift.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace fastmap::daemon {

// The schema text, byte for byte (generated from the source file by embed_schema.cmake).
std::string_view policy_schema_text();

// The schema, parsed once (a discarded value if the embedded text does not parse, which the
// unit tests rule out).
const nlohmann::json& policy_schema();

}  // namespace fastmap::daemon
