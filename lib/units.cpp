// SPDX-License-Identifier: GPL-2.0-only
#include "units.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <limits>

#include "fastmap.h"

namespace fastmap {
namespace {

using u128 = unsigned __int128;

constexpr u128 kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr int kMaxFractionDigits = 19;  // 10^19 * 2^40 still fits in 128 bits

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Multiplier of a (case-insensitive) suffix; 0 when unknown.
std::uint64_t suffix_multiplier(std::string_view suffix) {
    struct Unit {
        std::string_view shortname;
        std::string_view iec;
        std::uint64_t mult;
    };
    static constexpr std::array<Unit, 5> kUnits{{
        {"b", "b", 1},
        {"k", "kib", 1ULL << 10},
        {"m", "mib", 1ULL << 20},
        {"g", "gib", 1ULL << 30},
        {"t", "tib", 1ULL << 40},
    }};
    if (suffix.empty()) {
        return 1;
    }
    for (const auto& u : kUnits) {
        if (iequals(suffix, u.shortname) || iequals(suffix, u.iec)) {
            return u.mult;
        }
    }
    return 0;
}

Error size_error(int code, std::string_view text, std::string_view why) {
    return Error{code, "invalid size '" + std::string(text) + "': " + std::string(why)};
}

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto uc = static_cast<unsigned char>(c);
        if (uc < 0x20 || uc >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", uc);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
    if (text.empty()) {
        return Error{EINVAL, "invalid size '': empty"};
    }
    const std::string shown = printable(text);
    if (text.front() == '-') {
        return size_error(EINVAL, shown, "negative sizes are not allowed");
    }
    std::size_t pos = 0;
    u128 whole = 0;
    bool overflow = false;
    while (pos < text.size() && is_digit(text[pos])) {
        whole = whole * 10 + static_cast<unsigned>(text[pos] - '0');
        if (whole > kU64Max) {
            overflow = true;
            whole = kU64Max + 1;  // keep it bounded; the value is rejected below
        }
        ++pos;
    }
    if (pos == 0) {
        return size_error(EINVAL, shown, "expected a number, optionally followed by K, M, G or T");
    }

    u128 fraction = 0;
    u128 scale = 1;  // 10^(significant fraction digits)
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        while (pos < text.size() && is_digit(text[pos])) {
            ++pos;
        }
        if (pos == start) {
            return size_error(EINVAL, shown, "expected digits after '.'");
        }
        std::string_view digits = text.substr(start, pos - start);
        while (!digits.empty() && digits.back() == '0') {
            digits.remove_suffix(1);
        }
        if (digits.size() > kMaxFractionDigits) {
            return size_error(EINVAL, shown, "too many digits after '.'");
        }
        for (char c : digits) {
            fraction = fraction * 10 + static_cast<unsigned>(c - '0');
            scale *= 10;
        }
    }

    while (pos < text.size() && text[pos] == ' ') {
        ++pos;
    }
    const std::string_view suffix = text.substr(pos);
    const std::uint64_t mult = suffix_multiplier(suffix);
    if (mult == 0) {
        return size_error(EINVAL, shown,
                          "unknown suffix '" + printable(suffix) +
                              "' (use K, M, G, T or KiB, MiB, GiB, TiB; 1024-based)");
    }

