// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastmap telemetry: per-instance counters and latency histograms from the
 * module's tracepoints, and per-file page-cache activity of stock Linux mmap
 * for comparison. See bpf/README.md for the maps and the overhead design.
 *
 * Two program groups, loaded independently (the loader toggles autoload):
 *   fastmap  tracepoint/fastmap/{fastmap_fault,fastmap_evict,fastmap_writeback}
 *            (exist only while fastmap.ko is loaded)
 *   stock    fexit/filemap_fault (or, where fexit cannot load,
 *            tracepoint/filemap/mm_filemap_fault),
 *            tracepoint/filemap/mm_filemap_{add_to,delete_from}_page_cache
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "fastmap_tp.h"

char LICENSE[] SEC("license") = "GPL";

#ifndef EEXIST
#define EEXIST 17
#endif

/* include/linux/mm.h; a #define, so it is not in BTF. Stable since 2.6. */
#define FM_VM_SHARED 0x00000008UL

/* Folio orders above this are treated as corrupt input (1 page). */
#define FM_MAX_FOLIO_ORDER 20

_Static_assert((FM_HIST_SLOTS & (FM_HIST_SLOTS - 1)) == 0, "FM_HIST_SLOTS: power of 2");

/* Record layouts of kmod/fm_trace.h; see the format files in tracefs. */
_Static_assert(__builtin_offsetof(struct fastmap_fault_ctx, off) == 8, "fault.off");
_Static_assert(__builtin_offsetof(struct fastmap_fault_ctx, ns) == 16, "fault.ns");
_Static_assert(__builtin_offsetof(struct fastmap_fault_ctx, id) == 24, "fault.id");
_Static_assert(__builtin_offsetof(struct fastmap_fault_ctx, hit) == 28, "fault.hit");
_Static_assert(__builtin_offsetof(struct fastmap_fault_ctx, write) == 29, "fault.write");
_Static_assert(__builtin_offsetof(struct fastmap_evict_ctx, ns) == 8, "evict.ns");
_Static_assert(__builtin_offsetof(struct fastmap_evict_ctx, id) == 16, "evict.id");
_Static_assert(__builtin_offsetof(struct fastmap_evict_ctx, pages) == 20, "evict.pages");
_Static_assert(__builtin_offsetof(struct fastmap_evict_ctx, rounds) == 24, "evict.rounds");
_Static_assert(__builtin_offsetof(struct fastmap_writeback_ctx, bytes) == 8, "wb.bytes");
_Static_assert(__builtin_offsetof(struct fastmap_writeback_ctx, ns) == 16, "wb.ns");
_Static_assert(__builtin_offsetof(struct fastmap_writeback_ctx, id) == 24, "wb.id");
_Static_assert(__builtin_offsetof(struct fastmap_writeback_ctx, pages) == 28, "wb.pages");
_Static_assert(__builtin_offsetof(struct fastmap_writeback_ctx, err) == 32, "wb.err");

/* Filters; the loader sets them before load (they are .rodata constants). */
const volatile bool filter_instance;	/* count only instance target_id */
const volatile __u32 target_id;
const volatile __u64 min_fault_ns;	/* 0: no FM_EVENT_SLOW_FAULT events */
const volatile __u32 target_dev;	/* kernel dev_t (MAJOR << 20 | MINOR); 0: any */
const volatile __u64 target_ino;	/* 0: any inode */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FM_MAX_INSTANCES);
	__type(key, __u32);
	__type(value, struct fm_instance_stats);
} instances SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, FM_MAX_FILES);
	__type(key, struct fm_file_key);
	__type(value, struct fm_file_stats);
} files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fm_global_stats);
} global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FM_RINGBUF_BYTES);
} events SEC(".maps");

/* floor(log2(v)), 0 for v == 0 (bcc's log2l). */
static __always_inline __u32 fm_log2(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xffffffffULL) << 5;
	v >>= r;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline void fm_hist_add(struct fm_hist *h, __u64 v)
{
	__u32 slot = fm_log2(v);	/* <= 63 for a __u64 */

	/*
	 * Keep the mask: clang would otherwise drop it as redundant, and older
	 * verifiers (6.1) cannot see the bound through its register copies.
	 */
	barrier_var(slot);
	h->slots[slot & (FM_HIST_SLOTS - 1)]++;
}

