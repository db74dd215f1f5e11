// SPDX-License-Identifier: GPL-2.0-only
// The "format" values the schema interpreter asserts (schema_validator.hpp), and how numbers of
// each format are shown in messages.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace fastmap::daemon::policy_detail {

bool is_known_format(std::string_view format);

struct FormatCheck {
    std::string error;              // empty: valid
    std::optional<double> numeric;  // size/duration strings: the parsed bytes/milliseconds
};

// Checks a string instance against format (an unknown format accepts everything).
FormatCheck check_format(std::string_view format, const std::string& text);

// A bound or a value as shown in messages: "256 KiB" (size), "100 ms" (duration), "0.5".
std::string render_number(std::string_view format, double value);

// What a type error says the value should be, e.g. `a size ("64M", "1GiB" or integer bytes)`;
// empty for formats without a special description.
std::string format_expectation(std::string_view format);

// A short description of a JSON value for messages: `string "abc"`, `boolean true`, `object`.
std::string describe_value(const nlohmann::json& value);

}  // namespace fastmap::daemon::policy_detail
