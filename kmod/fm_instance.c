// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instances: attach/detach, the registry, counters and sysfs.
 *
 * sysfs (one value per file, see docs/interfaces.md):
 *   /sys/kernel/fastmap/<name>/{device,size_bytes,cache_bytes,batch_pages,dirty_ratio}
 *   /sys/kernel/fastmap/<name>/stats/<counter>
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/mm.h>
#include <linux/sysfs.h>
#include "fastmap_int.h"

DEFINE_MUTEX(fm_instances_lock);
static atomic_t fm_next_id = ATOMIC_INIT(0);
LIST_HEAD(fm_instances);
static struct kobject *fm_kobj;

bool fm_name_valid(const char *name)
{
	size_t i, len = strnlen(name, FASTMAP_NAME_MAX);

	if (!len || len >= FASTMAP_NAME_MAX)
		return false;
	if (!strcmp(name, "control") || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/* Caller holds fm_instances_lock. */
struct fm_instance *fm_instance_find(const char *name)
{
	struct fm_instance *inst;

	list_for_each_entry(inst, &fm_instances, node)
		if (!strcmp(inst->name, name))
			return inst;
	return NULL;
}

void fm_instance_get_stats(struct fm_instance *inst, struct fastmap_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct fm_stats_pcpu *s = per_cpu_ptr(inst->stats, cpu);

		st->faults += s->faults;
		st->hits += s->hits;
		st->misses += s->misses;
		st->mkwrite += s->mkwrite;
		st->evictions += s->evictions;
		st->evict_batches += s->evict_batches;
		st->shootdowns += s->shootdowns;
		st->wb_pages += s->wb_pages;
		st->wb_bios += s->wb_bios;
		st->read_ios += s->read_ios;
		st->read_errors += s->read_errors;
		st->write_errors += s->write_errors;
		st->evict_stalls += s->evict_stalls;
		st->outside_writes += s->outside_writes;
	}
	st->dirty_pages = percpu_counter_sum_positive(&inst->nr_dirty);
	st->cached_pages = percpu_counter_sum_positive(&inst->nr_cached);
	st->free_pages = percpu_counter_sum_positive(&inst->nr_free);
	st->cache_pages = fm_nr_frames(inst);
}

/* ---- sysfs ---------------------------------------------------------------- */

#define to_inst(k) container_of(k, struct fm_instance, kobj)

static ssize_t device_show(struct kobject *k, struct kobj_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_inst(k)->devpath);
}

#define FM_ATTR_U64(field, expr)					\
static ssize_t field##_show(struct kobject *k, struct kobj_attribute *a, \
			    char *buf)					\
{									\
	struct fm_instance *inst = to_inst(k);				\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(expr));	\
}									\
static struct kobj_attribute fm_attr_##field = __ATTR_RO(field)

static struct kobj_attribute fm_attr_device = __ATTR_RO(device);
FM_ATTR_U64(size_bytes, fm_inst_size(inst));
FM_ATTR_U64(cache_bytes, (u64)fm_nr_frames(inst) << PAGE_SHIFT);
FM_ATTR_U64(batch_pages, READ_ONCE(inst->batch_pages));
FM_ATTR_U64(dirty_ratio, READ_ONCE(inst->dirty_ratio));
FM_ATTR_U64(wb_interval_ms, READ_ONCE(inst->wb_interval_ms));
FM_ATTR_U64(id, inst->id);

static struct attribute *fm_inst_attrs[] = {
	&fm_attr_device.attr,
	&fm_attr_size_bytes.attr,
	&fm_attr_cache_bytes.attr,
	&fm_attr_batch_pages.attr,
	&fm_attr_dirty_ratio.attr,
	&fm_attr_wb_interval_ms.attr,
	&fm_attr_id.attr,
	NULL,
};

static const struct attribute_group fm_inst_group = {
	.attrs = fm_inst_attrs,
};

