/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * fastmap user/kernel interface.
 *
 * Control plane: generic netlink family FASTMAP_GENL_NAME (commands below;
 * mutations need CAP_SYS_ADMIN). Data plane: ioctls on an open instance node
 * /dev/fastmap/<name>. Per-file mode: FASTMAP_IOC_FILE_OPEN on
 * /dev/fastmap/control. See docs/interfaces.md and docs/per-file.md.
 */
#ifndef _UAPI_LINUX_FASTMAP_H
#define _UAPI_LINUX_FASTMAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FASTMAP_GENL_NAME	"fastmap"
#define FASTMAP_GENL_VERSION	1
#define FASTMAP_MCGRP_EVENTS	"events"

/* Instance names: 1..31 characters of [A-Za-z0-9_.-], not "control". */
#define FASTMAP_NAME_MAX	32	/* including the terminating NUL */

/* Eviction batch bounds, in pages. */
#define FASTMAP_BATCH_MIN	1
#define FASTMAP_BATCH_MAX	4096
#define FASTMAP_BATCH_DEFAULT	512

/* Smallest cache an instance accepts, in bytes (64 pages of 4 KiB). */
#define FASTMAP_CACHE_MIN	(64ULL * 4096)

enum fastmap_cmd {
	FASTMAP_CMD_UNSPEC,
	FASTMAP_CMD_ATTACH,	/* admin; DEVICE, NAME, CACHE_BYTES, [BATCH_PAGES, DIRTY_RATIO, WB_INTERVAL_MS] */
	FASTMAP_CMD_DETACH,	/* admin; NAME */
	FASTMAP_CMD_GET,	/* NAME -> one instance; dump -> all instances */
	FASTMAP_CMD_SET,	/* admin; NAME + any of CACHE_BYTES, BATCH_PAGES, DIRTY_RATIO, WB_INTERVAL_MS */
	FASTMAP_CMD_FILE_ADD,	/* admin; FILE_DEV, FILE_INO, [FILE_PATH, CACHE_BYTES]: enable a file */
	FASTMAP_CMD_FILE_DEL,	/* admin; FILE_DEV, FILE_INO: also detaches its instance (EBUSY if open) */
	FASTMAP_CMD_FILE_GET,	/* dump: the enable table (+ NAME of the file's instance, if any) */
	FASTMAP_CMD_EVENT,	/* notification on the "events" multicast group */
	__FASTMAP_CMD_MAX,
};
#define FASTMAP_CMD_MAX (__FASTMAP_CMD_MAX - 1)

enum fastmap_attr {
	FASTMAP_A_UNSPEC,
	FASTMAP_A_PAD,		/* alignment only; never sent by userspace */
	FASTMAP_A_NAME,		/* string, instance name */
	FASTMAP_A_DEVICE,	/* string, block device path (attach; a file instance's path in replies) */
	FASTMAP_A_CACHE_BYTES,	/* u64, DRAM cache size in bytes */
	FASTMAP_A_BATCH_PAGES,	/* u32, eviction batch in pages */
	FASTMAP_A_DIRTY_RATIO,	/* u32, writeback threshold, % of cache */
	FASTMAP_A_SIZE_BYTES,	/* u64, mapped device size in bytes (reply) */
	FASTMAP_A_DEV,		/* u32, dev_t of the device, new_encode_dev() (reply) */
	FASTMAP_A_OPEN_COUNT,	/* u32, open file descriptions of the node */
	FASTMAP_A_STATS,	/* nest of enum fastmap_stat (reply) */
	FASTMAP_A_DEVICE_NAME,	/* string, kernel name of the device (reply) */
	FASTMAP_A_WB_INTERVAL_MS, /* u32, periodic writeback, ms; 0 = off */
	FASTMAP_A_ID,		/* u32, instance id (reply; tracepoints carry it) */
	FASTMAP_A_FILE_DEV,	/* u32, st_dev of an enabled file, new_encode_dev(); also in GET replies of file instances */
	FASTMAP_A_FILE_INO,	/* u64, st_ino of an enabled file; also in GET replies of file instances */
	FASTMAP_A_FILE_PATH,	/* string, path as given (informational) */
	FASTMAP_A_EVENT,	/* u32, enum fastmap_event */
	FASTMAP_A_EVENT_VALUE,	/* u64, event detail (see enum fastmap_event) */
	__FASTMAP_A_MAX,
};
#define FASTMAP_A_MAX (__FASTMAP_A_MAX - 1)

/* Counters; all u64 inside FASTMAP_A_STATS, same order as struct fastmap_stats. */
enum fastmap_stat {
	FASTMAP_STAT_UNSPEC,
	FASTMAP_STAT_PAD,
	FASTMAP_STAT_FAULTS,
	FASTMAP_STAT_HITS,
	FASTMAP_STAT_MISSES,
	FASTMAP_STAT_MKWRITE,
	FASTMAP_STAT_EVICTIONS,
	FASTMAP_STAT_EVICT_BATCHES,
	FASTMAP_STAT_SHOOTDOWNS,
	FASTMAP_STAT_WB_PAGES,
	FASTMAP_STAT_WB_BIOS,
	FASTMAP_STAT_READ_IOS,
	FASTMAP_STAT_READ_ERRORS,
	FASTMAP_STAT_WRITE_ERRORS,
	FASTMAP_STAT_DIRTY_PAGES,
	FASTMAP_STAT_CACHED_PAGES,
	FASTMAP_STAT_FREE_PAGES,
	FASTMAP_STAT_CACHE_PAGES,
	FASTMAP_STAT_EVICT_STALLS,
	FASTMAP_STAT_OUTSIDE_WRITES,
	__FASTMAP_STAT_MAX,
};
#define FASTMAP_STAT_MAX (__FASTMAP_STAT_MAX - 1)

