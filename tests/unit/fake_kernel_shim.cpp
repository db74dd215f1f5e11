// SPDX-License-Identifier: GPL-2.0-only
// A stand-in for the module's per-file ioctls, for preload_run_test.cpp: LD_PRELOADed next to
// libfastmap-preload.so (with FASTMAP_CONTROL naming any existing file), it answers
//   FASTMAP_IOC_FILE_OPEN  for a file F that has a "shadow" F.fastmap: a new fd on the shadow,
//                          with F's fd's access mode and O_DSYNC (ENOENT without a shadow)
//   FASTMAP_IOC_GET_INFO   on a shadow's fd: its "instance name"
//   FASTMAP_IOC_SYNC_RANGE on a shadow's fd: fdatasync
// so a routed call shows as data landing in the shadow while F stays as it was.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "fastmap/fastmap.h"

namespace {

constexpr char kSuffix[] = ".fastmap";

bool fd_path(int fd, char* out, std::size_t len) {
    char link[64];
    std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, out, len - 1);
    if (n < 0) {
        return false;
    }
    out[n] = '\0';
    return true;
}

bool is_shadow(const char* path) {
    const std::size_t n = std::strlen(path);
    return n > sizeof(kSuffix) - 1 && std::strcmp(path + n - (sizeof(kSuffix) - 1), kSuffix) == 0;
}

void name_of(int fd, char* name) {
    struct stat st {};
    fstat(fd, &st);
    std::snprintf(name, FASTMAP_NAME_MAX, "f%lx.%lx", static_cast<unsigned long>(st.st_dev),
                  static_cast<unsigned long>(st.st_ino));
}

int file_open(struct fastmap_file_open* req) {
    char path[4096];
    struct stat st {};
    if (fstat(req->fd, &st) != 0) {
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    if (!fd_path(req->fd, path, sizeof(path) - sizeof(kSuffix))) {
        return -1;
    }
    std::strcat(path, kSuffix);
    const int fl = fcntl(req->fd, F_GETFL);
    const int nfd = open(path, (fl & (O_ACCMODE | O_DSYNC)) | O_CLOEXEC);
    if (nfd < 0) {
        errno = ENOENT;  // no shadow: not enabled
        return -1;
    }
    struct stat sst {};
    fstat(nfd, &sst);
    req->size_bytes = static_cast<__u64>(sst.st_size);
    name_of(nfd, req->name);
    return nfd;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...) {
    va_list ap;
    va_start(ap, request);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    char path[4096];
    switch (request) {
        case FASTMAP_IOC_FILE_OPEN:
            return file_open(static_cast<struct fastmap_file_open*>(arg));
        case FASTMAP_IOC_GET_INFO:
            if (!fd_path(fd, path, sizeof(path)) || !is_shadow(path)) {
                errno = ENOTTY;
                return -1;
            }
            std::memset(arg, 0, sizeof(fastmap_info));
            name_of(fd, static_cast<fastmap_info*>(arg)->name);
            return 0;
        case FASTMAP_IOC_SYNC_RANGE:
            if (!fd_path(fd, path, sizeof(path)) || !is_shadow(path)) {
                errno = ENOTTY;
                return -1;
            }
            return fdatasync(fd);
        default:
            break;
    }
    using Real = int (*)(int, unsigned long, ...);
    static Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "ioctl"));
    return real(fd, request, arg);
}
