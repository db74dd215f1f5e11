// SPDX-License-Identifier: GPL-2.0-only
// Resolving a file (st_dev, st_ino) to a path through the mappings of running processes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "control.hpp"
#include "engine/engine.hpp"

namespace fastmap::daemon {

// A file-backed line of /proc/PID/maps.
struct MapsEntry {
    FileKey key;
    std::string path;

    bool operator==(const MapsEntry&) const = default;
};

// Parses "start-end perms offset MAJ:MIN inode path" (MAJ:MIN in hex, the path may hold
// spaces). nullopt for anonymous and special mappings (inode 0, "[heap]"), deleted files
// ("... (deleted)") and malformed lines.
std::optional<MapsEntry> parse_maps_line(std::string_view line);

// Finds files in <proc_root>/<pid>/maps. A lookup that misses the cache rescans every process
// once (then the cache holds exactly what that scan found); a hit costs no I/O, so a cached path
// may be stale after a rename. Processes that exit mid-scan and maps it may not read are skipped.
class ProcMapsResolver final : public PathResolver {
public:
    explicit ProcMapsResolver(std::filesystem::path proc_root = "/proc");

    std::optional<std::string> resolve(const FileKey& key) override;

    std::size_t scans() const { return scans_; }  // full rescans so far
    std::size_t cached() const { return cache_.size(); }

private:
    using Key = std::tuple<std::uint32_t, std::uint32_t, std::uint64_t>;  // major, minor, ino

    void rescan();

    std::filesystem::path root_;
    std::map<Key, std::string> cache_;
    std::size_t scans_ = 0;
};

}  // namespace fastmap::daemon
