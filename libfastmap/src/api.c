/* SPDX-License-Identifier: GPL-2.0-only */
/* libfastmap.so: the public API of <fastmap/fastmap.h>. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fastmap/fastmap.h"
#include "fm_core.h"
#include "fm_sys.h"

#ifndef FASTMAP_LIB_VERSION
#define FASTMAP_LIB_VERSION "0"
#endif

static const struct fm_sys api_sys = {
    .file_open = fm_sys_file_open,
    .identify = fm_sys_identify,
    .sync_range = fm_sys_sync_range,
    .close = close,
    .dup3 = dup3,
    .fstat = fstat,
    .getfl = fm_sys_getfl,
    .lseek = lseek,
    .pread = pread,
    .pwrite = pwrite,
    .preadv = preadv,
    .pwritev = pwritev,
    .fsync = fsync,
    .fdatasync = fdatasync,
    .mmap = mmap,
    .munmap = munmap,
    .now_ms = fm_sys_now_ms,
    .note = NULL,
};

static struct fm_state api_state = FM_STATE_INITIALIZER(&api_sys);

static void api_prepare(void) {
    fm_state_atfork_prepare(&api_state);
}
static void api_parent(void) {
    fm_state_atfork_parent(&api_state);
}
static void api_child(void) {
    fm_state_atfork_child(&api_state);
}

__attribute__((constructor)) static void api_init(void) {
    pthread_atfork(api_prepare, api_parent, api_child);
}

FASTMAP_API int fastmap_file_open(int fd) {
    return fm_sys_file_open(fd, NULL);
}

FASTMAP_API int fastmap_file_enabled(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        return 0; /* only regular files are ever enabled */
    }
    if (fm_lookup(&api_state, fd, &st, O_RDONLY, 0, 0, NULL) >= 0) {
        return 1; /* the process already has its fastmap fd */
    }
    int fmfd = fm_sys_file_open(fd, NULL);
    if (fmfd >= 0) {
        close(fmfd);
        return 1;
    }
    return errno == ENOENT || errno == ENODEV ? 0 : -1;
}

FASTMAP_API void* fastmap_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
    void* ret = MAP_FAILED;
    const int saved = errno;
    if (fm_mmap(&api_state, addr, len, prot, flags, fd, off, 0, &ret)) {
        return ret;
    }
    errno = saved;
    return mmap(addr, len, prot, flags, fd, off);
}

FASTMAP_API int fastmap_file_stats(int fd, struct fastmap_stats* out) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    int fmfd = fd; /* not a regular file: maybe a fastmap fd itself */
    if (S_ISREG(st.st_mode)) {
        const int fl = fcntl(fd, F_GETFL);
        if (fl < 0) {
            return -1;
        }
        fmfd = fm_lookup(&api_state, fd, &st, fl, 0, 1, NULL);
        if (fmfd < 0) {
            return -1;
        }
    }
    return ioctl(fmfd, FASTMAP_IOC_GET_STATS, out) == 0 ? 0 : -1;
}

FASTMAP_API const char* fastmap_version(void) {
    return FASTMAP_LIB_VERSION;
}
