// SPDX-License-Identifier: GPL-2.0-only
// The system memory state the engine weighs: /proc/meminfo and /proc/pressure/memory.
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/engine.hpp"
#include "result.hpp"

namespace fastmap::daemon {

// MemTotal and MemAvailable ("kB" lines, converted to bytes) of a /proc/meminfo text; the PSI
// fields stay unset. EINVAL when either line is missing or malformed.
Result<MemInfo> parse_meminfo(std::string_view text);

// The avg10 values of a /proc/pressure/memory text ("some avg10=1.23 avg60=... total=...",
// "full ..."), stored into mem. The "some" line is required, "full" optional. EINVAL otherwise.
Result<void> parse_psi(std::string_view text, MemInfo& mem);

// Both files under proc_root. A missing or unreadable pressure file (no CONFIG_PSI, psi=0) is not
// an error: the PSI fields stay nullopt. A malformed one is.
Result<MemInfo> read_meminfo(const std::filesystem::path& proc_root = "/proc");

}  // namespace fastmap::daemon
