// SPDX-License-Identifier: GPL-2.0-only
// A small JSON Schema (draft 2020-12) interpreter for the subset policy.schema.json uses:
//   type (a name or an array of names), const, enum, $ref ("#/..." within the same document),
//   properties, additionalProperties (false or a schema), required, propertyNames,
//   minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern,
//   items, minItems, maxItems, format.
// Annotations ($schema, $id, $comment, $defs, title, description, default, examples) are ignored.
// Formats are asserted:
//   size           a string parse_size() accepts; minimum/maximum apply to the parsed bytes
//   duration       a string parse_duration_ms() accepts; minimum/maximum apply to the milliseconds
//   instance-name  validate_name()
//   absolute-path  starts with '/'
//   path-glob      starts with '/'
// Integers carrying such a format are bytes / milliseconds already.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fastmap::daemon::policy_detail {

struct SchemaError {
    std::string pointer;  // instance location (RFC 6901)
    std::string message;  // complete for key errors; otherwise shown after the pointer
    bool at_key = false;  // about the member's key (unknown key, invalid name), not its value
};

// Validates instance against schema (the root of the schema document, for $ref).
std::vector<SchemaError> validate_against_schema(const nlohmann::json& schema,
                                                 const nlohmann::json& instance);

// Keywords and formats in schema this interpreter does not implement, and $refs it cannot
// resolve, as "pointer: what". Empty for a schema it fully understands.
std::vector<std::string> unsupported_schema_features(const nlohmann::json& schema);

// The closest of candidates to word (edit distance at most about a third of its length), or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace fastmap::daemon::policy_detail
