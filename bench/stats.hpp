// SPDX-License-Identifier: GPL-2.0-only
// System counters fmbench samples before and after a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fastmap.h"

namespace fmbench {

struct SysCounters {
    uint64_t tlb_ipis = 0;    // sum of the /proc/interrupts "TLB" line
    uint64_t call_ipis = 0;   // sum of the "CAL" line (function-call IPIs)
    uint64_t read_bytes = 0;  // /proc/diskstats of the device
    uint64_t write_bytes = 0;
    uint64_t cpu_busy_ticks = 0;           // /proc/stat "cpu": user+nice+system+irq+softirq
    uint64_t cpu_total_ticks = 0;          // the same plus idle and iowait
    uint64_t ctx_switches = 0;             // /proc/stat "ctxt"
    uint64_t interrupts = 0;               // /proc/stat "intr" (all interrupts, all CPUs)
    std::optional<fastmap_stats> fastmap;  // FASTMAP_IOC_GET_STATS, fastmap mode only
};

// Reads the counters; |disk| is the kernel name of the device ("nullb0"), may be empty.
SysCounters sample(int fd, const std::string& disk, bool fastmap);

// Kernel name of the block device behind |path| (a block device or a fastmap node).
std::string disk_name(int fd, const std::string& path);

}  // namespace fmbench
