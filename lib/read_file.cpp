// SPDX-License-Identifier: GPL-2.0-only
#include "read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fastmap {

Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Error{errno, std::strerror(errno)};
    }
    std::string text;
    char buf[8192];
    int err = 0;
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            err = errno;
            break;
        }
        if (n == 0) {
            break;
        }
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) {
            err = EFBIG;
            break;
        }
    }
    ::close(fd);
    if (err == EFBIG) {
        return Error{EFBIG, "larger than " + std::to_string(max_bytes) + " bytes"};
    }
    if (err != 0) {
        return Error{err, std::strerror(err)};
    }
    return text;
}

}  // namespace fastmap
