// SPDX-License-Identifier: GPL-2.0-only
// The workloads behind traces/*.jsonl. Each function tells its story in a loop over the ticks
// (one per second) of a simulated machine; traces_test.cpp checks the checked-in files still
// match, and rewrites them when FASTMAP_ENGINE_REGEN_TRACES=1.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace fastmap::daemon::test {

struct Scenario {
    std::string_view name;  // traces/<name>.jsonl
    std::vector<Observation> (*make)();
};

std::span<const Scenario> scenarios();

// Files of the auto_enable trace, with the paths a /proc/*/maps scan would find for them.
struct TraceFile {
    FileKey key;
    std::string_view path;
};
inline constexpr TraceFile kOrders{{{8, 1}, 1001}, "/srv/db/orders.ibd"};
inline constexpr TraceFile kLibLlvm{{{8, 1}, 1002}, "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1"};
inline constexpr TraceFile kUndo{{{8, 1}, 1003}, "/srv/db/undo_001"};
inline constexpr TraceFile kBinlog{{{8, 1}, 1004}, "/srv/db/binlog.000042"};
inline constexpr TraceFile kWarm{{{8, 1}, 1005}, "/srv/db/customers.ibd"};
inline constexpr TraceFile kIndex{{{8, 17}, 2001}, "/srv/cache/index.bin"};  // enabled already
inline constexpr TraceFile kShard0{{{8, 1}, 1006}, "/data/ml/shard-00.bin"};
inline constexpr TraceFile kShard1{{{8, 1}, 1007}, "/data/ml/shard-01.bin"};
inline constexpr TraceFile kThumbs{{{8, 2}, 3001}, "/home/alice/.cache/thumbnails.db"};
inline constexpr TraceFile kSortTmp{{{8, 1}, 1008}, "/srv/db/tmp/sort-7f3a.tmp"};
inline constexpr TraceFile kAllFiles[] = {kOrders, kLibLlvm, kUndo,   kBinlog, kWarm,
                                          kIndex,  kShard0,  kShard1, kThumbs, kSortTmp};

}  // namespace fastmap::daemon::test
