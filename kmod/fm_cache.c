// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DRAM cache: frames, the partitioned page index, per-CPU free lists,
 * lookup/load, dirty marking and batched eviction.
 *
 * The index is split into nr_cpu_ids partitions by page offset (off % N, as
 * in FastMap); each partition is an xarray (its own lock) whose XA_MARK_0 is
 * the partition's dirty tree, plus an LRU list with its own lock. A fault
 * takes no lock shared by all partitions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/sched/signal.h>
#include <linux/wait_bit.h>
#include <linux/delay.h>
#include "fastmap_int.h"
#include "fm_trace.h"

struct fm_part *fm_part_of(struct fm_instance *inst, u64 off)
{
	return &inst->parts[off % inst->nr_parts];
}

unsigned long fm_key_of(struct fm_instance *inst, u64 off)
{
	return off / inst->nr_parts;
}

static void fm_set_state(struct fm_page *fp, u8 state)
{
	WRITE_ONCE(fp->state, state);
}

static void fm_wake(struct fm_page *fp)
{
	/* Order the state change before the waiter check in wake_up_var(). */
	smp_mb();
	wake_up_var(&fp->state);
}

/* ---- free lists ---------------------------------------------------------- */

static struct fm_page *fm_pop_free(struct fm_freelist *fl,
				   struct list_head *more, unsigned int nmore)
{
	struct fm_page *fp = NULL;

	spin_lock(&fl->lock);
	if (!list_empty(&fl->head)) {
		fp = list_first_entry(&fl->head, struct fm_page, lru);
		list_del_init(&fp->lru);
		fl->nr--;
		while (more && nmore-- && !list_empty(&fl->head)) {
			list_move(fl->head.next, more);
			fl->nr--;
		}
	}
	spin_unlock(&fl->lock);
	return fp;
}

static void fm_push_free_list(struct fm_instance *inst, struct list_head *l,
			      unsigned int n)
{
	struct fm_freelist *fl = raw_cpu_ptr(inst->free);

	spin_lock(&fl->lock);
	list_splice(l, &fl->head);
	fl->nr += n;
	spin_unlock(&fl->lock);
}

static struct fm_page *fm_take_free(struct fm_instance *inst)
{
	struct fm_freelist *own = raw_cpu_ptr(inst->free);
	struct fm_page *fp, *t;
	LIST_HEAD(stolen);
	unsigned int n = 0;
	int cpu;

	fp = fm_pop_free(own, NULL, 0);
	if (fp)
		goto got;
	for_each_possible_cpu(cpu) {
		struct fm_freelist *fl = per_cpu_ptr(inst->free, cpu);

		if (fl == own || !READ_ONCE(fl->nr))
			continue;
		fp = fm_pop_free(fl, &stolen, 31);
		if (fp)
			break;
	}
	if (!fp)
		return NULL;
	list_for_each_entry(t, &stolen, lru)
		n++;
	if (n)
		fm_push_free_list(inst, &stolen, n);
got:
	percpu_counter_dec(&inst->nr_free);
	return fp;
}

/* Exact number of frames on the free lists (the percpu counter is approximate). */
static unsigned long fm_free_count(struct fm_instance *inst)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(inst->free, cpu)->nr);
	return n;
}

/* ---- frames: allocation, retirement, live resize ------------------------ */

/*
 * Descriptors live in chunks that are only freed with the instance, so a
 * descriptor pointer found anywhere stays dereferenceable. Shrinking frees a
 * frame's page and parks its descriptor (FM_RETIRED) for a later grow.
 */
#define FM_CHUNK_FRAMES	4096U

struct fm_chunk {
	struct list_head node;
	unsigned int n;
	struct fm_page fp[];
};

static void fm_init_desc(struct fm_page *fp)
{
	spin_lock_init(&fp->lock);
	INIT_HLIST_HEAD(&fp->rmap);
	INIT_LIST_HEAD(&fp->lru);
	fp->off = U64_MAX;
	fp->state = FM_RETIRED;
}

static struct fm_page *fm_pop_retired(struct fm_instance *inst)
{
	struct fm_page *fp = NULL;

	spin_lock(&inst->retired_lock);
	if (!list_empty(&inst->retired)) {
		fp = list_first_entry(&inst->retired, struct fm_page, lru);
		list_del_init(&fp->lru);
	}
	spin_unlock(&inst->retired_lock);
	return fp;
}

