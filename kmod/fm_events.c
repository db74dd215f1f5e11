// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run-time parameters (FASTMAP_CMD_SET) and rate-limited event notifications
 * on the netlink "events" group: I/O errors and eviction stalls are counted
 * wherever they happen (bio completions may run in interrupt context) and
 * reported from a work item at most once per second per instance.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/workqueue.h>
#include <linux/mm.h>
#include "fastmap_int.h"

#define FM_WB_INTERVAL_MAX_MS	3600000U	/* one hour */

static void fm_event_workfn(struct work_struct *work)
{
	struct fm_instance *inst = container_of(to_delayed_work(work),
						struct fm_instance, event_work);
	int err = atomic_xchg(&inst->ev_io_error, 0);
	int stalls = atomic_xchg(&inst->ev_stalls, 0);

	if (err)
		fm_nl_event(inst->name, FASTMAP_EVENT_IO_ERROR, -err);
	if (stalls) {
		fm_nl_event(inst->name, FASTMAP_EVENT_EVICT_STALL, stalls);
		if (!percpu_counter_read_positive(&inst->nr_free))
			fm_nl_event(inst->name, FASTMAP_EVENT_CACHE_PRESSURE, 0);
	}
}

void fm_events_init(struct fm_instance *inst)
{
	INIT_DELAYED_WORK(&inst->event_work, fm_event_workfn);
	atomic_set(&inst->ev_stalls, 0);
	atomic_set(&inst->ev_io_error, 0);
}

void fm_events_stop(struct fm_instance *inst)
{
	cancel_delayed_work_sync(&inst->event_work);
}

/* Callable from any context, including bio completion. */
void fm_event_io_error(struct fm_instance *inst, int err)
{
	atomic_set(&inst->ev_io_error, err);
	queue_delayed_work(system_wq, &inst->event_work, HZ);
}

void fm_event_stall(struct fm_instance *inst)
{
	if (atomic_inc_return(&inst->ev_stalls) == 1)
		queue_delayed_work(system_wq, &inst->event_work, HZ);
}

/*
 * Apply any subset of the tunables, live. Each pointer is NULL when the
 * parameter is not being changed. Validation happens before anything is
 * applied, so a refused request changes nothing; a cache resize is applied
 * last and may fail on its own (the other parameters then stay applied and
 * the error says so).
 */
int fm_set_params(struct fm_instance *inst, const u64 *cache_bytes,
		  const u32 *batch, const u32 *ratio, const u32 *wb_ms,
		  const char **why)
{
	unsigned long frames = 0;
	int err;

	if (batch && (*batch < FASTMAP_BATCH_MIN || *batch > FASTMAP_BATCH_MAX)) {
		*why = "batch out of range: 1-4096 pages";
		return -ERANGE;
	}
	if (ratio && (*ratio < 1 || *ratio > 100)) {
		*why = "dirty_ratio out of range: 1-100 %";
		return -ERANGE;
	}
	if (wb_ms && *wb_ms > FM_WB_INTERVAL_MAX_MS) {
		*why = "writeback interval out of range: 0-3600000 ms";
		return -ERANGE;
	}
	if (cache_bytes) {
		if (*cache_bytes < FASTMAP_CACHE_MIN) {
			*why = "cache too small: the minimum is 256 KiB";
			return -EINVAL;
		}
		frames = *cache_bytes >> PAGE_SHIFT;
		if (frames > totalram_pages() / 2) {
			*why = "cache larger than half of the system's memory";
			return -ENOMEM;
		}
		frames = min_t(u64, frames,
			       max_t(u64, inst->nr_dev_pages,
				     FASTMAP_CACHE_MIN >> PAGE_SHIFT));
	}
	if (batch)
		WRITE_ONCE(inst->batch_pages, *batch);
	if (ratio) {
		WRITE_ONCE(inst->dirty_ratio, *ratio);
		if (percpu_counter_read_positive(&inst->nr_dirty) * 100 >
		    (s64)*ratio * fm_nr_frames(inst))
			fm_writeback_kick(inst);
	}
	if (wb_ms) {
		WRITE_ONCE(inst->wb_interval_ms, *wb_ms);
		if (*wb_ms)
			fm_writeback_schedule(inst);
	}
	if (cache_bytes) {
		err = fm_cache_resize(inst, frames, why);
		if (err)
			return err;
	}
	fm_nl_event(inst->name, FASTMAP_EVENT_CHANGED, 0);
	return 0;
}
