// SPDX-License-Identifier: GPL-2.0-only
#include "log.hpp"

#include <cstdio>
#include <string>

namespace fastmap::dbus {

void log_to_stderr(std::string_view line) {
    const std::string text = "<4>fastmapd: dbus: " + std::string(line) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace fastmap::dbus
