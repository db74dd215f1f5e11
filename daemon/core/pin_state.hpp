// SPDX-License-Identifier: GPL-2.0-only
// The operator's pins, persisted so that a restarted fastmapd (a crash, kill -9, an upgrade)
// does not tune what an operator set by hand: <state dir>/pins.json next to files.json
// (docs/daemon.md#fail-static). A pin names its instance by name and id: an instance attached
// again under the same name is a new instance and is not pinned.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace fastmap::daemon {

struct PersistedPin {
    std::string instance;  // its name
    std::uint32_t id = 0;  // its id when it was pinned
    bool cache = false;
    bool batch = false;
    std::string time;  // when it was (last) pinned, UTC

    bool operator==(const PersistedPin&) const = default;
};

struct PinStateLoad {
    std::vector<PersistedPin> pins;
    std::vector<std::string> warnings;  // skipped entries, or why the whole file was
    bool corrupt = false;               // read, but not a pin file: nothing was taken from it
};

// The pin file next to the files state file (state_file_under()).
std::filesystem::path pin_file_beside(const std::filesystem::path& state_file);

// A missing file is an empty state without warnings; invalid entries are skipped with a warning.
PinStateLoad load_pin_state(const std::filesystem::path& file);
PinStateLoad parse_pin_state(std::string_view text, std::string_view name);
std::string pin_state_text(const std::vector<PersistedPin>& pins);
// Atomic, like the files state (write_file_atomically()).
Result<void> save_pin_state(const std::filesystem::path& file,
                            const std::vector<PersistedPin>& pins);

}  // namespace fastmap::daemon
