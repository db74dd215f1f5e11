/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fastmap internal definitions.
 *
 * Object model (see docs/architecture.md):
 *  - fm_instance: one block device, its DRAM cache and its node /dev/fastmap/<name>.
 *  - fm_page: descriptor of one cache frame. Never freed while the instance
 *    lives, so a pointer read from the index stays dereferenceable; identity
 *    is re-checked under fm_page.lock.
 *  - fm_part: a partition of the page index (offset % nr_parts), one per
 *    possible CPU. Its xarray is the index; XA_MARK_0 on it is the partition's
 *    dirty tree. Each partition also has its own LRU list.
 *  - fm_pve: per-VMA entry; holds per-CPU lists of fm_ppr.
 *  - fm_ppr: one (vma, address) reverse mapping of one page. Lives on the
 *    page's rmap list and on one list of its PVE.
 *
 * Lock order: inst->rmap_sem -> mmap_lock (trylock only) -> fm_page.lock ->
 *             {partition xa_lock, pve list lock, page-table lock}.
 *             part->lru_lock -> fm_page.lock (trylock only).
 */
#ifndef FASTMAP_INTERNAL_H
#define FASTMAP_INTERNAL_H

#include <linux/types.h>
#include <linux/mm.h>
#include <linux/xarray.h>
#include <linux/spinlock.h>
#include <linux/rwsem.h>
#include <linux/mutex.h>
#include <linux/kobject.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/workqueue.h>
#include <linux/errseq.h>
#include <linux/wait.h>
#include "fastmap.h"

#define FM_XA_DIRTY		XA_MARK_0
#define FM_PVE_MAX_LISTS	64U

/* fm_page.state, changed under fm_page.lock */
enum fm_page_state {
	FM_FREE = 0,		/* on a free list, not in the index */
	FM_LOADING,		/* in the index, device read in flight */
	FM_CACHED,		/* in the index, up to date */
	FM_EVICTING,		/* in the index, mappings being torn down */
	FM_RETIRED,		/* no page: the cache shrank; on inst->retired */
};

/* fm_page.flags bits (atomic bitops) */
enum fm_page_flag {
	FM_PG_DIRTY,		/* set/cleared under fm_page.lock */
	FM_PG_WRITEBACK,	/* set under lock, cleared at bio completion */
	FM_PG_REF,		/* referenced since the LRU last looked */
};

struct fm_page {
	spinlock_t lock;
	u8 state;
	atomic_t pins;			/* users that may map or copy the frame */
	unsigned long flags;
	u64 off;			/* device page offset, U64_MAX when free */
	struct page *page;
	struct hlist_head rmap;		/* fm_ppr.page_node, under lock */
	struct list_head lru;		/* partition LRU or a free list */
};

struct fm_ppr {
	struct hlist_node page_node;
	struct list_head pve_node;
	struct fm_pve *pve;
	struct fm_page *fp;
	unsigned long addr;
	u32 list_idx;
};

struct fm_pve_list {
	spinlock_t lock;
	struct list_head head;
} ____cacheline_aligned_in_smp;

struct fm_pve {
	struct fm_instance *inst;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct fm_pve *mremap_src;	/* set by open() of a mremap copy */
	unsigned int nr_lists;
	struct fm_pve_list lists[];
};

struct fm_part {
	struct xarray index;		/* key: off / nr_parts */
	spinlock_t lru_lock;
	struct list_head lru;
} ____cacheline_aligned_in_smp;

struct fm_freelist {
	spinlock_t lock;
	struct list_head head;
	unsigned int nr;
};

struct fm_stats_pcpu {
	u64 faults, hits, misses, mkwrite;
	u64 evictions, evict_batches, shootdowns;
	u64 wb_pages, wb_bios, read_ios, read_errors, write_errors;
	u64 evict_stalls;
	u64 outside_writes;
};

#define fm_stat_inc(inst, field) this_cpu_inc((inst)->stats->field)
#define fm_stat_add(inst, field, n) this_cpu_add((inst)->stats->field, (n))

struct fm_bdev;			/* compat: an open, exclusively claimed bdev */
struct fm_fmark;		/* fm_backing.c: fsnotify mark on a backing file */

struct fm_instance {
	char name[FASTMAP_NAME_MAX];
	char devpath[128];
	struct list_head node;		/* fm_instances, under fm_instances_lock */

	struct fm_bdev *fbdev;
	struct block_device *bdev;	/* NULL for a file instance */
	u64 size_bytes;			/* device size; 0 for a file instance */
	u64 nr_dev_pages;		/* upper bound of page offsets */

