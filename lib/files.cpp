// SPDX-License-Identifier: GPL-2.0-only
#include "files.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace fastmap {
namespace {

// new_encode_dev() packs 12 bits of major and 20 of minor.
constexpr std::uint32_t kMajorMax = 0xfff;
constexpr std::uint32_t kMinorMax = 0xfffff;

const char* file_kind(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFDIR:
            return "a directory";
        case S_IFBLK:
            return "a block device";
        case S_IFCHR:
            return "a character device";
        case S_IFIFO:
            return "a FIFO";
        case S_IFSOCK:
            return "a socket";
        default:
            return "not a file";
    }
}

bool parse_u32(std::string_view text, std::uint32_t& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

Result<ResolvedFile> resolve_file(std::string_view path) {
    const std::string p(path);
    if (p.empty()) {
        return Error{ENOENT, "no such file: the path is empty"};
    }
    auto sys_error = [&p](int err) {
        if (err == ENOENT || err == ENOTDIR) {
            return Error{ENOENT, "no such file: " + p};
        }
        return Error{err, p + ": " + std::strerror(err)};
    };
    // Resolve first, then stat the result: the key and the path name the same file.
    std::unique_ptr<char, decltype(&std::free)> real(::realpath(p.c_str(), nullptr), &std::free);
    if (!real) {
        return sys_error(errno);
    }
    struct stat st {};
    if (::stat(real.get(), &st) < 0) {
        return sys_error(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return Error{S_ISDIR(st.st_mode) ? EISDIR : EINVAL,
                     "not a regular file: " + p + " (" + file_kind(st.st_mode) + ")"};
    }
    const DevId dev{::major(st.st_dev), ::minor(st.st_dev)};
    if (dev.major > kMajorMax || dev.minor > kMinorMax) {
        return Error{ERANGE, p + ": device " + dev.str() + " does not fit the kernel's dev_t"};
    }
    return ResolvedFile{{dev, static_cast<std::uint64_t>(st.st_ino)}, real.get()};
}

Result<DevId> parse_dev(std::string_view text) {
    const auto colon = text.find(':');
    DevId dev;
    if (colon == std::string_view::npos || !parse_u32(text.substr(0, colon), dev.major) ||
        !parse_u32(text.substr(colon + 1), dev.minor)) {
        return Error{EINVAL, "invalid device '" + std::string(text) + "': expected MAJOR:MINOR"};
    }
    if (dev.major > kMajorMax || dev.minor > kMinorMax) {
        return Error{ERANGE, "invalid device '" + std::string(text) + "': at most 4095:1048575"};
    }
    return dev;
}

}  // namespace fastmap
