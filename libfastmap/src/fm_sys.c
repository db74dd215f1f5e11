/* SPDX-License-Identifier: GPL-2.0-only */
#define _GNU_SOURCE
#include "fm_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fastmap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

const char* fm_sys_control_path(void) {
    const char* path = secure_getenv("FASTMAP_CONTROL");
    return path != NULL && path[0] != '\0' ? path : FASTMAP_CONTROL_NODE;
}

int fm_sys_control_present(void) {
    return access(fm_sys_control_path(), F_OK) == 0;
}

int fm_sys_file_open_with(int fd, char* name, int (*close_fn)(int)) {
    int ctl = open(fm_sys_control_path(), O_RDONLY | O_CLOEXEC);
    if (ctl < 0) {
        errno = ENODEV; /* no module, or a control node we may not use */
        return -1;
    }
    struct fastmap_file_open arg;
    memset(&arg, 0, sizeof(arg));
    arg.fd = fd;
    int r = ioctl(ctl, FASTMAP_IOC_FILE_OPEN, &arg);
    int err = errno;
    close_fn(ctl);
    if (r < 0) {
        /* A module without per-file mode answers ENOTTY on its control node. */
        errno = err == ENOTTY ? ENODEV : err;
        return -1;
    }
    if (name != NULL) {
        memcpy(name, arg.name, FM_NAME_MAX);
        name[FM_NAME_MAX - 1] = '\0';
    }
    return r;
}

int fm_sys_file_open(int fd, char* name) {
    return fm_sys_file_open_with(fd, name, close);
}

int fm_sys_identify(int fd, struct fm_fdid* id) {
    struct fastmap_info info;
    memset(&info, 0, sizeof(info));
    if (ioctl(fd, FASTMAP_IOC_GET_INFO, &info) != 0) {
        return -1;
    }
    memset(id, 0, sizeof(*id));
    memcpy(id->name, info.name, FM_NAME_MAX);
    id->name[FM_NAME_MAX - 1] = '\0';
    return 0;
}

int fm_sys_sync_range(int fmfd, uint64_t off, uint64_t len, int wait) {
    struct fastmap_range range;
    memset(&range, 0, sizeof(range));
    range.offset = off;
    range.length = len;
    range.flags = wait ? FASTMAP_SYNC_WAIT : 0;
    return ioctl(fmfd, FASTMAP_IOC_SYNC_RANGE, &range);
}

int fm_sys_getfl(int fd) {
    return fcntl(fd, F_GETFL);
}

uint64_t fm_sys_now_ms(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
    }
    return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}
