// SPDX-License-Identifier: GPL-2.0-only
// Where the D-Bus code reports what it cannot return to a caller (refused authorizations,
// failed signal emissions).
#pragma once

#include <functional>
#include <string_view>

namespace fastmap::dbus {

// One line, without a trailing newline.
using LogFn = std::function<void(std::string_view)>;

// Writes "<4>fastmapd: dbus: LINE" to stderr (the journal takes "<4>" as warning priority).
void log_to_stderr(std::string_view line);

}  // namespace fastmap::dbus
