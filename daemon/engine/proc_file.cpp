// SPDX-License-Identifier: GPL-2.0-only
#include "engine/proc_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace fastmap::daemon {
namespace {

Error errno_error(int code, const std::filesystem::path& path, const char* what) {
    return Error{code, std::string(what) + " " + path.string() + ": " + std::strerror(code)};
}

}  // namespace

Result<std::string> read_text_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno_error(errno, path, "cannot open");
    }
    std::string text;
    std::array<char, 4096> buf;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int code = errno;
            ::close(fd);
            return errno_error(code, path, "cannot read");
        }
        if (n == 0) {
            break;
        }
        text.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

}  // namespace fastmap::daemon