static void fm_retire(struct fm_instance *inst, struct fm_page *fp)
{
	__free_page(fp->page);
	fp->page = NULL;
	fp->off = U64_MAX;
	fm_set_state(fp, FM_RETIRED);
	spin_lock(&inst->retired_lock);
	list_add(&fp->lru, &inst->retired);
	spin_unlock(&inst->retired_lock);
}

/* Take one frame off the books if the cache is above its target size. */
static bool fm_claim_retire(struct fm_instance *inst)
{
	long n = atomic_long_read(&inst->nr_frames);

	while (n > (long)READ_ONCE(inst->target_frames))
		if (atomic_long_try_cmpxchg(&inst->nr_frames, &n, n - 1))
			return true;
	return false;
}

static void fm_free_frame(struct fm_instance *inst, struct fm_page *fp)
{
	LIST_HEAD(l);

	if (unlikely(fm_claim_retire(inst))) {
		fm_retire(inst, fp);
		return;
	}
	list_add(&fp->lru, &l);
	fm_push_free_list(inst, &l, 1);
	percpu_counter_inc(&inst->nr_free);
}

/*
 * Add @n frames: reuse retired descriptors, then new chunks; all pages are
 * allocated before anything becomes visible, so failure changes nothing.
 * Caller holds inst->resize_lock.
 */
static int fm_grow(struct fm_instance *inst, unsigned long n)
{
	LIST_HEAD(frames);
	LIST_HEAD(chunks);
	struct fm_page *fp, *t;
	struct fm_chunk *c, *ct;
	unsigned long got = 0, i = 0;
	int cpu, err = 0;

	while (got < n && (fp = fm_pop_retired(inst))) {
		list_add_tail(&fp->lru, &frames);
		got++;
	}
	while (got < n) {
		unsigned int j, k = min_t(unsigned long, FM_CHUNK_FRAMES, n - got);

		c = kvzalloc(struct_size(c, fp, k), GFP_KERNEL);
		if (!c) {
			err = -ENOMEM;
			goto fail;
		}
		c->n = k;
		list_add_tail(&c->node, &chunks);
		for (j = 0; j < k; j++) {
			fm_init_desc(&c->fp[j]);
			list_add_tail(&c->fp[j].lru, &frames);
		}
		got += k;
	}
	list_for_each_entry(fp, &frames, lru) {
		fp->page = alloc_page(GFP_KERNEL | __GFP_NOWARN |
				      __GFP_RETRY_MAYFAIL);
		if (!fp->page) {
			err = -ENOMEM;
			goto fail;
		}
		set_page_private(fp->page, (unsigned long)fp);
		fp->off = U64_MAX;
		fp->flags = 0;
		fp->state = FM_FREE;
		if (!(++i & 1023)) {
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				goto fail;
			}
			cond_resched();
		}
	}

	/* Commit: hand the frames out round-robin to the per-CPU free lists. */
	list_splice_tail(&chunks, &inst->chunks);
	cpu = cpumask_first(cpu_possible_mask);
	list_for_each_entry_safe(fp, t, &frames, lru) {
		struct fm_freelist *fl = per_cpu_ptr(inst->free, cpu);

		spin_lock(&fl->lock);
		list_move_tail(&fp->lru, &fl->head);
		fl->nr++;
		spin_unlock(&fl->lock);
		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_possible_mask);
	}
	percpu_counter_add(&inst->nr_free, n);
	atomic_long_add(n, &inst->nr_frames);
	WRITE_ONCE(inst->target_frames, atomic_long_read(&inst->nr_frames));
	if (wq_has_sleeper(&inst->free_wq))
		wake_up_all(&inst->free_wq);
	return 0;

fail:
	list_for_each_entry_safe(fp, t, &frames, lru) {
		if (fp->page)
			__free_page(fp->page);
		fp->page = NULL;
		fp->state = FM_RETIRED;
		list_del_init(&fp->lru);
		if (!list_empty(&chunks)) {
			bool in_new = false;

			list_for_each_entry(c, &chunks, node)
				if (fp >= c->fp && fp < c->fp + c->n)
					in_new = true;
			if (in_new)
				continue;
		}
		spin_lock(&inst->retired_lock);
		list_add(&fp->lru, &inst->retired);
		spin_unlock(&inst->retired_lock);
	}
	list_for_each_entry_safe(c, ct, &chunks, node)
		kvfree(c);
	return err;
}

static int fm_evict_for_shrink(struct fm_instance *inst);

/*
 * Shrink to @target frames through the normal batched eviction path: frames
 * freed while the cache is above target are retired instead of reused.
 * Caller holds inst->resize_lock. On failure the cache stays at whatever
 * size it reached.
 */
