/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel side of struct fm_sys: the control node and the fastmap ioctls. */
#ifndef FASTMAP_FM_SYS_H
#define FASTMAP_FM_SYS_H

#include <stdint.h>

#include "fm_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The control node: $FASTMAP_CONTROL (not for set-id programs), else FASTMAP_CONTROL_NODE. */
const char* fm_sys_control_path(void);
/* 1 when the control node exists (the module is loaded), else 0. */
int fm_sys_control_present(void);
/* fm_sys.file_open: FASTMAP_IOC_FILE_OPEN on the control node. close_fn closes the control fd
 * (the preload passes the real close). */
int fm_sys_file_open_with(int fd, char* name, int (*close_fn)(int));
int fm_sys_file_open(int fd, char* name);
/* fm_sys.identify: FASTMAP_IOC_GET_INFO (the instance name; only fastmap fds answer it). */
int fm_sys_identify(int fd, struct fm_fdid* id);
/* fm_sys.sync_range: FASTMAP_IOC_SYNC_RANGE. */
int fm_sys_sync_range(int fmfd, uint64_t off, uint64_t len, int wait);
/* fm_sys.getfl: fcntl(fd, F_GETFL). */
int fm_sys_getfl(int fd);
/* fm_sys.now_ms: CLOCK_MONOTONIC_COARSE in milliseconds. */
uint64_t fm_sys_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* FASTMAP_FM_SYS_H */