#define FM_STAT_ATTR(field)						\
static ssize_t stat_##field##_show(struct kobject *k,			\
				   struct kobj_attribute *a, char *buf)	\
{									\
	struct fastmap_stats st;					\
	fm_instance_get_stats(to_inst(k), &st);				\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)st.field); \
}									\
static struct kobj_attribute fm_stat_##field =				\
	__ATTR(field, 0444, stat_##field##_show, NULL)

FM_STAT_ATTR(faults);
FM_STAT_ATTR(hits);
FM_STAT_ATTR(misses);
FM_STAT_ATTR(mkwrite);
FM_STAT_ATTR(evictions);
FM_STAT_ATTR(evict_batches);
FM_STAT_ATTR(shootdowns);
FM_STAT_ATTR(wb_pages);
FM_STAT_ATTR(wb_bios);
FM_STAT_ATTR(read_ios);
FM_STAT_ATTR(read_errors);
FM_STAT_ATTR(write_errors);
FM_STAT_ATTR(dirty_pages);
FM_STAT_ATTR(cached_pages);
FM_STAT_ATTR(free_pages);
FM_STAT_ATTR(cache_pages);
FM_STAT_ATTR(evict_stalls);
FM_STAT_ATTR(outside_writes);

static struct attribute *fm_stat_attrs[] = {
	&fm_stat_faults.attr, &fm_stat_hits.attr, &fm_stat_misses.attr,
	&fm_stat_mkwrite.attr, &fm_stat_evictions.attr,
	&fm_stat_evict_batches.attr, &fm_stat_shootdowns.attr,
	&fm_stat_wb_pages.attr, &fm_stat_wb_bios.attr, &fm_stat_read_ios.attr,
	&fm_stat_read_errors.attr, &fm_stat_write_errors.attr,
	&fm_stat_dirty_pages.attr, &fm_stat_cached_pages.attr,
	&fm_stat_free_pages.attr, &fm_stat_cache_pages.attr,
	&fm_stat_evict_stalls.attr, &fm_stat_outside_writes.attr,
	NULL,
};

static const struct attribute_group fm_stat_group = {
	.name = "stats",
	.attrs = fm_stat_attrs,
};

static const struct attribute_group *fm_inst_groups[] = {
	&fm_inst_group,
	&fm_stat_group,
	NULL,
};

static void fm_inst_release(struct kobject *k)
{
	complete(&to_inst(k)->kobj_done);
}

static const struct kobj_type fm_inst_ktype = {
	.release = fm_inst_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = fm_inst_groups,
};

int fm_sysfs_init(void)
{
	fm_kobj = kobject_create_and_add("fastmap", kernel_kobj);
	return fm_kobj ? 0 : -ENOMEM;
}

void fm_sysfs_exit(void)
{
	kobject_put(fm_kobj);
}

/* ---- attach / detach ------------------------------------------------------ */

static int fm_open_device(struct fm_instance *inst, const char *devpath,
			  const char **why)
{
	struct fm_bdev *fb = fm_bdev_open(devpath, inst, &inst->bdev);

	if (IS_ERR(fb)) {
		switch (PTR_ERR(fb)) {
		case -ENOENT:
			*why = "no such device";
			break;
		case -ENOTBLK:
			*why = "not a block device";
			break;
		case -EBUSY:
			*why = "device is busy (mounted, attached or held exclusively)";
			break;
		case -EACCES:
		case -EROFS:
			*why = "device cannot be opened for writing";
			break;
		default:
			*why = "cannot open the device";
		}
		return PTR_ERR(fb);
	}
	inst->fbdev = fb;
	inst->size_bytes = bdev_nr_bytes(inst->bdev) & PAGE_MASK;
	inst->nr_dev_pages = inst->size_bytes >> PAGE_SHIFT;
	if (!inst->size_bytes) {
		*why = "device is smaller than one page";
		goto fail;
	}
	if (bdev_logical_block_size(inst->bdev) > PAGE_SIZE) {
		*why = "device logical block size is larger than the page size";
		goto fail;
	}
	strscpy(inst->devpath, devpath, sizeof(inst->devpath));
	return 0;
fail:
	fm_bdev_close(fb, inst);
	inst->fbdev = NULL;
	return -EINVAL;
}

/* The instance caching the file (@dev, @ino). Caller holds fm_instances_lock. */
struct fm_instance *fm_instance_find_file(u32 dev, u64 ino)
{
	struct fm_instance *inst;

	list_for_each_entry(inst, &fm_instances, node)
		if (inst->bfile && inst->file_dev == dev &&
		    inst->file_ino == ino)
			return inst;
	return NULL;
}

static void fm_close_backing(struct fm_instance *inst)
{
	if (inst->bfile)
		fm_backing_close(inst);
	else
		fm_bdev_close(inst->fbdev, inst);
}

/*
 * Create an instance over the block device @devpath or, if @srcfile is set,
 * over that regular file (a file instance; @devpath is ignored).
 */
int fm_instance_attach(const char *devpath, struct file *srcfile,
		       const char *name, u64 cache_bytes,
		       u32 batch, u32 dirty_ratio, const u32 *wb_ms,
		       struct fm_instance **out, const char **why)
{
	struct fm_instance *inst;
	unsigned long nr_frames;
	int err;

	if (!fm_name_valid(name)) {
		*why = "invalid name: use 1-31 characters of [A-Za-z0-9_.-], not \"control\"";
		return -EINVAL;
	}
	if (cache_bytes < FASTMAP_CACHE_MIN) {
		*why = "cache too small: the minimum is 256 KiB";
		return -EINVAL;
	}
	if ((cache_bytes >> PAGE_SHIFT) > totalram_pages() / 2) {
		*why = "cache larger than half of the system's memory";
		return -ENOMEM;
	}
	if (!batch)
		batch = READ_ONCE(fm_default_batch);
	if (batch < FASTMAP_BATCH_MIN || batch > FASTMAP_BATCH_MAX) {
		*why = "batch out of range: 1-4096 pages";
		return -ERANGE;
	}

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	strscpy(inst->name, name, sizeof(inst->name));
	inst->batch_pages = batch;
	inst->dirty_ratio = dirty_ratio ? dirty_ratio :
					  READ_ONCE(fm_default_dirty_ratio);
	inst->wb_interval_ms = wb_ms ? *wb_ms :
				       READ_ONCE(fm_writeback_interval_ms);
	inst->id = atomic_inc_return(&fm_next_id);
	mutex_init(&inst->open_lock);
	init_completion(&inst->kobj_done);

	mutex_lock(&fm_instances_lock);
	if (fm_instance_find(name)) {
		*why = "an instance with this name exists (or is being detached)";
		err = -EEXIST;
		goto out_unlock;
	}
	err = srcfile ? fm_backing_open(inst, srcfile, why) :
			fm_open_device(inst, devpath, why);
	if (err)
		goto out_unlock;
	/* No point caching more than the device holds. */
	nr_frames = cache_bytes >> PAGE_SHIFT;
	nr_frames = min_t(u64, nr_frames,
			  max_t(u64, inst->nr_dev_pages,
				FASTMAP_CACHE_MIN >> PAGE_SHIFT));
	err = fm_cache_init(inst, nr_frames);
	if (err) {
		*why = err == -EINTR ? "interrupted while allocating the cache" :
				       "cannot allocate the cache";
		goto out_bdev;
	}
	fm_writeback_init(inst);
	fm_events_init(inst);
	err = kobject_init_and_add(&inst->kobj, &fm_inst_ktype, fm_kobj, "%s",
				   inst->name);
	if (err) {
		*why = "cannot create the sysfs directory";
		goto out_kobj;
	}
	/* Last: nothing fails once the node can be opened. */
	err = fm_node_add(inst);
	if (err) {
		*why = "cannot create the device node";
		kobject_del(&inst->kobj);
		goto out_kobj;
	}
	list_add_tail(&inst->node, &fm_instances);
	__module_get(THIS_MODULE);
	mutex_unlock(&fm_instances_lock);
	pr_info("%s: attached %s (%llu MiB), cache %lu MiB, batch %u\n",
		inst->name, inst->devpath, fm_inst_size(inst) >> 20,
		fm_nr_frames(inst) >> (20 - PAGE_SHIFT), inst->batch_pages);
	fm_nl_event(inst->name, FASTMAP_EVENT_ATTACHED, inst->id);
	*out = inst;
	return 0;

out_kobj:
	kobject_put(&inst->kobj);
	wait_for_completion(&inst->kobj_done);
	fm_events_stop(inst);
	fm_writeback_stop(inst);
	fm_cache_destroy(inst);
out_bdev:
	fm_close_backing(inst);
out_unlock:
	mutex_unlock(&fm_instances_lock);
	kfree(inst);
	return err;
}

int fm_instance_detach(const char *name, const char **why)
{
	struct fm_instance *inst;
	int err;

	mutex_lock(&fm_instances_lock);
	inst = fm_instance_find(name);
	if (!inst) {
		mutex_unlock(&fm_instances_lock);
		*why = "no instance with this name";
		return -ENOENT;
	}
	mutex_lock(&inst->open_lock);
	if (inst->dying) {
		/* Another detach owns the teardown; the name is on its way out. */
		mutex_unlock(&inst->open_lock);
		mutex_unlock(&fm_instances_lock);
		*why = "no instance with this name (it is being detached)";
		return -ENOENT;
	}
	if (inst->open_count || inst->ctl_busy) {
		*why = inst->open_count ?
		       "instance is open or mapped: close and unmap it first" :
		       "instance is being reconfigured (SET in progress)";
		mutex_unlock(&inst->open_lock);
		mutex_unlock(&fm_instances_lock);
		return -EBUSY;
	}
	/*
	 * Stay on the list (so the name stays taken) until the node and the
	 * sysfs directory are gone; lookups of a dying instance only read it.
	 */
	inst->dying = true;
	mutex_unlock(&inst->open_lock);
	mutex_unlock(&fm_instances_lock);

	fm_backing_stop(inst);	/* file instance: no more outside-write work */
	fm_node_del(inst);
	fm_writeback_stop(inst);
	err = fm_sync_range(inst, 0, U64_MAX, true);
	fm_writeback_stop(inst);	/* the sync may have re-armed it */
	fm_events_stop(inst);
	if (err) {
		pr_warn("%s: detach: writeback failed (%d): data not on %s\n",
			inst->name, err, inst->devpath);
		*why = "writeback failed: some data did not reach the device";
	}
	kobject_del(&inst->kobj);
	kobject_put(&inst->kobj);
	wait_for_completion(&inst->kobj_done);
	mutex_lock(&fm_instances_lock);
	list_del(&inst->node);
	mutex_unlock(&fm_instances_lock);
	fm_cache_destroy(inst);
	fm_close_backing(inst);
	pr_info("%s: detached\n", inst->name);
	fm_nl_event(inst->name, FASTMAP_EVENT_DETACHED, inst->id);
	kfree(inst);
	module_put(THIS_MODULE);
	return 0;
}
