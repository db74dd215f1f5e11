// SPDX-License-Identifier: GPL-2.0-only
// What the daemon core needs from the host besides the module and the BPF maps: clocks, memory
// state, the policy files and a log. Interfaces so tests can fake them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/engine.hpp"
#include "policy/policy_loader.hpp"
#include "result.hpp"

namespace fastmap::daemon {

class Host {
public:
    virtual ~Host() = default;
    virtual std::uint64_t monotonic_ms() = 0;
    virtual std::uint64_t realtime_us() = 0;
    virtual Result<MemInfo> memory() = 0;
    virtual LoadResult load_policy() = 0;
    // Kernel defaults of new instances (/sys/module/fastmap/parameters); used by
    // restore_defaults() when the policy names no value.
    virtual std::uint32_t default_batch_pages() = 0;
    virtual std::uint32_t default_dirty_ratio() = 0;
    virtual std::uint32_t default_wb_interval_ms() = 0;
    // Whether the file system of path (an existing file) can serve per-file mode: ext4 or xfs.
    // EOPNOTSUPP naming the file system otherwise. Checked before fastmapd enables a file from
    // the policy or from its state file.
    virtual Result<void> check_file_system(const std::string& path) = 0;
};

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(LogLevel level, std::string_view message) = 0;
};

// stderr with "<N>" syslog-level prefixes: journald turns them into priorities.
class StderrLogger final : public Logger {
public:
    void log(LogLevel level, std::string_view message) override;
};

// The real host: clock_gettime, /proc, the policy paths, /sys/module/fastmap/parameters,
// statfs().
class RealHost final : public Host {
public:
    explicit RealHost(PolicyPaths paths) : paths_(std::move(paths)) {}
    std::uint64_t monotonic_ms() override;
    std::uint64_t realtime_us() override;
    Result<MemInfo> memory() override;
    LoadResult load_policy() override;
    std::uint32_t default_batch_pages() override;
    std::uint32_t default_dirty_ratio() override;
    std::uint32_t default_wb_interval_ms() override;
    Result<void> check_file_system(const std::string& path) override;

private:
    PolicyPaths paths_;
};

}  // namespace fastmap::daemon