static int fm_shrink(struct fm_instance *inst, unsigned long target,
		     const char **why)
{
	unsigned long deadline = jiffies + 30 * HZ;
	struct fm_page *fp;
	int err = 0;

	WRITE_ONCE(inst->target_frames, target);
	while (atomic_long_read(&inst->nr_frames) > (long)target) {
		while ((fp = fm_take_free(inst))) {
			if (!fm_claim_retire(inst)) {
				fm_free_frame(inst, fp);
				break;
			}
			fm_retire(inst, fp);
			cond_resched();
		}
		if (atomic_long_read(&inst->nr_frames) <= (long)target)
			break;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			*why = "interrupted while shrinking the cache";
			break;
		}
		if (time_after(jiffies, deadline)) {
			err = -EBUSY;
			*why = "could not evict enough pages within 30 s (pinned or busy)";
			break;
		}
		if (fm_evict_for_shrink(inst) <= 0)
			usleep_range(1000, 5000);
	}
	if (err)
		WRITE_ONCE(inst->target_frames,
			   atomic_long_read(&inst->nr_frames));
	return err;
}

int fm_cache_resize(struct fm_instance *inst, unsigned long frames,
		    const char **why)
{
	long cur;
	int err;

	mutex_lock(&inst->resize_lock);
	cur = atomic_long_read(&inst->nr_frames);
	if (frames > (unsigned long)cur) {
		err = fm_grow(inst, frames - cur);
		if (err)
			*why = err == -EINTR ? "interrupted while growing the cache" :
					       "cannot allocate memory to grow the cache";
	} else {
		err = frames < (unsigned long)cur ? fm_shrink(inst, frames, why) : 0;
	}
	mutex_unlock(&inst->resize_lock);
	if (!err)
		pr_info("%s: cache resized to %lu MiB\n", inst->name,
			frames >> (20 - PAGE_SHIFT));
	return err;
}

/* ---- setup / teardown ------------------------------------------------------ */

static void fm_evict_workfn(struct work_struct *work);

int fm_cache_init(struct fm_instance *inst, unsigned long nr_frames)
{
	unsigned int p;
	int cpu, err = -ENOMEM;

	INIT_LIST_HEAD(&inst->chunks);
	INIT_LIST_HEAD(&inst->retired);
	spin_lock_init(&inst->retired_lock);
	mutex_init(&inst->resize_lock);
	atomic_long_set(&inst->nr_frames, 0);
	mutex_init(&inst->evict_lock);
	inst->last_evict = jiffies - 2 * HZ;
	init_waitqueue_head(&inst->free_wq);
	init_rwsem(&inst->rmap_sem);
	INIT_WORK(&inst->evict_work, fm_evict_workfn);

	inst->nr_parts = nr_cpu_ids;
	inst->parts = kvcalloc(inst->nr_parts, sizeof(*inst->parts),
			       GFP_KERNEL);
	if (!inst->parts)
		return -ENOMEM;
	for (p = 0; p < inst->nr_parts; p++) {
		xa_init(&inst->parts[p].index);
		spin_lock_init(&inst->parts[p].lru_lock);
		INIT_LIST_HEAD(&inst->parts[p].lru);
	}
	inst->free = alloc_percpu(struct fm_freelist);
	inst->stats = alloc_percpu(struct fm_stats_pcpu);
	inst->evict_vec = kvcalloc(FASTMAP_BATCH_MAX, sizeof(*inst->evict_vec),
				   GFP_KERNEL);
	inst->evict_ok = kvcalloc(FASTMAP_BATCH_MAX, sizeof(*inst->evict_ok),
				  GFP_KERNEL);
	inst->evict_dirty = kvcalloc(FASTMAP_BATCH_MAX,
				     sizeof(*inst->evict_dirty), GFP_KERNEL);
	if (!inst->free || !inst->stats || !inst->evict_vec ||
	    !inst->evict_ok || !inst->evict_dirty)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct fm_freelist *fl = per_cpu_ptr(inst->free, cpu);

		spin_lock_init(&fl->lock);
		INIT_LIST_HEAD(&fl->head);
		fl->nr = 0;
	}
	if (percpu_counter_init(&inst->nr_free, 0, GFP_KERNEL))
		goto fail;
	if (percpu_counter_init(&inst->nr_dirty, 0, GFP_KERNEL))
		goto fail_free;
	if (percpu_counter_init(&inst->nr_cached, 0, GFP_KERNEL))
		goto fail_dirty;
	err = fm_grow(inst, nr_frames);
	if (err)
		goto fail_cached;
	return 0;

