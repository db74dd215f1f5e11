// SPDX-License-Identifier: GPL-2.0-only
// Sizes and names as users type them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"

namespace fastmap {

// "4096", "4k", "512M", "512MiB", "1.5G", "2 TiB" -> bytes. Suffixes are binary (1024-based),
// case-insensitive: B, K, M, G, T, KiB, MiB, GiB, TiB. A fraction is accepted only when the
// result is a whole number of bytes. Errors (EINVAL, ERANGE) carry a message naming the input.
Result<std::uint64_t> parse_size(std::string_view text);

// 536870912 -> "512 MiB", 1610612736 -> "1.5 GiB", 1000 -> "1000 B".
std::string format_bytes(std::uint64_t bytes);

// "256" -> 256: decimal digits only (no sign, no suffix). EINVAL / ERANGE otherwise.
Result<std::uint64_t> parse_count(std::string_view text);

// "40" or "40%" -> 40 (whole numbers; the range is the caller's).
Result<std::uint64_t> parse_percent(std::string_view text);

// A duration in milliseconds: "5000", "5000ms", "5s", "2min", "1h"; "off" is 0. Whole numbers
// with an optional case-insensitive suffix ms, s, min or h (no fractions).
Result<std::uint64_t> parse_duration_ms(std::string_view text);

// 0 -> "off", 5000 -> "5 s", 120000 -> "2 min", 1500 -> "1500 ms".
std::string format_duration_ms(std::uint64_t ms);

// Instance names: 1..31 characters of [A-Za-z0-9_.-], not "control", ".", "..".
Result<void> validate_name(std::string_view name);

}  // namespace fastmap
