// SPDX-License-Identifier: GPL-2.0-only
#include "engine/reason.hpp"

#include <cstdarg>
#include <cstdio>
#include <vector>

#include "units.hpp"

namespace fastmap::daemon::detail {

std::string strprintf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    std::string out;
    if (n > 0) {
        std::vector<char> buf(static_cast<std::size_t>(n) + 1);
        std::vsnprintf(buf.data(), buf.size(), format, args);
        out.assign(buf.data(), static_cast<std::size_t>(n));
    }
    va_end(args);
    return out;
}

std::string fmt_ratio(double ratio) {
    if (ratio > 0.0 && ratio < 0.01) {
        return strprintf("%.2g", ratio);
    }
    return strprintf("%.2f", ratio);
}

std::string fmt_percent(double percent) {
    return strprintf("%.1f%%", percent);
}

std::string fmt_ns(std::uint64_t ns) {
    const auto v = static_cast<double>(ns);
    if (ns < 10'000) {
        return strprintf("%.1f us", v / 1e3);
    }
    if (ns < 1'000'000) {
        return strprintf("%.0f us", v / 1e3);
    }
    if (ns < 1'000'000'000) {
        return strprintf("%.2f ms", v / 1e6);
    }
    return strprintf("%.2f s", v / 1e9);
}

std::string fmt_rate(double per_second) {
    return strprintf("%.0f/s", per_second);
}

std::string fmt_bytes(std::uint64_t bytes) {
    return format_bytes(bytes);
}

}  // namespace fastmap::daemon::detail