fail_cached:
	percpu_counter_destroy(&inst->nr_cached);
fail_dirty:
	percpu_counter_destroy(&inst->nr_dirty);
fail_free:
	percpu_counter_destroy(&inst->nr_free);
fail:
	kvfree(inst->evict_dirty);
	kvfree(inst->evict_ok);
	kvfree(inst->evict_vec);
	free_percpu(inst->stats);
	free_percpu(inst->free);
	kvfree(inst->parts);
	return err;
}

/* Called with no users left: no mappings, no open files, no work queued. */
void fm_cache_destroy(struct fm_instance *inst)
{
	struct fm_chunk *c, *ct;
	unsigned int p, i;

	cancel_work_sync(&inst->evict_work);
	list_for_each_entry_safe(c, ct, &inst->chunks, node) {
		for (i = 0; i < c->n; i++) {
			struct fm_page *fp = &c->fp[i];

			fm_rmap_drop_all(fp);
			if (fp->page)
				__free_page(fp->page);
		}
		kvfree(c);
	}
	for (p = 0; p < inst->nr_parts; p++)
		xa_destroy(&inst->parts[p].index);
	percpu_counter_destroy(&inst->nr_cached);
	percpu_counter_destroy(&inst->nr_dirty);
	percpu_counter_destroy(&inst->nr_free);
	kvfree(inst->evict_dirty);
	kvfree(inst->evict_ok);
	kvfree(inst->evict_vec);
	free_percpu(inst->stats);
	free_percpu(inst->free);
	kvfree(inst->parts);
}

/* ---- dirty tracking -------------------------------------------------------- */

/* Caller holds fp->lock; fp is in the index (LOADING excluded). */
void fm_mark_dirty(struct fm_instance *inst, struct fm_page *fp)
{
	struct fm_part *part;

	if (test_and_set_bit(FM_PG_DIRTY, &fp->flags))
		return;
	part = fm_part_of(inst, fp->off);
	xa_set_mark(&part->index, fm_key_of(inst, fp->off), FM_XA_DIRTY);
	percpu_counter_inc(&inst->nr_dirty);
	if (percpu_counter_read_positive(&inst->nr_dirty) * 100 >
	    (s64)READ_ONCE(inst->dirty_ratio) * fm_nr_frames(inst))
		fm_writeback_kick(inst);
}

/* Caller holds fp->lock. Returns true if the page was dirty. */
bool fm_clear_dirty_locked(struct fm_instance *inst, struct fm_page *fp)
{
	struct fm_part *part;

	if (!test_and_clear_bit(FM_PG_DIRTY, &fp->flags))
		return false;
	part = fm_part_of(inst, fp->off);
	xa_clear_mark(&part->index, fm_key_of(inst, fp->off), FM_XA_DIRTY);
	percpu_counter_dec(&inst->nr_dirty);
	return true;
}

/* ---- eviction ------------------------------------------------------------- */

static bool fm_evictable(struct fm_page *fp)
{
	return fp->state == FM_CACHED && !atomic_read(&fp->pins) &&
	       !test_bit(FM_PG_DIRTY, &fp->flags) &&
	       !test_bit(FM_PG_WRITEBACK, &fp->flags);
}

/*
 * A dirty page of a block-device instance can be evicted in the same round
 * as clean ones: fm_evict_victims() unmaps it, writes it and then frees it.
 * Claim it for that write now, under fp->lock, so that an msync that finds
 * it no longer dirty waits for FM_PG_WRITEBACK instead of returning early.
 * A file instance's writes may have to wait for the file (fm_backing.c), so
 * its dirty pages are left to writeback.
 */
static bool fm_claim_dirty_victim(struct fm_instance *inst, struct fm_page *fp)
{
	if (inst->bfile || fp->state != FM_CACHED || atomic_read(&fp->pins) ||
	    test_bit(FM_PG_WRITEBACK, &fp->flags) ||
	    !fm_clear_dirty_locked(inst, fp))
		return false;
	set_bit(FM_PG_WRITEBACK, &fp->flags);
	atomic_inc(&fp->pins);
	return true;
}

/*
 * Move unpinned pages not under writeback from the LRUs into @vec as
 * EVICTING: clean ones, and with @take_dirty dirty ones too, claimed for
 * writing on the way out. Returns how many; *@dirty counts dirty pages left.
 */