	/* file instance (per-file mode), see fm_backing.c */
	struct file *bfile;		/* backing file, O_DIRECT */
	u32 file_dev;			/* st_dev (new_encode_dev) */
	u64 file_ino;
	bool read_only;			/* backing file opened read-only */
	struct fm_fmark *fmark;
	struct work_struct inval_work;	/* outside modification seen */
	struct task_struct *self_task;	/* our own truncate, not "outside" */
	struct mutex size_lock;		/* extension of the file */

	u32 id;				/* tracepoints and netlink carry it */

	/* cache */
	struct list_head chunks;	/* of descriptors, under resize_lock */
	struct list_head retired;	/* descriptors without a page */
	spinlock_t retired_lock;
	struct mutex resize_lock;
	atomic_long_t nr_frames;	/* frames with a page */
	unsigned long target_frames;	/* frames above it retire when freed */
	unsigned int nr_parts;
	struct fm_part *parts;
	struct fm_freelist __percpu *free;
	struct percpu_counter nr_free;
	struct percpu_counter nr_dirty;
	struct percpu_counter nr_cached;

	/* tunables */
	unsigned int batch_pages;
	unsigned int dirty_ratio;
	unsigned int wb_interval_ms;

	/* events (rate-limited, sent from a work item) */
	struct delayed_work event_work;
	atomic_t ev_stalls;
	atomic_t ev_io_error;		/* last errno not yet reported */

	/* eviction */
	struct mutex evict_lock;
	wait_queue_head_t free_wq;	/* waiters for a free frame */
	unsigned int evict_cursor;
	unsigned long last_evict;	/* jiffies of the last eviction batch */
	struct work_struct evict_work;
	struct rw_semaphore rmap_sem;
	struct fm_page **evict_vec;	/* FASTMAP_BATCH_MAX, under evict_lock */
	bool *evict_ok;
	struct fm_page **evict_dirty;	/* dirty victims, under evict_lock */

	/* writeback */
	struct delayed_work wb_work;
	unsigned long wb_flags;
	unsigned int wb_cursor;
	errseq_t wb_err;

	/* node /dev/fastmap/<name> (fm_file.c) */
	dev_t devt;
	struct mutex open_lock;
	unsigned int open_count;
	unsigned int ctl_busy;		/* SET requests running; blocks detach */
	bool dying;

	struct kobject kobj;
	struct completion kobj_done;

	struct fm_stats_pcpu __percpu *stats;
};

/* Context of an operation that may have to evict. */
struct fm_ctx {
	struct mm_struct *held_mm;	/* mm whose mmap_lock the caller holds */
	/*
	 * The caller is a page fault: it holds its mm's mmap_lock or, since
	 * 6.4, only the faulting VMA's per-VMA lock (then held_mm is NULL).
	 * Either way it must not wait for anything an mmap_lock writer of its
	 * mm may be waiting behind.
	 */
	bool in_fault;
};

/* fm_main.c */
extern unsigned int fm_default_batch;
extern unsigned int fm_default_dirty_ratio;
extern unsigned int fm_writeback_interval_ms;
extern bool fm_unsafe_skip_tlb_flush;
extern bool fm_fault_around_evicting;

/* fm_instance.c */
extern struct mutex fm_instances_lock;
extern struct list_head fm_instances;
int fm_instance_attach(const char *devpath, struct file *srcfile,
		       const char *name, u64 cache_bytes,
		       u32 batch, u32 dirty_ratio, const u32 *wb_ms,
		       struct fm_instance **out, const char **why);
struct fm_instance *fm_instance_find_file(u32 dev, u64 ino);
int fm_instance_open(struct fm_instance *inst, struct file *file);
int fm_instance_detach(const char *name, const char **why);
struct fm_instance *fm_instance_find(const char *name);
void fm_instance_get_stats(struct fm_instance *inst, struct fastmap_stats *st);
int fm_sysfs_init(void);
void fm_sysfs_exit(void);
bool fm_name_valid(const char *name);

/* fm_netlink.c */
int fm_netlink_init(void);
void fm_netlink_exit(void);
void fm_nl_event(const char *name, u32 event, u64 value);

/* fm_events.c */
void fm_events_init(struct fm_instance *inst);
void fm_events_stop(struct fm_instance *inst);
void fm_event_stall(struct fm_instance *inst);
void fm_event_io_error(struct fm_instance *inst, int err);
int fm_set_params(struct fm_instance *inst, const u64 *cache_bytes,
		  const u32 *batch, const u32 *ratio, const u32 *wb_ms,
		  const char **why);

/* fm_files.c: the per-file enable table */
int fm_files_add(u32 dev, u64 ino, const char *path, u64 cache_bytes);
int fm_files_del(u32 dev, u64 ino);
struct fm_file_entry {
	u32 dev;
	u64 ino;
	u64 cache_bytes;		/* 0: module parameter file_cache_mb */
	char path[256];
};
bool fm_files_lookup(u32 dev, u64 ino, struct fm_file_entry *out);
unsigned long fm_files_walk(unsigned long start,
			    int (*fn)(const struct fm_file_entry *e, void *arg),
			    void *arg);
