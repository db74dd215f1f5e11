// SPDX-License-Identifier: GPL-2.0-only
#include "schema_formats.hpp"

#include <cmath>
#include <cstdint>

#include "units.hpp"

namespace fastmap::daemon::policy_detail {
namespace {

bool is_whole(double v) {
    return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1.8e19;
}

std::string plain_number(double value) {
    if (is_whole(value) && std::fabs(value) < 1e15) {
        return std::to_string(static_cast<long long>(value));
    }
    return nlohmann::json(value).dump();
}

std::string shorten(std::string text) {
    constexpr std::size_t kMax = 60;
    if (text.size() > kMax) {
        text.resize(kMax);
        text += "...";
    }
    return text;
}

}  // namespace

bool is_known_format(std::string_view format) {
    return format == "size" || format == "duration" || format == "instance-name" ||
           format == "absolute-path" || format == "path-glob";
}

FormatCheck check_format(std::string_view format, const std::string& text) {
    FormatCheck check;
    if (format == "size") {
        auto bytes = parse_size(text);
        if (!bytes) {
            check.error = bytes.error().message;
        } else {
            check.numeric = static_cast<double>(*bytes);
        }
    } else if (format == "duration") {
        auto ms = parse_duration_ms(text);
        if (!ms) {
            check.error = ms.error().message;
        } else {
            check.numeric = static_cast<double>(*ms);
        }
    } else if (format == "instance-name") {
        if (auto ok = validate_name(text); !ok) {
            check.error = ok.error().message;
        }
    } else if (format == "absolute-path") {
        if (!text.starts_with('/')) {
            check.error = "must be an absolute path (starting with '/'), got " +
                          describe_value(nlohmann::json(text));
        }
    } else if (format == "path-glob") {
        if (!text.starts_with('/')) {
            check.error = "must be an absolute path glob (starting with '/'), got " +
                          describe_value(nlohmann::json(text));
        }
    }
    return check;
}

std::string render_number(std::string_view format, double value) {
    if (is_whole(value) && value >= 0) {
        if (format == "size") {
            return format_bytes(static_cast<std::uint64_t>(value));
        }
        if (format == "duration") {
            return format_duration_ms(static_cast<std::uint64_t>(value));
        }
    }
    return plain_number(value);
}

std::string format_expectation(std::string_view format) {
    if (format == "size") {
        return "a size (a string such as \"64M\" or \"1GiB\", or an integer number of bytes)";
    }
    if (format == "duration") {
        return "a duration (a string such as \"500ms\" or \"5s\", or an integer number of "
               "milliseconds)";
    }
    return "";
}

std::string describe_value(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::boolean:
            return value.get<bool>() ? "boolean true" : "boolean false";
        case nlohmann::json::value_t::string:
            return "string " + shorten(value.dump());
        case nlohmann::json::value_t::object:
            return "object";
        case nlohmann::json::value_t::array:
            return "array";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
            return "integer " + value.dump();
        default:
            return "number " + shorten(value.dump());
    }
}

}  // namespace fastmap::daemon::policy_detail