static unsigned int fm_scan_victims(struct fm_instance *inst,
				    struct fm_page **vec, unsigned int want,
				    bool take_dirty, unsigned int *dirty)
{
	unsigned int n = 0, visited = 0, p = inst->evict_cursor;
	unsigned int per_part = max(2 * want / inst->nr_parts, 64U);

	while (n < want && visited++ < 2 * inst->nr_parts) {
		struct fm_part *part = &inst->parts[p];
		struct fm_page *fp, *tmp;
		unsigned int budget = per_part;

		spin_lock(&part->lru_lock);
		list_for_each_entry_safe(fp, tmp, &part->lru, lru) {
			if (n == want || !budget--)
				break;
			if (test_and_clear_bit(FM_PG_REF, &fp->flags)) {
				list_move_tail(&fp->lru, &part->lru);
				continue;
			}
			if (!spin_trylock(&fp->lock))
				continue;
			if (fm_evictable(fp) ||
			    (take_dirty && fm_claim_dirty_victim(inst, fp))) {
				fm_set_state(fp, FM_EVICTING);
				list_del_init(&fp->lru);
				vec[n++] = fp;
			} else {
				/*
				 * Dirty, under writeback or pinned: rotate it, or
				 * every scan would stop at the same old pages while
				 * others wait behind them.
				 */
				list_move_tail(&fp->lru, &part->lru);
				*dirty += test_bit(FM_PG_DIRTY, &fp->flags);
			}
			spin_unlock(&fp->lock);
		}
		spin_unlock(&part->lru_lock);
		if (++p == inst->nr_parts)
			p = 0;
	}
	inst->evict_cursor = p;
	return n;
}

/*
 * Choose up to @want victims, clean pages first (as FastMap does): a block-
 * device instance takes dirty ones in LRU order when fewer than four batches
 * of the cache are clean, or when a clean-only scan came back less than half
 * full. A file instance only evicts clean pages and kicks writeback when the
 * scan met mostly dirty ones.
 */
static unsigned int fm_select_victims(struct fm_instance *inst,
				      struct fm_page **vec, unsigned int want)
{
	s64 clean = percpu_counter_read_positive(&inst->nr_cached) -
		    percpu_counter_read_positive(&inst->nr_dirty);
	bool take_dirty = !inst->bfile && clean < 4 * (s64)want;
	unsigned int n, dirty = 0;

	n = fm_scan_victims(inst, vec, want, take_dirty, &dirty);
	if (!inst->bfile && !take_dirty && n < want / 2)
		n += fm_scan_victims(inst, vec + n, want - n, true, &dirty);
	if (inst->bfile && dirty > n)
		fm_writeback_kick(inst);
	return n;
}

/*
 * Collect the pages of @vec claimed dirty into inst->evict_dirty. Every
 * claim ends in a write submitted after it (msync relies on that, see
 * fm_sync_range()). One still mapped somewhere (!ok) may take more stores
 * during the write, so it is marked dirty again first, as writeback does.
 * Returns the number to write.
 */
static unsigned int fm_collect_dirty_victims(struct fm_instance *inst,
					     struct fm_page **vec, bool *ok,
					     unsigned int n)
{
	unsigned int i, nd = 0;

	for (i = 0; i < n; i++) {
		struct fm_page *fp = vec[i];

		if (!test_bit(FM_PG_WRITEBACK, &fp->flags))
			continue;
		if (!ok[i]) {
			spin_lock(&fp->lock);
			fm_mark_dirty(inst, fp);
			spin_unlock(&fp->lock);
		}
		inst->evict_dirty[nd++] = fp;
	}
	return nd;
}

/*
 * Tear down all mappings of the EVICTING pages in @vec with one TLB shootdown
 * round, write the dirty ones back (one plugged batch, waited for), then free
 * the frames. Pages whose mappings could not all be reached (an address space
 * busy in fork/mremap/munmap) go back to the cache, dirty ones written but
 * still marked dirty.
 * A write error is recorded for the next fsync/msync (as writeback does) and
 * the frame is freed all the same: the page cache's contract too.
 * Caller holds inst->evict_lock. Returns the number of frames freed.
 */
static unsigned int fm_evict_victims(struct fm_instance *inst,
				     struct fm_page **vec, unsigned int n,
				     struct fm_ctx *ctx)
{
	bool *ok = inst->evict_ok;
	unsigned int i, nd, freed = 0;
	u64 t0 = ktime_get_ns();

