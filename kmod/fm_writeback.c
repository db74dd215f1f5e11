// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device I/O: page reads on a miss, writeback of dirty pages as large
 * merged bios, msync/fsync of a range, background writeback.
 *
 * Cleaning a page: clear its dirty bit (and the partition dirty-tree mark),
 * write-protect or clear all of its PTEs through the reverse maps, one TLB
 * shootdown round for the whole batch, then submit. A write that races
 * with this faults and dirties the page again, so it is written again later.
 * A failed write is recorded in the instance's errseq and returned by the
 * next fsync/msync/close of every file description (like the page cache).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait_bit.h>
#include "fastmap_int.h"
#include "fm_trace.h"

#define FM_WB_CHUNK		1024U	/* pages claimed per writeback round */
#define FM_WB_KICKED		0

/*
 * Read a page on a miss. -EINPROGRESS: a file instance in a page fault
 * (@ctx->in_fault) would have to wait for the file; see fm_backing.c.
 */
int fm_read_page(struct fm_instance *inst, struct fm_page *fp,
		 struct fm_ctx *ctx)
{
	struct bio *bio;
	int err;

	if (inst->bfile)
		return fm_backing_read_page(inst, fp, ctx && ctx->in_fault);
	bio = bio_alloc(inst->bdev, 1, REQ_OP_READ, GFP_NOIO);
	bio->bi_iter.bi_sector = fp->off << (PAGE_SHIFT - SECTOR_SHIFT);
	__bio_add_page(bio, fp->page, PAGE_SIZE, 0);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

struct fm_wb_ctl {
	struct fm_instance *inst;
	atomic_t pending;
	struct completion done;
	int err;
};

static void fm_wb_error(struct fm_instance *inst, int err)
{
	errseq_set(&inst->wb_err, err);
	fm_stat_inc(inst, write_errors);
	fm_event_io_error(inst, err);
}

/* The write of @fp is over. */
static void fm_wb_page_done(struct fm_page *fp)
{
	clear_bit(FM_PG_WRITEBACK, &fp->flags);
	atomic_dec(&fp->pins);
	/* Order the bit clear before the waiter check. */
	smp_mb__after_atomic();
	wake_up_var(&fp->flags);
}

static void fm_wb_end_io(struct bio *bio)
{
	struct fm_wb_ctl *ctl = bio->bi_private;
	struct fm_instance *inst = ctl->inst;
	int err = blk_status_to_errno(bio->bi_status);
	unsigned short i;

	if (err) {
		ctl->err = err;
		fm_wb_error(inst, err);
	}
	/* One page per bvec: __bio_add_page() never merges. */
	for (i = 0; i < bio->bi_vcnt; i++)
		fm_wb_page_done((struct fm_page *)
				page_private(bio->bi_io_vec[i].bv_page));
	bio_put(bio);
	if (atomic_dec_and_test(&ctl->pending))
		complete(&ctl->done);
}

/* Claim a dirty page for writeback. Returns false if it is not ours to write. */
static bool fm_wb_claim(struct fm_instance *inst, struct fm_page *fp, u64 off)
{
	bool claimed = false;

	spin_lock(&fp->lock);
	if (fp->off == off && fp->state == FM_CACHED &&
	    test_bit(FM_PG_DIRTY, &fp->flags) &&
	    !test_bit(FM_PG_WRITEBACK, &fp->flags)) {
		fm_clear_dirty_locked(inst, fp);
		set_bit(FM_PG_WRITEBACK, &fp->flags);
		atomic_inc(&fp->pins);
		claimed = true;
	}
	spin_unlock(&fp->lock);
	return claimed;
}

struct fm_wb_item {
	u64 off;
	struct fm_page *fp;
};

static int fm_wb_cmp(const void *a, const void *b)
{
	const struct fm_wb_item *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Length of the run of consecutive offsets starting at fps[i]. */
static unsigned int fm_wb_run(struct fm_page **fps, unsigned int i,
			      unsigned int n)
{
	unsigned int j = i + 1;

	while (j < n && j - i < BIO_MAX_VECS && fps[j]->off == fps[j - 1]->off + 1)
		j++;
	return j - i;
}

/* Result of one page written to a backing file (synchronous). */
static void fm_wb_file_done(struct fm_instance *inst, struct fm_page *fp,
			    int err)
{
	if (err == -EAGAIN) {
		/* Would block in a page fault: the writeback worker does it. */
		spin_lock(&fp->lock);
		fm_mark_dirty(inst, fp);
		spin_unlock(&fp->lock);
		fm_writeback_kick(inst);
	} else if (err) {
		fm_wb_error(inst, err);
	}
	fm_wb_page_done(fp);
}

/* A file instance: write @fps to the file now. */
static void fm_wb_file(struct fm_instance *inst, struct fm_page **fps,
		      unsigned int n, struct fm_ctx *ctx)
{
	unsigned int ios;

	ios = fm_backing_write(inst, fps, n, ctx && ctx->in_fault,
			       fm_wb_file_done);
	fm_stat_add(inst, wb_bios, ios);
	fm_stat_add(inst, wb_pages, n);
}

/*
 * Background writeback is REQ_BACKGROUND (blk-wbt may throttle it). Writes a
 * task waits for (reclaim, msync, fsync) are REQ_SYNC | REQ_IDLE, which wbt
 * does not throttle, like O_DIRECT writes.
 */
static void fm_wb_submit(struct fm_instance *inst, struct fm_page **fps,
			 unsigned int n, struct fm_wb_ctl *ctl, blk_opf_t opf)
{
	struct blk_plug plug;
	struct bio *bio = NULL;
	unsigned int i, bios = 0;
	u64 next = U64_MAX;

	blk_start_plug(&plug);
	for (i = 0; i < n; i++) {
		struct fm_page *fp = fps[i];

		if (bio && (fp->off != next ||
			    bio->bi_vcnt == bio->bi_max_vecs)) {
			submit_bio(bio);
			bio = NULL;
		}
		if (!bio) {
			bio = bio_alloc(inst->bdev, fm_wb_run(fps, i, n),
					REQ_OP_WRITE | opf, GFP_NOIO);
			bio->bi_iter.bi_sector =
				fp->off << (PAGE_SHIFT - SECTOR_SHIFT);
			bio->bi_end_io = fm_wb_end_io;
			bio->bi_private = ctl;
			atomic_inc(&ctl->pending);
			bios++;
		}
		__bio_add_page(bio, fp->page, PAGE_SIZE, 0);
		next = fp->off + 1;
	}
	if (bio)
		submit_bio(bio);
	blk_finish_plug(&plug);
	fm_stat_add(inst, wb_bios, bios);
	fm_stat_add(inst, wb_pages, n);
}

/* Write @fps (claimed, sorted by offset) and wait: 0 or the device's errno. */
static int fm_wb_submit_wait(struct fm_instance *inst, struct fm_page **fps,
			     unsigned int n, blk_opf_t opf)
{
	struct fm_wb_ctl ctl = { .inst = inst };

	atomic_set(&ctl.pending, 1);
	init_completion(&ctl.done);
	fm_wb_submit(inst, fps, n, &ctl, opf);
	if (atomic_dec_and_test(&ctl.pending))
		complete(&ctl.done);
	wait_for_completion(&ctl.done);
	return ctl.err;
}

static int fm_fp_cmp(const void *a, const void *b)
{
	const struct fm_page *x = *(struct fm_page * const *)a;
	const struct fm_page *y = *(struct fm_page * const *)b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Eviction of dirty pages (block-device instances, fm_cache.c): @fps are
 * EVICTING, unmapped, and claimed (dirty bit cleared, FM_PG_WRITEBACK set,
 * pinned), so nothing can write to them and msync waits for them. Write
 * them in offset order as one plugged batch and wait. Returns 0 or the
 * device's errno, which is also recorded for the next fsync/msync.
 */
int fm_writeback_evicting(struct fm_instance *inst, struct fm_page **fps,
			  unsigned int n)
{
	u64 t0 = ktime_get_ns();
	int err;

	sort(fps, n, sizeof(*fps), fm_fp_cmp, NULL);
	err = fm_wb_submit_wait(inst, fps, n, REQ_SYNC | REQ_IDLE);
	trace_fastmap_writeback(inst->id, n, (u64)n << PAGE_SHIFT,
				ktime_get_ns() - t0, err);
	return err;
}

/*
 * Write back @items (sorted by offset) and wait for the device. Returns the
 * number of pages written or a negative errno from the device.
 */
static int fm_wb_items(struct fm_instance *inst, struct fm_wb_item *items,
		       unsigned int n, struct fm_ctx *ctx, blk_opf_t opf)
{
	u64 t0 = ktime_get_ns();
	struct fm_page **fps;
	unsigned int i, m = 0;
	int err = 0;
	bool *ok;

	fps = kmalloc_array(n, sizeof(*fps), GFP_NOIO);
	ok = kmalloc_array(n, sizeof(*ok), GFP_NOIO);
	if (!fps || !ok) {
		kfree(fps);
		kfree(ok);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (fm_wb_claim(inst, items[i].fp, items[i].off))
			fps[m++] = items[i].fp;
	if (!m)
		goto out;

	down_read(&inst->rmap_sem);
	fm_rmap_unmap(inst, fps, ok, m, FM_UNMAP_CLEAN, ctx);
	fm_flush_tlb_all_cpus();
	fm_stat_inc(inst, shootdowns);
	up_read(&inst->rmap_sem);
	for (i = 0; i < m; i++) {
		if (ok[i])
			continue;
		/* A mapping may still be writable: write now, stay dirty. */
		spin_lock(&fps[i]->lock);
		fm_mark_dirty(inst, fps[i]);
		spin_unlock(&fps[i]->lock);
	}

	if (inst->bfile) {
		u32 before = errseq_sample(&inst->wb_err);

		fm_wb_file(inst, fps, m, ctx);
		err = errseq_check(&inst->wb_err, before);
	} else {
		err = fm_wb_submit_wait(inst, fps, m, opf);
	}
	trace_fastmap_writeback(inst->id, m, (u64)m << PAGE_SHIFT,
				ktime_get_ns() - t0, err);
out:
	kfree(fps);
	kfree(ok);
	return err ? err : m;
}

/*
 * Collect up to @max dirty pages with offsets in [first, last], sorted.
 * Pages are not pinned: fm_wb_claim() re-checks identity.
 */
static unsigned int fm_wb_collect(struct fm_instance *inst, u64 first, u64 last,
				  struct fm_wb_item *items, unsigned int max)
{
	unsigned int p, n = 0, start = inst->wb_cursor;

	for (p = 0; p < inst->nr_parts && n < max; p++) {
		unsigned int pi = (start + p) % inst->nr_parts;
		struct fm_part *part = &inst->parts[pi];
		struct fm_page *fp;
		XA_STATE(xas, &part->index, first / inst->nr_parts);

		/* Only the dirty marks are visited (the partition's dirty tree). */
		rcu_read_lock();
		xas_for_each_marked(&xas, fp, last / inst->nr_parts, FM_XA_DIRTY) {
			u64 off = (u64)xas.xa_index * inst->nr_parts + pi;

			if (xas_retry(&xas, fp))
				continue;
			/* Another writer has it: leave it out of this round. */
			if (off < first || off > last ||
			    test_bit(FM_PG_WRITEBACK, &fp->flags))
				continue;
			items[n].off = off;
			items[n].fp = fp;
			if (++n == max)
				break;
		}
		rcu_read_unlock();
		inst->wb_cursor = (pi + 1) % inst->nr_parts;
	}
	sort(items, n, sizeof(*items), fm_wb_cmp, NULL);
	return n;
}

static int fm_wb_range(struct fm_instance *inst, u64 first, u64 last,
		       unsigned int max, struct fm_ctx *ctx, blk_opf_t opf)
{
	struct fm_wb_item *items;
	unsigned int n;
	int ret;

	items = kvmalloc_array(max, sizeof(*items), GFP_NOIO);
	if (!items)
		return -ENOMEM;
	n = fm_wb_collect(inst, first, last, items, max);
	ret = n ? fm_wb_items(inst, items, n, ctx, opf) : 0;
	kvfree(items);
	return ret;
}

int fm_writeback_some(struct fm_instance *inst, unsigned int max,
		      struct fm_ctx *ctx, bool background)
{
	return fm_wb_range(inst, 0, U64_MAX, max, ctx,
			   background ? REQ_BACKGROUND : REQ_SYNC | REQ_IDLE);
}

/* Wait until no page in [first, last] is under writeback. */
static void fm_wait_writeback(struct fm_instance *inst, u64 first, u64 last)
{
	unsigned int p;

	for (p = 0; p < inst->nr_parts; p++) {
		struct fm_part *part = &inst->parts[p];
		unsigned long key;
		struct fm_page *fp;

		xa_for_each_range(&part->index, key, fp, first / inst->nr_parts,
				  last / inst->nr_parts) {
			if (test_bit(FM_PG_WRITEBACK, &fp->flags))
				wait_var_event(&fp->flags,
					       !test_bit(FM_PG_WRITEBACK,
							 &fp->flags));
		}
	}
}

/*
 * msync/fsync: write back every page of [first, last] (page offsets) that
 * was dirty when called, wait for the device, and flush its volatile cache
 * if @flush. Two passes: a page under writeback when the first pass saw it
 * may have been redirtied before that write started.
 */
int fm_sync_range(struct fm_instance *inst, u64 first, u64 last, bool flush)
{
	int pass, ret, err = 0;

	for (pass = 0; pass < 2; pass++) {
		do {
			ret = fm_wb_range(inst, first, last, FM_WB_CHUNK, NULL,
					  REQ_SYNC | REQ_IDLE);
			if (ret < 0 && !err)
				err = ret;
		} while (ret == FM_WB_CHUNK);
		fm_wait_writeback(inst, first, last);
	}
	if (flush) {
		ret = inst->bfile ? fm_backing_flush(inst) :
				    blkdev_issue_flush(inst->bdev);
		if (ret) {
			errseq_set(&inst->wb_err, ret);
			if (!err)
				err = ret;
		}
	}
	return err;
}

static void fm_wb_workfn(struct work_struct *work)
{
	struct fm_instance *inst = container_of(to_delayed_work(work),
						struct fm_instance, wb_work);
	bool kicked = test_and_clear_bit(FM_WB_KICKED, &inst->wb_flags);
	s64 target = 0;
	int rounds = 0, ret;

	if (kicked)	/* over the threshold: bring it down by a quarter */
		target = (s64)READ_ONCE(inst->dirty_ratio) * fm_nr_frames(inst) *
			 3 / 400;
	while (percpu_counter_read_positive(&inst->nr_dirty) > target &&
	       rounds++ < 4096) {
		ret = fm_writeback_some(inst, FM_WB_CHUNK, NULL, true);
		if (ret <= 0)
			break;
		cond_resched();
	}
	/* Not mod_delayed_work(): that would postpone a kick queued meanwhile. */
	if (READ_ONCE(inst->wb_interval_ms))
		queue_delayed_work(system_unbound_wq, &inst->wb_work,
				   msecs_to_jiffies(inst->wb_interval_ms));
}

/* Arm the periodic pass (again) with the instance's current interval. */
void fm_writeback_schedule(struct fm_instance *inst)
{
	unsigned int ms = READ_ONCE(inst->wb_interval_ms);

	if (ms)
		mod_delayed_work(system_unbound_wq, &inst->wb_work,
				 msecs_to_jiffies(ms));
}

void fm_writeback_kick(struct fm_instance *inst)
{
	if (!test_and_set_bit(FM_WB_KICKED, &inst->wb_flags))
		mod_delayed_work(system_unbound_wq, &inst->wb_work, 0);
}

int fm_writeback_init(struct fm_instance *inst)
{
	INIT_DELAYED_WORK(&inst->wb_work, fm_wb_workfn);
	inst->wb_err = 0;
	fm_writeback_schedule(inst);
	return 0;
}

void fm_writeback_stop(struct fm_instance *inst)
{
	cancel_delayed_work_sync(&inst->wb_work);
}