    if (overflow || whole > kU64Max / mult) {
        return size_error(ERANGE, shown, "too large (the maximum is 2^64-1 bytes)");
    }
    const u128 frac_bytes = fraction * mult;
    if (frac_bytes % scale != 0) {
        return size_error(EINVAL, shown, "not a whole number of bytes");
    }
    const u128 total = whole * mult + frac_bytes / scale;
    if (total > kU64Max) {
        return size_error(ERANGE, shown, "too large (the maximum is 2^64-1 bytes)");
    }
    return static_cast<std::uint64_t>(total);
}

std::string format_bytes(std::uint64_t bytes) {
    static constexpr std::array<const char*, 7> kUnits{"B",   "KiB", "MiB", "GiB",
                                                       "TiB", "PiB", "EiB"};
    std::size_t unit = 0;
    while (unit + 1 < kUnits.size() && bytes >= (1ULL << (10 * (unit + 1)))) {
        ++unit;
    }
    const std::uint64_t base = 1ULL << (10 * unit);
    char buf[48];
    if (bytes % base == 0) {
        std::snprintf(buf, sizeof(buf), "%llu %s", static_cast<unsigned long long>(bytes / base),
                      kUnits[unit]);
        return buf;
    }
    const double value = static_cast<double>(bytes) / static_cast<double>(base);
    std::snprintf(buf, sizeof(buf), "%.2f", value);
    std::string number(buf);
    while (number.back() == '0') {
        number.pop_back();
    }
    if (number.back() == '.') {
        number.pop_back();
    }
    if (number == "1024" && unit + 1 < kUnits.size()) {
        return std::string("1 ") + kUnits[unit + 1];
    }
    return number + " " + kUnits[unit];
}

namespace {

// Leading decimal digits of text as a number; pos is left after them. False on overflow.
bool leading_number(std::string_view text, std::size_t& pos, std::uint64_t& value) {
    u128 v = 0;
    pos = 0;
    while (pos < text.size() && is_digit(text[pos])) {
        v = v * 10 + static_cast<unsigned>(text[pos] - '0');
        if (v > kU64Max) {
            return false;
        }
        ++pos;
    }
    value = static_cast<std::uint64_t>(v);
    return true;
}

}  // namespace

Result<std::uint64_t> parse_count(std::string_view text) {
    const std::string shown = printable(text);
    std::size_t pos = 0;
    std::uint64_t value = 0;
    if (!leading_number(text, pos, value)) {
        return Error{ERANGE, "invalid number '" + shown + "': too large"};
    }
    if (pos == 0 || pos != text.size()) {
        return Error{EINVAL, "invalid number '" + shown + "': expected a whole number"};
    }
    return value;
}

Result<std::uint64_t> parse_percent(std::string_view text) {
    const std::string shown = printable(text);
    std::size_t pos = 0;
    std::uint64_t value = 0;
    if (!leading_number(text, pos, value)) {
        return Error{ERANGE, "invalid percentage '" + shown + "': too large"};
    }
    const std::string_view rest = text.substr(pos);
    if (pos == 0 || !(rest.empty() || rest == "%")) {
        return Error{EINVAL, "invalid percentage '" + shown +
                                 "': expected a whole number, optionally followed by %"};
    }
    return value;
}

Result<std::uint64_t> parse_duration_ms(std::string_view text) {
    const std::string shown = printable(text);
    if (iequals(text, "off")) {
        return std::uint64_t{0};
    }
    std::size_t pos = 0;
    std::uint64_t value = 0;
    if (!leading_number(text, pos, value)) {
        return Error{ERANGE, "invalid duration '" + shown + "': too large"};
    }
    if (pos == 0) {
        return Error{EINVAL, "invalid duration '" + shown +
                                 "': expected a whole number, optionally followed by ms, s, "
                                 "min or h"};
    }
    // Spaces before the unit, as parse_size() allows: format_duration_ms() output parses back.
    std::size_t unit_at = pos;
    while (unit_at < text.size() && text[unit_at] == ' ') {
        ++unit_at;
    }
    const std::string_view suffix = text.substr(unit_at);
    if (unit_at != pos && suffix.empty()) {
        return Error{EINVAL, "invalid duration '" + shown + "': trailing spaces"};
    }
    std::uint64_t mult = 0;
    if (suffix.empty() || iequals(suffix, "ms")) {
        mult = 1;
    } else if (iequals(suffix, "s")) {
        mult = 1000;
    } else if (iequals(suffix, "min")) {
        mult = 60 * 1000;
    } else if (iequals(suffix, "h")) {
        mult = 60 * 60 * 1000;
    } else {
        return Error{EINVAL, "invalid duration '" + shown + "': unknown unit '" +
                                 printable(suffix) + "' (use ms, s, min or h)"};
    }
    if (value > std::numeric_limits<std::uint64_t>::max() / mult) {
        return Error{ERANGE, "invalid duration '" + shown + "': too large"};
    }
    return value * mult;
}

std::string format_duration_ms(std::uint64_t ms) {
    if (ms == 0) {
        return "off";
    }
    if (ms % (60 * 60 * 1000) == 0) {
        return std::to_string(ms / (60 * 60 * 1000)) + " h";
    }
    if (ms % (60 * 1000) == 0) {
        return std::to_string(ms / (60 * 1000)) + " min";
    }
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + " s";
    }
    return std::to_string(ms) + " ms";
}

Result<void> validate_name(std::string_view name) {
    constexpr std::size_t kMaxLen = FASTMAP_NAME_MAX - 1;
    if (name.empty()) {
        return Error{EINVAL, "instance name is empty"};
    }
    const std::string shown = printable(name);
    if (name.size() > kMaxLen) {
        return Error{EINVAL, "instance name '" + shown + "' is too long (" +
                                 std::to_string(name.size()) + " characters; at most " +
                                 std::to_string(kMaxLen) + ")"};
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
                        c == '_' || c == '.' || c == '-';
        if (!ok) {
            return Error{EINVAL, "instance name '" + shown + "' contains '" +
                                     printable(std::string_view(&c, 1)) +
                                     "' (allowed: A-Z a-z 0-9 _ . -)"};
        }
    }
    if (name == "." || name == "..") {
        return Error{EINVAL, "instance name '" + shown + "' is not allowed"};
    }
    if (name == "control") {
        return Error{EINVAL, "instance name 'control' is reserved"};
    }
    return {};
}

}  // namespace fastmap
