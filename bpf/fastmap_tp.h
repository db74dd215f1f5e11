/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions shared by fastmap.bpf.c and its userspace loader
 * (lib/telemetry/): the tracepoint records the BPF programs read and the map
 * keys and values userspace reads. Plain __u32-style types only; the BPF side
 * gets them from vmlinux.h, userspace from <linux/types.h>.
 *
 * The fastmap_*_ctx structs mirror TP_STRUCT__entry in kmod/fm_trace.h field
 * for field (that layout is ABI): change both together.
 */
#ifndef FASTMAP_TP_H
#define FASTMAP_TP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Instance slots: per-instance maps are indexed by id % FM_MAX_INSTANCES. */
#define FM_MAX_INSTANCES	256
/* log2 histogram: slot i counts values v with floor(log2(v)) == i (0, 1 -> 0) */
#define FM_HIST_SLOTS		64
/* Distinct (dev, ino) pairs the per-file LRU map keeps. */
#define FM_MAX_FILES		8192
/* Ring buffer size in bytes (power of two, multiple of the page size). */
#define FM_RINGBUF_BYTES	(256 * 1024)

/*
 * Classic-tracepoint records (/sys/kernel/tracing/events/fastmap/<name>/format).
 * Every record starts with the 8-byte common header (struct trace_entry in the
 * kernel; named fm_trace_common here so it does not clash with vmlinux.h).
 */
struct fm_trace_common {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* tracepoint/fastmap/fastmap_fault */
struct fastmap_fault_ctx {
	struct fm_trace_common common;
	__u64 off;		/* page offset in the device */
	__u64 ns;		/* service latency */
	__u32 id;		/* instance id */
	__u8 hit;		/* served from the cache */
	__u8 write;		/* write fault */
};

/* tracepoint/fastmap/fastmap_evict */
struct fastmap_evict_ctx {
	struct fm_trace_common common;
	__u64 ns;		/* batch duration */
	__u32 id;
	__u32 pages;		/* pages freed */
	__u32 rounds;		/* TLB shootdown rounds */
};

/* tracepoint/fastmap/fastmap_writeback */
struct fastmap_writeback_ctx {
	struct fm_trace_common common;
	__u64 bytes;
	__u64 ns;		/* round duration */
	__u32 id;
	__u32 pages;
	__s32 err;		/* 0 or a negative errno */
};

struct fm_hist {
	__u64 slots[FM_HIST_SLOTS];
};

/*
 * Map "instances": PERCPU_ARRAY[FM_MAX_INSTANCES], key __u32 id % nr slots.
 * Userspace sums the per-CPU copies (all fields are sums except id).
 */
struct fm_instance_stats {
	__u32 id;		/* last instance id counted in this slot */
	__u32 used;		/* 1 once an event was counted on this CPU */
	__u64 faults;
	__u64 hits;
	__u64 misses;
	__u64 writes;		/* write faults */
	__u64 fault_ns;		/* sum of fault latencies */
	__u64 evict_batches;
	__u64 evicted_pages;
	__u64 shootdown_rounds;
	__u64 evict_ns;		/* sum of eviction batch durations */
	__u64 wb_rounds;
	__u64 wb_pages;
	__u64 wb_bytes;
	__u64 wb_errors;	/* rounds that ended with err != 0 */
	__u64 wb_ns;		/* sum of writeback round durations */
	struct fm_hist fault_lat;	/* fault latency, ns */
	struct fm_hist evict_lat;	/* eviction batch duration, ns */
};

/*
 * Map "files": LRU_PERCPU_HASH[FM_MAX_FILES] of stock-Linux page-cache
 * activity per file.
 *
 * dev is the kernel-internal dev_t of the inode's superblock (sb->s_dev, the
 * value the filemap tracepoints record): major << 20 | minor. It is NOT the
 * new_encode_dev()/st_dev encoding userspace sees in stat(2); convert with
 * fm_kdev_major()/fm_kdev_minor() below, or from st_dev with
 * fm_kdev_make(major(st_dev), minor(st_dev)).
 */
struct fm_file_key {
	__u32 dev;
	__u32 __pad;		/* zero */
	__u64 ino;
};

struct fm_file_stats {
	__u64 faults;		/* ->fault (filemap_fault) calls that completed */
	__u64 shared_faults;	/* ... of them in VM_SHARED mappings */
	__u64 major_faults;	/* ... that needed I/O (VM_FAULT_MAJOR or a retry) */
	__u64 page_cache_adds;	/* pages inserted into the page cache */
	__u64 page_cache_evictions; /* pages removed from the page cache */
};

#define FM_KDEV_MINORBITS	20
#define FM_KDEV_MINORMASK	((1U << FM_KDEV_MINORBITS) - 1)

static inline __u32 fm_kdev_major(__u32 dev)
{
	return dev >> FM_KDEV_MINORBITS;
}

static inline __u32 fm_kdev_minor(__u32 dev)
{
	return dev & FM_KDEV_MINORMASK;
}

static inline __u32 fm_kdev_make(__u32 major, __u32 minor)
{
	return (major << FM_KDEV_MINORBITS) | (minor & FM_KDEV_MINORMASK);
}

/* Map "global": PERCPU_ARRAY[1] of loader-facing health counters. */
struct fm_global_stats {
	__u64 rb_drops;		/* events lost because the ring buffer was full */
	__u64 file_map_errors;	/* per-file updates that failed (map full) */
};

enum fm_event_type {
	FM_EVENT_WB_ERROR = 1,	/* a writeback round failed */
	FM_EVENT_SLOW_FAULT = 2, /* a fault took >= min_fault_ns (when set) */
};

/* Ring buffer "events": rare events only. */
struct fm_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 ns;		/* wb: round duration; slow fault: latency */
	__u64 bytes;		/* wb: bytes of the round */
	__u64 off;		/* slow fault: page offset */
	__u32 type;		/* enum fm_event_type */
	__u32 id;		/* instance id */
	__s32 err;		/* wb: negative errno */
	__u32 pages;		/* wb: pages of the round */
	__u8 hit;		/* slow fault: cache hit */
	__u8 write;		/* slow fault: write fault */
	__u8 __pad[6];
};

#endif /* FASTMAP_TP_H */
