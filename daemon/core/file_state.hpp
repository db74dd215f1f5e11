// SPDX-License-Identifier: GPL-2.0-only
// The files fastmapd enabled, persisted across reboots in its state file
// (/var/lib/fastmap/files.json, docs/daemon.md#persistence). The module's enable table is lost
// on reboot and module reload, and a path's (st_dev, st_ino) can change across reboots, so
// entries are kept by path and resolved again each time they are applied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "result.hpp"

namespace fastmap::daemon {

// Why fastmapd enabled a file: the policy's "files", an operator (D-Bus EnableFile), or
// auto-enable.
enum class FileOrigin { kPolicy, kOperator, kAuto };
std::string_view to_string(FileOrigin origin);  // "policy", "operator", "auto"
std::optional<FileOrigin> parse_origin(std::string_view text);

struct PersistedFile {
    std::string path;                          // as requested; resolved each time it is applied
    std::optional<std::uint64_t> cache_bytes;  // the file instance's cache; unset: module default
    FileOrigin origin = FileOrigin::kOperator;
    std::string time;            // when fastmapd recorded it, UTC, "2025-06-01T10:00:00Z"
    std::optional<FileKey> key;  // (st_dev, st_ino) it was last added with
    bool in_table = false;       // not persisted: in the module's table as far as we know

    bool operator==(const PersistedFile&) const = default;
};

struct FileStateLoad {
    std::vector<PersistedFile> files;
    // Entries that were skipped, or why the whole file was (unreadable, or corrupt).
    std::vector<std::string> warnings;
    bool corrupt = false;  // read, but not a state file: nothing was taken from it
};

// <root>/var/lib/fastmap/files.json (root "/" in production, fastmapd --root in tests).
std::filesystem::path state_file_under(const std::filesystem::path& root);

// Reads the state file. A missing file is an empty state without warnings, one that cannot be
// read an empty state with a warning. Invalid entries are skipped with a warning each; a file
// that is not JSON or not a state file is corrupt.
FileStateLoad load_file_state(const std::filesystem::path& file);
// Parses the text of a state file (name is used in warnings).
FileStateLoad parse_file_state(std::string_view text, std::string_view name);
// The text save_file_state() writes.
std::string file_state_text(const std::vector<PersistedFile>& files);
// Writes text atomically: file.tmp is written and fsync()ed, renamed over file, and the
// directory fsync()ed; creates the directory when it is missing. A crash leaves the old or the
// new file.
Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view text);
// Writes the state with write_file_atomically().
Result<void> save_file_state(const std::filesystem::path& file,
                             const std::vector<PersistedFile>& files);

// CLOCK_REALTIME microseconds -> "2025-06-01T10:00:00Z".
std::string format_utc(std::uint64_t realtime_us);

}  // namespace fastmap::daemon