static __always_inline void fm_count_drop(void)
{
	__u32 zero = 0;
	struct fm_global_stats *g = bpf_map_lookup_elem(&global, &zero);

	if (g)
		g->rb_drops++;
}

static __always_inline struct fm_event *fm_event_reserve(__u32 type, __u32 id)
{
	struct fm_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		fm_count_drop();
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->id = id;
	return e;
}

/* The per-CPU slot of instance id, or NULL when it is filtered out. */
static __always_inline struct fm_instance_stats *fm_instance(__u32 id)
{
	__u32 key = id % FM_MAX_INSTANCES;
	struct fm_instance_stats *s;

	if (filter_instance && id != target_id)
		return NULL;
	s = bpf_map_lookup_elem(&instances, &key);
	if (!s)
		return NULL;
	s->id = id;
	s->used = 1;
	return s;
}

SEC("tracepoint/fastmap/fastmap_fault")
int fm_fault(struct fastmap_fault_ctx *ctx)
{
	struct fm_instance_stats *s;
	struct fm_event *e;
	__u64 ns = ctx->ns;
	__u32 id = ctx->id;

	s = fm_instance(id);
	if (!s)
		return 0;
	s->faults++;
	if (ctx->hit)
		s->hits++;
	else
		s->misses++;
	if (ctx->write)
		s->writes++;
	s->fault_ns += ns;
	fm_hist_add(&s->fault_lat, ns);

	if (!min_fault_ns || ns < min_fault_ns)
		return 0;
	e = fm_event_reserve(FM_EVENT_SLOW_FAULT, id);
	if (!e)
		return 0;
	e->ns = ns;
	e->off = ctx->off;
	e->hit = ctx->hit;
	e->write = ctx->write;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/fastmap/fastmap_evict")
int fm_evict(struct fastmap_evict_ctx *ctx)
{
	struct fm_instance_stats *s = fm_instance(ctx->id);
	__u64 ns = ctx->ns;

	if (!s)
		return 0;
	s->evict_batches++;
	s->evicted_pages += ctx->pages;
	s->shootdown_rounds += ctx->rounds;
	s->evict_ns += ns;
	fm_hist_add(&s->evict_lat, ns);
	return 0;
}

SEC("tracepoint/fastmap/fastmap_writeback")
int fm_writeback(struct fastmap_writeback_ctx *ctx)
{
	struct fm_instance_stats *s;
	struct fm_event *e;
	__u32 id = ctx->id;
	__s32 err = ctx->err;

	s = fm_instance(id);
	if (!s)
		return 0;
	s->wb_rounds++;
	s->wb_pages += ctx->pages;
	s->wb_bytes += ctx->bytes;
	s->wb_ns += ctx->ns;
	if (!err)
		return 0;
	s->wb_errors++;

	e = fm_event_reserve(FM_EVENT_WB_ERROR, id);
	if (!e)
		return 0;
	e->err = err;
	e->pages = ctx->pages;
	e->bytes = ctx->bytes;
	e->ns = ctx->ns;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline bool fm_file_wanted(__u32 dev, __u64 ino)
{
	if (target_dev && dev != target_dev)
		return false;
	if (target_ino && ino != target_ino)
		return false;
	return true;
}

/* The per-CPU stats of (dev, ino), created on first use. */
static __always_inline struct fm_file_stats *fm_file(__u32 dev, __u64 ino)
{
	struct fm_file_key key = { .dev = dev, .ino = ino };
	struct fm_file_stats zero = {};
	struct fm_global_stats *g;
	struct fm_file_stats *s;
	__u32 gkey = 0;
	long err;

	s = bpf_map_lookup_elem(&files, &key);
	if (s)
		return s;
	err = bpf_map_update_elem(&files, &key, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		g = bpf_map_lookup_elem(&global, &gkey);
		if (g)
			g->file_map_errors++;
		return NULL;
	}
	return bpf_map_lookup_elem(&files, &key);
}

/*
 * Faults are counted per logical fault: fentry notes the file (the vma is
 * safe to read there), fexit counts. An attempt that returns VM_FAULT_RETRY
 * had to wait for I/O: it is counted then, as a major fault, because the
 * repeated attempt is often completed by fault-around (->map_pages) without
 * calling ->fault again; a repeated attempt (FAULT_FLAG_TRIED) that does reach
 * ->fault is not counted a second time.
 */
struct fm_fault_note {
	__u32 dev;
	__u32 shared;
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);		/* pid_tgid: one fault in flight per task */
	__type(value, struct fm_fault_note);
} fault_notes SEC(".maps");

SEC("fentry/filemap_fault")
int BPF_PROG(stk_fault_fentry, struct vm_fault *vmf)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct fm_fault_note n = {};
	struct vm_area_struct *vma;
	struct inode *inode;

	vma = BPF_CORE_READ(vmf, vma);
	inode = BPF_CORE_READ(vma, vm_file, f_inode);
	if (!inode)
		return 0;
	n.ino = BPF_CORE_READ(inode, i_ino);
	n.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (!fm_file_wanted(n.dev, n.ino))
		return 0;
	n.shared = !!(BPF_CORE_READ(vma, vm_flags) & FM_VM_SHARED);
	bpf_map_update_elem(&fault_notes, &tid, &n, BPF_ANY);
	return 0;
}