/* FASTMAP_IOC_GET_INFO */
struct fastmap_info {
	__u64 size_bytes;	/* mapped device size */
	__u64 cache_bytes;	/* DRAM cache size */
	__u32 batch_pages;	/* eviction batch */
	__u32 dirty_ratio;	/* background writeback threshold, % */
	__u32 page_size;	/* cache page size in bytes */
	__u32 dev;		/* dev_t of the block device (new encoding) */
	char name[FASTMAP_NAME_MAX];
};

/* FASTMAP_IOC_GET_STATS: monotonic counters and current gauges. */
struct fastmap_stats {
	__u64 faults;		/* page faults served (read + write) */
	__u64 hits;		/* faults served from the cache */
	__u64 misses;		/* faults that read the device */
	__u64 mkwrite;		/* write faults on mapped clean pages */
	__u64 evictions;	/* pages evicted */
	__u64 evict_batches;	/* eviction batches */
	__u64 shootdowns;	/* TLB shootdown rounds */
	__u64 wb_pages;		/* pages written back */
	__u64 wb_bios;		/* write bios submitted */
	__u64 read_ios;		/* read bios submitted */
	__u64 read_errors;	/* failed device reads */
	__u64 write_errors;	/* failed device writes */
	__u64 dirty_pages;	/* gauge */
	__u64 cached_pages;	/* gauge */
	__u64 free_pages;	/* gauge */
	__u64 cache_pages;	/* gauge: cache size in pages */
	__u64 evict_stalls;	/* faults that found no free frame */
	__u64 outside_writes;	/* file instances: modifications from outside fastmap seen */
};

/* FASTMAP_A_EVENT values; FASTMAP_A_NAME names the instance. */
enum fastmap_event {
	FASTMAP_EVENT_UNSPEC,
	FASTMAP_EVENT_ATTACHED,		/* instance created */
	FASTMAP_EVENT_DETACHED,		/* instance removed */
	FASTMAP_EVENT_CHANGED,		/* parameters changed (SET) */
	FASTMAP_EVENT_IO_ERROR,		/* VALUE: errno (positive) of a failed read/write */
	FASTMAP_EVENT_EVICT_STALL,	/* VALUE: faults that stalled since the last event */
	FASTMAP_EVENT_CACHE_PRESSURE,	/* VALUE: free frames when eviction could not keep up */
	FASTMAP_EVENT_OUTSIDE_WRITE,	/* VALUE: file size after a write/truncate from outside fastmap */
};


/* FASTMAP_IOC_SYNC_RANGE: write back [offset, offset + length). length 0 = to end. */
struct fastmap_range {
	__u64 offset;
	__u64 length;
	__u32 flags;		/* FASTMAP_SYNC_* */
	__u32 reserved;		/* must be 0 */
};
#define FASTMAP_SYNC_WAIT	(1U << 0)	/* wait for the device (and flush its cache) */
#define FASTMAP_SYNC_EVICT	(1U << 1)	/* then drop the clean cached pages of the range */
#define FASTMAP_SYNC_ALL	(FASTMAP_SYNC_WAIT | FASTMAP_SYNC_EVICT)

/*
 * FASTMAP_IOC_FILE_OPEN, on /dev/fastmap/control (mode 0666): @fd is an open
 * regular file of the caller that an administrator enabled (FILE_ADD). The
 * ioctl returns a new file descriptor (O_CLOEXEC) on the file's fastmap
 * instance, created at first use and named "f<dev>.<ino>" (hex), with the
 * access mode and O_SYNC/O_DSYNC of @fd: mmap(MAP_SHARED), read/write/
 * pread/pwrite, lseek, fsync and the instance ioctls work on it; a write
 * past the end extends the file. Errors: EBADF bad @fd; EINVAL @flags or not
 * a regular file; ENOENT the file is not enabled; EOPNOTSUPP the file
 * system is not ext4 or xfs; EBUSY the file is mmapped without fastmap;
 * EACCES @fd is open with O_PATH, or for writing while the instance could
 * only open the file read-only.
 */
struct fastmap_file_open {
	__s32 fd;			/* in */
	__u32 flags;			/* in: must be 0 */
	__u64 size_bytes;		/* out: file size */
	char name[FASTMAP_NAME_MAX];	/* out: instance name */
};

#define FASTMAP_IOC_MAGIC	0xFA
#define FASTMAP_IOC_GET_INFO	_IOR(FASTMAP_IOC_MAGIC, 1, struct fastmap_info)
#define FASTMAP_IOC_GET_STATS	_IOR(FASTMAP_IOC_MAGIC, 2, struct fastmap_stats)
#define FASTMAP_IOC_SYNC_RANGE	_IOW(FASTMAP_IOC_MAGIC, 3, struct fastmap_range)
#define FASTMAP_IOC_FILE_OPEN	_IOWR(FASTMAP_IOC_MAGIC, 4, struct fastmap_file_open)

/* The control node, for FASTMAP_IOC_FILE_OPEN. */
#define FASTMAP_CONTROL_NODE	"/dev/fastmap/control"

#endif /* _UAPI_LINUX_FASTMAP_H */
