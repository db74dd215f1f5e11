// SPDX-License-Identifier: GPL-2.0-only
/*
 * The instance node /dev/fastmap/<name>: open/close, mmap, read()/write()
 * through the same cache as the mappings, fsync/msync and the fd-scoped
 * ioctls of kmod/uapi/fastmap.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/uio.h>
#include <linux/uaccess.h>
#include <linux/sched/signal.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/idr.h>
#include "fastmap_int.h"

/*
 * Instance nodes live in a char major of their own, one cdev over all its
 * minors. Minors are handed out cyclically, so a minor is not reused until
 * the whole range has gone round: a path or an inode looked up before a
 * detach cannot open the next instance that happens to be attached (with
 * misc devices the lowest free minor came back at once, and such an open
 * reached the wrong instance). fm_minors maps a minor to its instance; an
 * open looks it up and counts itself under fm_minor_lock, and detach removes
 * the minor under that lock before the instance is freed.
 */
#define FM_NODE_MINORS	(MINORMASK + 1)

static dev_t fm_node_base;
static struct cdev fm_node_cdev;
static DEFINE_IDR(fm_minors);
static DEFINE_MUTEX(fm_minor_lock);

/* Count @file as an open description of @inst (node or control fd). */
int fm_instance_open(struct fm_instance *inst, struct file *file)
{
	mutex_lock(&inst->open_lock);
	if (inst->dying) {
		mutex_unlock(&inst->open_lock);
		return -ENODEV;
	}
	inst->open_count++;
	mutex_unlock(&inst->open_lock);
	file->private_data = inst;
	file->f_wb_err = errseq_sample(&inst->wb_err);
	return 0;
}

static int fm_open(struct inode *inode, struct file *file)
{
	struct fm_instance *inst;
	int err;

	mutex_lock(&fm_minor_lock);
	inst = idr_find(&fm_minors, iminor(inode));
	if (!inst)	/* a node whose instance is gone */
		err = -ENXIO;
	else if ((file->f_mode & FMODE_WRITE) && inst->read_only)
		err = -EROFS;
	else
		err = fm_instance_open(inst, file);
	mutex_unlock(&fm_minor_lock);
	return err;
}

static int fm_release(struct inode *inode, struct file *file)
{
	struct fm_instance *inst = file->private_data;
	int err = 0;

	if (!inst)	/* a control-node fd that was never counted as open */
		return 0;
	mutex_lock(&inst->open_lock);
	if (inst->open_count == 1)	/* last close writes everything back */
		err = fm_sync_range(inst, 0, U64_MAX, true);
	inst->open_count--;
	mutex_unlock(&inst->open_lock);
	if (err)
		pr_warn_ratelimited("%s: writeback at last close failed: %d\n",
				    inst->name, err);
	return 0;
}

/* close(2) reports a writeback error not yet seen by this description. */
static int fm_flush(struct file *file, fl_owner_t id)
{
	struct fm_instance *inst = file->private_data;

	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	return errseq_check(&inst->wb_err, READ_ONCE(file->f_wb_err));
}

static int fm_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return fm_mmap(file->private_data, vma);
}

static loff_t fm_llseek(struct file *file, loff_t offset, int whence)
{
	struct fm_instance *inst = file->private_data;

	return fixed_size_llseek(file, offset, whence, fm_inst_size(inst));
}

static ssize_t fm_rw_iter(struct kiocb *iocb, struct iov_iter *iter,
			  bool write)
{
	struct fm_instance *inst = iocb->ki_filp->private_data;
	struct fm_ctx ctx = { .held_mm = NULL };
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(iter);
	u64 size = fm_inst_size(inst);
	ssize_t done = 0;
	int err = 0;

	if (pos < 0)
		return -EINVAL;
	if (inst->bfile && write && count && pos + count > size) {
		/* A file grows: extend it first (zeros if the copy fails). */
		err = fm_backing_extend(inst, pos + count);
		if (err)
			return err;
		size = fm_inst_size(inst);
	}
	if (pos >= size)
		return write && count ? -ENOSPC : 0;
	count = min_t(u64, count, size - pos);
	while (count) {
		u64 off = pos >> PAGE_SHIFT;
		size_t in = pos & ~PAGE_MASK;
		size_t n = min_t(size_t, PAGE_SIZE - in, count);
		struct fm_page *fp = fm_get_page(inst, off, &ctx, NULL);
		size_t copied;

		if (IS_ERR(fp)) {
			err = PTR_ERR(fp);
			break;
		}
		if (write) {
			copied = copy_page_from_iter(fp->page, in, n, iter);
			/* Dirty after the copy: a racing writeback rewrites. */
			spin_lock(&fp->lock);
			fm_mark_dirty(inst, fp);
			spin_unlock(&fp->lock);
		} else {
			copied = copy_page_to_iter(fp->page, in, n, iter);
		}
		fm_put_page(fp);
		pos += copied;
		done += copied;
		count -= copied;
		if (copied < n) {
			err = -EFAULT;
			break;
		}
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	iocb->ki_pos = pos;
	if (err == -EAGAIN)
		err = -ENOMEM;
	return done ? done : err;
}

static ssize_t fm_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return fm_rw_iter(iocb, to, false);
}

static ssize_t fm_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	ssize_t ret = fm_rw_iter(iocb, from, true);

	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

