// SPDX-License-Identifier: GPL-2.0-only
// The pieces of the policy loader (policy_loader.hpp), shared between its source files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_index.hpp"
#include "policy/policy.hpp"
#include "policy_loader.hpp"

namespace fastmap::daemon::policy_detail {

// One file: parsed, indexed and valid against the schema on its own.
struct Layer {
    std::string file;
    nlohmann::json doc;
    JsonIndex index;
};

// Parses text as one policy file. Appends its syntax, duplicate-key and schema issues to issues
// and returns the layer only when there are none.
std::optional<Layer> parse_layer(std::string_view text, const std::string& file,
                                 std::vector<PolicyIssue>& issues);

// Where a value of the merged document was last set.
struct Origin {
    std::size_t layer = 0;  // merge order, 0 = first file
    std::string file;
    TextPos pos;  // of the value
};
using Origins = std::map<std::string, Origin, std::less<>>;

// RFC 7386: applies layer.doc as a merge patch to merged and records the origin of every value
// the patch sets.
void merge_layer(nlohmann::json& merged, Origins& origins, const Layer& layer,
                 std::size_t layer_no);

// The Policy a schema-valid document describes (keys it does not set keep their defaults;
// instances are merged over the defaults).
Policy decode_policy(const nlohmann::json& doc);

// Checks the schema cannot express (min <= max, shrink < grow, unique attach names and files).
// fallback_file names issues whose values no file set.
std::vector<PolicyIssue> check_policy(const nlohmann::json& doc, const Policy& policy,
                                      const Origins& origins, std::string_view fallback_file);

PolicyIssue make_issue(const std::string& file, std::optional<TextPos> pos,
                       const std::string& pointer, std::string message);

// Sizes and durations as policy_to_json() writes them: "16MiB" (a whole number of KiB, MiB,
// GiB or TiB) or an integer number of bytes; "2min", "1s", "250ms".
nlohmann::json size_to_json(std::uint64_t bytes);
nlohmann::json duration_to_json(std::uint64_t ms);

}  // namespace fastmap::daemon::policy_detail