	down_read(&inst->rmap_sem);
	fm_rmap_unmap(inst, vec, ok, n, FM_UNMAP_CLEAR, ctx);
	fm_flush_tlb_all_cpus();
	fm_stat_inc(inst, shootdowns);
	nd = fm_collect_dirty_victims(inst, vec, ok, n);
	if (nd) {
		/*
		 * Not under rmap_sem: the device may take long. The pages stay
		 * EVICTING, so no fault maps them meanwhile.
		 */
		up_read(&inst->rmap_sem);
		/* Returns once every page's FM_PG_WRITEBACK is clear. */
		fm_writeback_evicting(inst, inst->evict_dirty, nd);
		down_read(&inst->rmap_sem);
	}

	for (i = 0; i < n; i++) {
		struct fm_page *fp = vec[i];
		struct fm_part *part = fm_part_of(inst, fp->off);

		spin_lock(&fp->lock);
		if (ok[i]) {
			fm_rmap_drop_all(fp);
			xa_erase(&part->index, fm_key_of(inst, fp->off));
			fp->off = U64_MAX;
			fp->flags = 0;
			fm_set_state(fp, FM_FREE);
			spin_unlock(&fp->lock);
			percpu_counter_dec(&inst->nr_cached);
			fm_wake(fp);
			fm_free_frame(inst, fp);
			freed++;
		} else {
			fm_set_state(fp, FM_CACHED);
			spin_unlock(&fp->lock);
			spin_lock(&part->lru_lock);
			list_add_tail(&fp->lru, &part->lru);
			spin_unlock(&part->lru_lock);
			fm_wake(fp);
		}
	}
	up_read(&inst->rmap_sem);
	if (freed && wq_has_sleeper(&inst->free_wq))
		wake_up_all(&inst->free_wq);
	fm_stat_add(inst, evictions, freed);
	fm_stat_inc(inst, evict_batches);
	if (freed)
		WRITE_ONCE(inst->last_evict, jiffies);
	trace_fastmap_evict(inst->id, freed, 1, ktime_get_ns() - t0);
	return freed;
}

/* Evict up to @want pages. Caller holds inst->evict_lock. */
int fm_evict_batch(struct fm_instance *inst, struct fm_ctx *ctx,
		   unsigned int want)
{
	unsigned int n;

	want = clamp(want, 1U, (unsigned int)FASTMAP_BATCH_MAX);
	n = fm_select_victims(inst, inst->evict_vec, want);
	if (!n)
		return 0;
	return fm_evict_victims(inst, inst->evict_vec, n, ctx);
}

/* Drop every clean, unpinned cached page with offset in [first, last]. */
int fm_evict_range(struct fm_instance *inst, u64 first, u64 last)
{
	struct fm_ctx ctx = { .held_mm = NULL };
	unsigned int p, n = 0;
	int freed = 0;

	mutex_lock(&inst->evict_lock);
	for (p = 0; p < inst->nr_parts; p++) {
		struct fm_part *part = &inst->parts[p];
		unsigned long key, kfirst, klast;
		struct fm_page *fp;

		kfirst = first / inst->nr_parts;
		klast = last / inst->nr_parts;
		xa_for_each_range(&part->index, key, fp, kfirst, klast) {
			spin_lock(&part->lru_lock);
			if (spin_trylock(&fp->lock)) {
				if (fp->off >= first && fp->off <= last &&
				    fm_evictable(fp)) {
					fm_set_state(fp, FM_EVICTING);
					list_del_init(&fp->lru);
					inst->evict_vec[n++] = fp;
				}
				spin_unlock(&fp->lock);
			}
			spin_unlock(&part->lru_lock);
			if (n == FASTMAP_BATCH_MAX) {
				freed += fm_evict_victims(inst, inst->evict_vec,
							  n, &ctx);
				n = 0;
			}
			cond_resched();
		}
	}
	if (n)
		freed += fm_evict_victims(inst, inst->evict_vec, n, &ctx);
	mutex_unlock(&inst->evict_lock);
	return freed;
}

static unsigned long fm_low_watermark(struct fm_instance *inst)
{
	return min_t(unsigned long, READ_ONCE(inst->batch_pages),
		     fm_nr_frames(inst) / 8);
}

/*
 * Pages per eviction batch: the configured batch, but never more than an
 * eighth of the cache. With a cache of a few batches, evicting a whole batch
 * throws the working set out with it: on a 2 MiB cache (512 frames) a
 * 512-page batch empties the cache on every miss (BFS ran 40x slower than
 * stock mmap in bench/fmgraph before this cap).
 */