static int fm_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct fm_instance *inst = file->private_data;
	u64 first, last;
	int err, err2;

	if (start < 0 || end < start)
		return -EINVAL;
	first = (u64)start >> PAGE_SHIFT;
	last = min_t(u64, (u64)end >> PAGE_SHIFT, inst->nr_dev_pages - 1);
	err = first <= last ? fm_sync_range(inst, first, last, true) : 0;
	err2 = errseq_check_and_advance(&inst->wb_err, &file->f_wb_err);
	return err2 ? err2 : (err < 0 ? err : 0);
}

static long fm_ioc_sync(struct fm_instance *inst, struct file *file,
			void __user *argp)
{
	struct fastmap_range r;
	u64 first, last;
	int err, err2;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (r.reserved || (r.flags & ~FASTMAP_SYNC_ALL))
		return -EINVAL;
	if (!inst->bfile && r.offset >= inst->size_bytes)
		return -EINVAL;
	if (r.length && r.offset + r.length < r.offset)
		return -EOVERFLOW;
	first = r.offset >> PAGE_SHIFT;
	last = r.length ? (r.offset + r.length - 1) >> PAGE_SHIFT : U64_MAX;
	last = min(last, inst->nr_dev_pages - 1);
	err = fm_sync_range(inst, first, last, r.flags & FASTMAP_SYNC_WAIT);
	err2 = errseq_check_and_advance(&inst->wb_err, &file->f_wb_err);
	if (err2 || err)
		return err2 ? err2 : err;
	if (r.flags & FASTMAP_SYNC_EVICT)
		fm_evict_range(inst, first, last);
	return 0;
}

static long fm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct fm_instance *inst = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case FASTMAP_IOC_GET_INFO: {
		struct fastmap_info info = {
			.size_bytes = fm_inst_size(inst),
			.cache_bytes = (u64)fm_nr_frames(inst) << PAGE_SHIFT,
			.batch_pages = READ_ONCE(inst->batch_pages),
			.dirty_ratio = READ_ONCE(inst->dirty_ratio),
			.page_size = PAGE_SIZE,
			.dev = inst->bdev ? new_encode_dev(inst->bdev->bd_dev) :
					    inst->file_dev,
		};

		strscpy(info.name, inst->name, sizeof(info.name));
		return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case FASTMAP_IOC_GET_STATS: {
		struct fastmap_stats st;

		fm_instance_get_stats(inst, &st);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	}
	case FASTMAP_IOC_SYNC_RANGE:
		return fm_ioc_sync(inst, file, argp);
	default:
		return -ENOTTY;
	}
}

const struct file_operations fm_instance_fops = {
	.owner = THIS_MODULE,
	.open = fm_open,
	.release = fm_release,
	.flush = fm_flush,
	.mmap = fm_file_mmap,
	.llseek = fm_llseek,
	.read_iter = fm_read_iter,
	.write_iter = fm_write_iter,
	.fsync = fm_fsync,
	.unlocked_ioctl = fm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Create /dev/fastmap/<name>; the instance can be opened once this returns. */
int fm_node_add(struct fm_instance *inst)
{
	struct device *dev;
	int minor;

	mutex_lock(&fm_minor_lock);
	/* Reserved, not yet published: an open of this minor gets ENXIO. */
	minor = idr_alloc_cyclic(&fm_minors, NULL, 0, FM_NODE_MINORS,
				 GFP_KERNEL);
	mutex_unlock(&fm_minor_lock);
	if (minor < 0)
		return minor;
	inst->devt = MKDEV(MAJOR(fm_node_base), minor);
	dev = device_create(&fm_node_class, NULL, inst->devt, NULL, "%s",
			    inst->name);
	mutex_lock(&fm_minor_lock);
	if (IS_ERR(dev))
		idr_remove(&fm_minors, minor);
	else
		idr_replace(&fm_minors, inst, minor);
	mutex_unlock(&fm_minor_lock);
	return PTR_ERR_OR_ZERO(dev);
}

/* No open reaches @inst once this returns; the node is gone. */
void fm_node_del(struct fm_instance *inst)
{
	mutex_lock(&fm_minor_lock);
	idr_remove(&fm_minors, MINOR(inst->devt));
	mutex_unlock(&fm_minor_lock);
	device_destroy(&fm_node_class, inst->devt);
}

int fm_node_init(void)
{
	int err;

	err = alloc_chrdev_region(&fm_node_base, 0, FM_NODE_MINORS, "fastmap");
	if (err)
		return err;
	err = class_register(&fm_node_class);
	if (err)
		goto out_region;
	cdev_init(&fm_node_cdev, &fm_instance_fops);
	fm_node_cdev.owner = THIS_MODULE;
	err = cdev_add(&fm_node_cdev, fm_node_base, FM_NODE_MINORS);
	if (err)
		goto out_class;
	return 0;

out_class:
	class_unregister(&fm_node_class);
out_region:
	unregister_chrdev_region(fm_node_base, FM_NODE_MINORS);
	return err;
}

/* Every instance (and so every node) is gone: each holds a module reference. */
void fm_node_exit(void)
{
	cdev_del(&fm_node_cdev);
	class_unregister(&fm_node_class);
	unregister_chrdev_region(fm_node_base, FM_NODE_MINORS);
	idr_destroy(&fm_minors);
}
