// SPDX-License-Identifier: GPL-2.0-only
#include "core/host.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <time.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "engine/sysinfo.hpp"
#include "fastmap.h"

namespace fastmap::daemon {

namespace {

std::uint64_t clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

// A module parameter, or fallback when the module (or the parameter) is not there.
std::uint32_t module_param(const char* name, std::uint32_t fallback) {
    std::ifstream in(std::string("/sys/module/fastmap/parameters/") + name);
    std::string text;
    if (!(in >> text)) {
        return fallback;
    }
    std::uint32_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() ? v : fallback;
}

// The name of a file system that cannot serve per-file mode, for the warning.
std::string fs_name(std::uint64_t magic) {
    switch (magic) {
        case TMPFS_MAGIC:
            return "tmpfs";
        case BTRFS_SUPER_MAGIC:
            return "btrfs";
        case NFS_SUPER_MAGIC:
            return "nfs";
        case OVERLAYFS_SUPER_MAGIC:
            return "overlayfs";
        case F2FS_SUPER_MAGIC:
            return "f2fs";
        case SQUASHFS_MAGIC:
            return "squashfs";
        case 0x2fc12fc1:
            return "zfs";
        default:
            break;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "file system type 0x%llx",
                  static_cast<unsigned long long>(magic));
    return buf;
}

}  // namespace

void StderrLogger::log(LogLevel level, std::string_view message) {
    // One record per line: continuation lines get the prefix too.
    std::string_view rest = message;
    while (true) {
        const auto nl = rest.find('\n');
        std::cerr << '<' << static_cast<int>(level) << '>' << rest.substr(0, nl) << '\n';
        if (nl == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(nl + 1);
    }
    std::cerr.flush();
}

std::uint64_t RealHost::monotonic_ms() {
    return clock_ns(CLOCK_MONOTONIC) / 1000000ULL;
}

std::uint64_t RealHost::realtime_us() {
    return clock_ns(CLOCK_REALTIME) / 1000ULL;
}

Result<MemInfo> RealHost::memory() {
    return read_meminfo("/proc");
}

LoadResult RealHost::load_policy() {
    return fastmap::daemon::load_policy(paths_);
}

std::uint32_t RealHost::default_batch_pages() {
    return module_param("default_batch_pages", FASTMAP_BATCH_DEFAULT);
}

std::uint32_t RealHost::default_dirty_ratio() {
    return module_param("default_dirty_ratio", 60);
}

std::uint32_t RealHost::default_wb_interval_ms() {
    return module_param("writeback_interval_ms", 5000);
}

Result<void> RealHost::check_file_system(const std::string& path) {
    struct statfs st {};
    if (::statfs(path.c_str(), &st) < 0) {
        const int err = errno;
        return Error{err, path + ": " + std::strerror(err)};
    }
    const auto magic = static_cast<std::uint64_t>(st.f_type) & 0xffffffffULL;
    if (magic == EXT4_SUPER_MAGIC || magic == XFS_SUPER_MAGIC) {
        return {};
    }
    return Error{EOPNOTSUPP, "file system not supported: " + path + " is on " + fs_name(magic) +
                                 "; per-file mode needs ext4 or xfs"};
}

}  // namespace fastmap::daemon
