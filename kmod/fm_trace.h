/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fastmap tracepoints (events/fastmap/). Their field layout is ABI for the
 * BPF programs in bpf/ (struct fastmap_fault_ctx and friends in
 * bpf/fastmap_tp.h): change both together.
 *
 *  fastmap_fault      one page fault served: instance id, page offset,
 *                     service latency (ns), hit or miss, read or write
 *  fastmap_evict      one eviction batch: pages freed, TLB shootdown rounds,
 *                     duration (ns)
 *  fastmap_writeback  one writeback round: pages, bytes, duration (ns), errno
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM fastmap

#if !defined(_FM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _FM_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(fastmap_fault,
	TP_PROTO(u32 id, u64 off, u64 ns, bool hit, bool write),
	TP_ARGS(id, off, ns, hit, write),
	TP_STRUCT__entry(
		__field(u64, off)
		__field(u64, ns)
		__field(u32, id)
		__field(u8, hit)
		__field(u8, write)
	),
	TP_fast_assign(
		__entry->off = off;
		__entry->ns = ns;
		__entry->id = id;
		__entry->hit = hit;
		__entry->write = write;
	),
	TP_printk("id=%u off=%llu ns=%llu %s %s", __entry->id, __entry->off,
		  __entry->ns, __entry->hit ? "hit" : "miss",
		  __entry->write ? "write" : "read")
);

TRACE_EVENT(fastmap_evict,
	TP_PROTO(u32 id, u32 pages, u32 rounds, u64 ns),
	TP_ARGS(id, pages, rounds, ns),
	TP_STRUCT__entry(
		__field(u64, ns)
		__field(u32, id)
		__field(u32, pages)
		__field(u32, rounds)
	),
	TP_fast_assign(
		__entry->ns = ns;
		__entry->id = id;
		__entry->pages = pages;
		__entry->rounds = rounds;
	),
	TP_printk("id=%u pages=%u rounds=%u ns=%llu", __entry->id,
		  __entry->pages, __entry->rounds, __entry->ns)
);

TRACE_EVENT(fastmap_writeback,
	TP_PROTO(u32 id, u32 pages, u64 bytes, u64 ns, int err),
	TP_ARGS(id, pages, bytes, ns, err),
	TP_STRUCT__entry(
		__field(u64, bytes)
		__field(u64, ns)
		__field(u32, id)
		__field(u32, pages)
		__field(s32, err)
	),
	TP_fast_assign(
		__entry->bytes = bytes;
		__entry->ns = ns;
		__entry->id = id;
		__entry->pages = pages;
		__entry->err = err;
	),
	TP_printk("id=%u pages=%u bytes=%llu ns=%llu err=%d", __entry->id,
		  __entry->pages, __entry->bytes, __entry->ns, __entry->err)
);

#endif /* _FM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE fm_trace
#include <trace/define_trace.h>