static unsigned int fm_evict_want(struct fm_instance *inst)
{
	return max_t(unsigned long, 1, fm_low_watermark(inst));
}

/*
 * Background eviction keeps min(batch, cache/8) frames free. A shootdown
 * round costs the same for 5 pages as for 512. Block-device instances evict
 * dirty pages in the same round (fm_evict_victims()); for a file instance
 * with fewer than a batch of clean pages left (write-heavy load) it first
 * writes a couple of batches back, then evicts full batches.
 */
static void fm_evict_workfn(struct work_struct *work)
{
	struct fm_instance *inst = container_of(work, struct fm_instance,
						evict_work);
	struct fm_ctx ctx = { .held_mm = NULL };
	unsigned long high = 2 * fm_low_watermark(inst);
	int rounds = 0, freed;

	while (fm_free_count(inst) < high && rounds++ < 64) {
		unsigned int batch = fm_evict_want(inst);
		s64 clean = percpu_counter_read_positive(&inst->nr_cached) -
			    percpu_counter_read_positive(&inst->nr_dirty);

		if (inst->bfile && clean < batch)
			fm_writeback_some(inst, 2 * batch, &ctx, true);
		mutex_lock(&inst->evict_lock);
		freed = fm_evict_batch(inst, &ctx, batch);
		mutex_unlock(&inst->evict_lock);
		if (!freed)
			break;
		cond_resched();
	}
}

/*
 * Evict a batch; if nothing clean can go, write back a batch first. Called
 * with evict_lock held; drops it during the writeback I/O so that other
 * threads can take frames freed meanwhile.
 */
static int fm_evict_or_clean(struct fm_instance *inst, struct fm_ctx *ctx)
{
	unsigned int batch = fm_evict_want(inst);
	int freed;

	lockdep_assert_held(&inst->evict_lock);
	freed = fm_evict_batch(inst, ctx, batch);
	if (!freed) {
		fm_writeback_kick(inst);
		mutex_unlock(&inst->evict_lock);
		fm_writeback_some(inst, batch, ctx, false);
		mutex_lock(&inst->evict_lock);
		freed = fm_evict_batch(inst, ctx, batch);
	}
	return freed;
}

static int fm_evict_for_shrink(struct fm_instance *inst)
{
	struct fm_ctx ctx = { .held_mm = NULL };
	int freed;

	mutex_lock(&inst->evict_lock);
	freed = fm_evict_or_clean(inst, &ctx);
	mutex_unlock(&inst->evict_lock);
	return freed;
}

/* Make at least one frame free. Returns frames freed (or found) or -errno. */
static int fm_reclaim(struct fm_instance *inst, struct fm_ctx *ctx)
{
	int freed = 1;

	mutex_lock(&inst->evict_lock);
	if (!fm_free_count(inst))	/* else someone else just evicted */
		freed = fm_evict_or_clean(inst, ctx);
	mutex_unlock(&inst->evict_lock);
	return freed;
}

/*
 * Take a free frame, evicting if there is none. A page fault (ctx->in_fault:
 * it holds an mmap_lock or a per-VMA lock) gets -EAGAIN after a few
 * fruitless rounds: it must let the lock go (an mm whose writer waits behind
 * it may be what blocks eviction). Other callers wait for frames.
 */
static struct fm_page *fm_alloc_frame(struct fm_instance *inst,
				      struct fm_ctx *ctx)
{
	unsigned int fails = 0;
	struct fm_page *fp;

	for (;;) {
		fp = fm_take_free(inst);
		if (fp) {
			if (percpu_counter_read_positive(&inst->nr_free) <
			    fm_low_watermark(inst))
				queue_work(system_unbound_wq, &inst->evict_work);
			return fp;
		}
		if (!fails++) {
			fm_stat_inc(inst, evict_stalls);
			fm_event_stall(inst);
		}
		if (fm_reclaim(inst, ctx) > 0)
			continue;
		if (fatal_signal_pending(current))
			return ERR_PTR(-EINTR);
		if (ctx->in_fault) {
			if (fails >= 3)
				return ERR_PTR(-EAGAIN);
			cond_resched();
			continue;
		}
		queue_work(system_unbound_wq, &inst->evict_work);
		wait_event_killable_timeout(inst->free_wq, fm_free_count(inst),
					    msecs_to_jiffies(10));
	}
}

/* Sleep until frames may be free again; the caller holds no mmap_lock. */
void fm_wait_for_frames(struct fm_instance *inst)
{
	queue_work(system_unbound_wq, &inst->evict_work);
	wait_event_killable_timeout(inst->free_wq, fm_free_count(inst),
				    msecs_to_jiffies(20));
}

