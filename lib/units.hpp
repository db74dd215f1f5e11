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

// Instance names: 1..31 characters of [A-Za-z0-9_.-], not "control", ".", "..".
Result<void> validate_name(std::string_view name);

}  // namespace fastmap