void fm_files_exit(void);

/* fm_cache.c */
int fm_cache_init(struct fm_instance *inst, unsigned long nr_frames);
int fm_cache_resize(struct fm_instance *inst, unsigned long frames,
		    const char **why);
void fm_cache_destroy(struct fm_instance *inst);
struct fm_page *fm_get_page(struct fm_instance *inst, u64 off,
			    struct fm_ctx *ctx, bool *hit);
void fm_put_page(struct fm_page *fp);
void fm_wait_for_frames(struct fm_instance *inst);
struct fm_page *fm_lookup_cached(struct fm_instance *inst, u64 off);
void fm_mark_dirty(struct fm_instance *inst, struct fm_page *fp);
bool fm_clear_dirty_locked(struct fm_instance *inst, struct fm_page *fp);
int fm_evict_batch(struct fm_instance *inst, struct fm_ctx *ctx,
		   unsigned int want);
int fm_evict_range(struct fm_instance *inst, u64 first, u64 last);
struct fm_part *fm_part_of(struct fm_instance *inst, u64 off);
unsigned long fm_key_of(struct fm_instance *inst, u64 off);

static inline unsigned long fm_nr_frames(struct fm_instance *inst)
{
	return atomic_long_read(&inst->nr_frames);
}

/* fm_rmap.c */
extern const struct vm_operations_struct fm_vm_ops;
int fm_rmap_init(void);
void fm_rmap_exit(void);
int fm_mmap(struct fm_instance *inst, struct vm_area_struct *vma);
enum fm_unmap_mode { FM_UNMAP_CLEAR, FM_UNMAP_CLEAN };
unsigned int fm_rmap_unmap(struct fm_instance *inst, struct fm_page **fps,
			   bool *ok, unsigned int n, enum fm_unmap_mode mode,
			   struct fm_ctx *ctx);
void fm_rmap_drop_all(struct fm_page *fp);

/* fm_writeback.c */
int fm_writeback_init(struct fm_instance *inst);
void fm_writeback_stop(struct fm_instance *inst);
void fm_writeback_kick(struct fm_instance *inst);
void fm_writeback_schedule(struct fm_instance *inst);
int fm_writeback_evicting(struct fm_instance *inst, struct fm_page **fps,
			  unsigned int n);
int fm_writeback_some(struct fm_instance *inst, unsigned int max,
		      struct fm_ctx *ctx, bool background);
int fm_sync_range(struct fm_instance *inst, u64 first, u64 last, bool flush);
int fm_read_page(struct fm_instance *inst, struct fm_page *fp,
		 struct fm_ctx *ctx);

/* fm_file.c: the instance nodes /dev/fastmap/<name> */
extern const struct file_operations fm_instance_fops;
int fm_node_init(void);
void fm_node_exit(void);
int fm_node_add(struct fm_instance *inst);
void fm_node_del(struct fm_instance *inst);

/* fm_backing.c: file instances (per-file mode) */
extern unsigned int fm_file_cache_mb;
int fm_backing_init(void);
void fm_backing_exit(void);
int fm_backing_open(struct fm_instance *inst, struct file *src,
		    const char **why);
void fm_backing_stop(struct fm_instance *inst);
void fm_backing_close(struct fm_instance *inst);
int fm_backing_check(struct file *src, const char **why);
u64 fm_inst_size(struct fm_instance *inst);
int fm_backing_read_page(struct fm_instance *inst, struct fm_page *fp,
			 bool nowait);
unsigned int fm_backing_write(struct fm_instance *inst, struct fm_page **fps,
			      unsigned int n, bool nowait,
			      void (*done)(struct fm_instance *inst,
					   struct fm_page *fp, int err));
int fm_backing_flush(struct fm_instance *inst);
int fm_backing_extend(struct fm_instance *inst, u64 size);

/* fm_control.c: /dev/fastmap/control */
int fm_control_init(void);
void fm_control_exit(void);

/* fm_compat.c: everything that differs between kernel versions */
struct fm_bdev *fm_bdev_open(const char *path, void *holder,
			     struct block_device **bdev);
void fm_bdev_close(struct fm_bdev *fb, void *holder);
void fm_flush_tlb_all_cpus(void);
void fm_vma_set_flags(struct vm_area_struct *vma, unsigned long flags);
void fm_fault_release_lock(struct vm_fault *vmf);
bool fm_fault_holds_mmap_lock(const struct vm_fault *vmf);
extern struct class fm_node_class;

#endif /* FASTMAP_INTERNAL_H */