/* ---- lookup and load ------------------------------------------------------ */

/* Give up a LOADING frame (removing it from the index if @indexed). */
static void fm_abort_load(struct fm_instance *inst, struct fm_page *fp,
			  bool indexed)
{
	spin_lock(&fp->lock);
	if (indexed)
		xa_erase(&fm_part_of(inst, fp->off)->index,
			 fm_key_of(inst, fp->off));
	fp->off = U64_MAX;
	atomic_set(&fp->pins, 0);
	fm_set_state(fp, FM_FREE);
	spin_unlock(&fp->lock);
	fm_wake(fp);
	fm_free_frame(inst, fp);
}

/*
 * Return the page for @off pinned and up to date, reading it from the device
 * on a miss. ERR_PTR(-EIO) on a device error, -EAGAIN if no frame could be
 * made free, -EINTR on a fatal signal, -EINPROGRESS if a file instance's
 * read would block while the caller holds an mmap_lock.
 */
struct fm_page *fm_get_page(struct fm_instance *inst, u64 off,
			    struct fm_ctx *ctx, bool *hit)
{
	struct fm_part *part = fm_part_of(inst, off);
	unsigned long key = fm_key_of(inst, off);
	struct fm_page *fp;
	u8 st;
	int err;

again:
	rcu_read_lock();
	fp = xa_load(&part->index, key);
	if (fp) {
		spin_lock(&fp->lock);
		rcu_read_unlock();
		st = fp->state;
		if (fp->off != off || st == FM_FREE) {
			spin_unlock(&fp->lock);
			goto again;
		}
		if (st == FM_CACHED) {
			atomic_inc(&fp->pins);
			spin_unlock(&fp->lock);
			if (!test_bit(FM_PG_REF, &fp->flags))
				set_bit(FM_PG_REF, &fp->flags);
			if (hit)
				*hit = true;
			return fp;
		}
		spin_unlock(&fp->lock);
		/* LOADING or EVICTING: wait for it to settle, then retry. */
		if (wait_var_event_killable(&fp->state,
					    READ_ONCE(fp->state) != st ||
					    READ_ONCE(fp->off) != off))
			return ERR_PTR(-EINTR);
		goto again;
	}
	rcu_read_unlock();

	fp = fm_alloc_frame(inst, ctx);
	if (IS_ERR(fp))
		return fp;
	spin_lock(&fp->lock);
	fp->off = off;
	fp->flags = 0;
	atomic_set(&fp->pins, 1);
	fm_set_state(fp, FM_LOADING);
	spin_unlock(&fp->lock);
	err = xa_insert(&part->index, key, fp, GFP_KERNEL);
	if (err) {
		fm_abort_load(inst, fp, false);
		if (err == -EBUSY)
			goto again;
		return ERR_PTR(err);
	}

	err = fm_read_page(inst, fp, ctx);
	if (err == -EINPROGRESS) {	/* file: must not wait under mmap_lock */
		fm_abort_load(inst, fp, true);
		return ERR_PTR(err);
	}
	fm_stat_inc(inst, read_ios);
	if (err) {
		fm_abort_load(inst, fp, true);
		fm_stat_inc(inst, read_errors);
		fm_event_io_error(inst, err);
		return ERR_PTR(err);
	}
	spin_lock(&fp->lock);
	fm_set_state(fp, FM_CACHED);
	spin_unlock(&fp->lock);
	percpu_counter_inc(&inst->nr_cached);
	spin_lock(&part->lru_lock);
	list_add_tail(&fp->lru, &part->lru);
	spin_unlock(&part->lru_lock);
	fm_wake(fp);
	if (hit)
		*hit = false;
	return fp;
}

void fm_put_page(struct fm_page *fp)
{
	atomic_dec(&fp->pins);
}

/* Look up @off without loading; returns the page locked, or NULL. */
struct fm_page *fm_lookup_cached(struct fm_instance *inst, u64 off)
{
	struct fm_part *part = fm_part_of(inst, off);
	struct fm_page *fp;

	rcu_read_lock();
	fp = xa_load(&part->index, fm_key_of(inst, off));
	if (fp) {
		spin_lock(&fp->lock);
		if (fp->off != off || fp->state == FM_FREE) {
			spin_unlock(&fp->lock);
			fp = NULL;
		}
	}
	rcu_read_unlock();
	return fp;
}
