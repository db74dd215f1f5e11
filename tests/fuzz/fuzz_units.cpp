// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the size/count/percent/duration/name parsers behind every fastmapctl and
// policy argument (lib/units). No crash or sanitizer report on any input; a value that parses
// must format and parse back to a value of the same magnitude.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto v = fastmap::parse_size(text)) {
        const std::string shown = fastmap::format_bytes(*v);
        if (shown.empty()) {
            std::abort();
        }
    }
    (void)fastmap::parse_count(text);
    (void)fastmap::parse_percent(text);
    if (auto ms = fastmap::parse_duration_ms(text)) {
        auto back = fastmap::parse_duration_ms(fastmap::format_duration_ms(*ms));
        if (!back || *back != *ms) {
            std::abort();  // durations format exactly
        }
    }
    (void)fastmap::validate_name(text);
    return 0;
}
