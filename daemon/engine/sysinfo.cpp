// SPDX-License-Identifier: GPL-2.0-only
#include "engine/sysinfo.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <optional>

#include "engine/proc_file.hpp"

namespace fastmap::daemon {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// Calls fn(line) for every line of text.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        fn(text.substr(0, nl));
        if (nl == std::string_view::npos) {
            break;
        }
        text.remove_prefix(nl + 1);
    }
}

// "16326428 kB" -> bytes.
std::optional<std::uint64_t> parse_kb(std::string_view value) {
    value = trim(value);
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || trim(std::string_view(end, value.data() + value.size())) != "kB" ||
        n > UINT64_MAX / 1024) {
        return std::nullopt;
    }
    return n * 1024;
}

}  // namespace

Result<MemInfo> parse_meminfo(std::string_view text) {
    std::optional<std::uint64_t> total;
    std::optional<std::uint64_t> available;
    std::string bad;
    for_each_line(text, [&](std::string_view line) {
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            return;
        }
        const std::string_view key = line.substr(0, colon);
        std::optional<std::uint64_t>* slot = key == "MemTotal"       ? &total
                                             : key == "MemAvailable" ? &available
                                                                     : nullptr;
        if (slot == nullptr) {
            return;
        }
        *slot = parse_kb(line.substr(colon + 1));
        if (!*slot && bad.empty()) {
            bad = std::string(line);
        }
    });
    if (!bad.empty()) {
        return Error{EINVAL, "meminfo: malformed line '" + bad + "'"};
    }
    if (!total || !available) {
        return Error{EINVAL,
                     std::string("meminfo: no ") + (total ? "MemAvailable" : "MemTotal") + " line"};
    }
    MemInfo mem;
    mem.total_bytes = *total;
    mem.available_bytes = *available;
    return mem;
}

Result<void> parse_psi(std::string_view text, MemInfo& mem) {
    std::optional<double> some;
    std::optional<double> full;
    std::string bad;
    for_each_line(text, [&](std::string_view line) {
        line = trim(line);
        const auto space = line.find(' ');
        const std::string_view kind = line.substr(0, space);
        if (kind != "some" && kind != "full") {
            return;
        }
        std::optional<double> value;
        const auto at = line.find(" avg10=");
        if (at != std::string_view::npos) {
            const char* first = line.data() + at + 7;
            const char* last = line.data() + line.size();
            double v = 0;
            const auto [end, ec] = std::from_chars(first, last, v);
            if (ec == std::errc() && (end == last || *end == ' ') && v >= 0.0 && v <= 100.0) {
                value = v;
            }
        }
        if (!value) {
            if (bad.empty()) {
                bad = std::string(line);
            }
            return;
        }
        (kind == "some" ? some : full) = value;
    });
    if (!bad.empty()) {
        return Error{EINVAL, "memory pressure: malformed line '" + bad + "'"};
    }
    if (!some) {
        return Error{EINVAL, "memory pressure: no 'some' line"};
    }
    mem.psi_some_avg10 = some;
    mem.psi_full_avg10 = full;
    return ok();
}

Result<MemInfo> read_meminfo(const std::filesystem::path& proc_root) {
    auto text = read_text_file(proc_root / "meminfo");
    if (!text) {
        return std::move(text).error();
    }
    auto mem = parse_meminfo(*text);
    if (!mem) {
        return mem;
    }
    // ENOENT without CONFIG_PSI, EOPNOTSUPP with psi=0: no pressure data, not an error.
    auto psi = read_text_file(proc_root / "pressure" / "memory");
    if (psi) {
        if (auto r = parse_psi(*psi, *mem); !r) {
            return std::move(r).error();
        }
    }
    return mem;
}

}  // namespace fastmap::daemon