SEC("fexit/filemap_fault")
int BPF_PROG(stk_fault_fexit, struct vm_fault *vmf, vm_fault_t ret)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct fm_fault_note *n;
	struct fm_file_stats *s;
	bool retry, tried;

	n = bpf_map_lookup_elem(&fault_notes, &tid);
	if (!n)
		return 0;
	retry = ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_RETRY);
	tried = BPF_CORE_READ(vmf, flags) &
		bpf_core_enum_value(enum fault_flag, FAULT_FLAG_TRIED);
	if (!tried) {
		s = fm_file(n->dev, n->ino);
		if (s) {
			s->faults++;
			if (n->shared)
				s->shared_faults++;
			if (retry ||
			    (ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_MAJOR)))
				s->major_faults++;
		}
	}
	bpf_map_delete_elem(&fault_notes, &tid);
	return 0;
}

/*
 * tracepoint/filemap/mm_filemap_fault (fires on entry to filemap_fault; not
 * in 6.1): the fallback where fexit cannot load (no BTF trampolines, or a
 * policy that forbids tracing programs). It cannot see the vma or the result,
 * so it counts every ->fault call, retries included, and no shared/major
 * split. Not in the pinned 6.1 vmlinux.h, hence the local ___fm flavor; CO-RE
 * matches it to trace_event_raw_mm_filemap_fault of the running kernel.
 */
struct trace_event_raw_mm_filemap_fault___fm {
	struct trace_entry ent;
	unsigned long i_ino;
	dev_t s_dev;
	unsigned long index;
} __attribute__((preserve_access_index));

SEC("tracepoint/filemap/mm_filemap_fault")
int stk_fault_tp(struct trace_event_raw_mm_filemap_fault___fm *ctx)
{
	__u32 dev = ctx->s_dev;
	__u64 ino = ctx->i_ino;
	struct fm_file_stats *s;

	if (!fm_file_wanted(dev, ino))
		return 0;
	s = fm_file(dev, ino);
	if (s)
		s->faults++;
	return 0;
}

/* Pages in the traced folio: 1 << order where the record has it (6.x). */
static __always_inline __u64
fm_folio_pages(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	__u32 order;

	if (!bpf_core_field_exists(ctx->order))
		return 1;
	order = ctx->order;
	if (order > FM_MAX_FOLIO_ORDER)
		return 1;
	return 1ULL << order;
}

/* One page-cache insertion (@add) or deletion of a file's folio. */
static __always_inline int
fm_pc_account(struct trace_event_raw_mm_filemap_op_page_cache *ctx, bool add)
{
	__u32 dev = ctx->s_dev;
	__u64 ino = ctx->i_ino;
	struct fm_file_stats *s;

	if (!fm_file_wanted(dev, ino))
		return 0;
	/* Evictions of files never seen being added are still worth a slot. */
	s = fm_file(dev, ino);
	if (!s)
		return 0;
	if (add)
		s->page_cache_adds += fm_folio_pages(ctx);
	else
		s->page_cache_evictions += fm_folio_pages(ctx);
	return 0;
}

SEC("tracepoint/filemap/mm_filemap_add_to_page_cache")
int stk_pc_add(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	return fm_pc_account(ctx, true);
}

SEC("tracepoint/filemap/mm_filemap_delete_from_page_cache")
int stk_pc_delete(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	return fm_pc_account(ctx, false);
}
