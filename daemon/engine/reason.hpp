// SPDX-License-Identifier: GPL-2.0-only
// Number formatting for the one-line reasons of decisions.
#pragma once

#include <cstdint>
#include <string>

namespace fastmap::daemon::detail {

// printf into a std::string.
std::string strprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A ratio with two decimals ("0.42", "0.10"), or two significant digits below 0.01 ("0.0034").
std::string fmt_ratio(double ratio);
// A percentage with one decimal: "23.5%".
std::string fmt_percent(double percent);
// A duration given in nanoseconds: "850 us", "3.10 ms", "1.25 s".
std::string fmt_ns(std::uint64_t ns);
// A rate: "1520/s".
std::string fmt_rate(double per_second);
// Bytes as fastmapctl shows them: "512 MiB", "11.23 GiB".
std::string fmt_bytes(std::uint64_t bytes);

}  // namespace fastmap::daemon::detail
