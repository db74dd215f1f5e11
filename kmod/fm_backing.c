// SPDX-License-Identifier: GPL-2.0-only
/*
 * File instances (per-file mode): the cache in front of one regular file on
 * ext4 or xfs instead of a block device.
 *
 * - I/O goes to the file with direct I/O (kiocb + bvec on the backing file's
 *   own ->read_iter/->write_iter, like the loop driver), so the page cache
 *   does not hold a second copy. The page holding EOF is written with a
 *   buffered write of the valid bytes only (a direct write of the whole page
 *   would move EOF to the page end), then written out.
 * - Holes read as zeros and stay holes until a page is written back.
 * - In a page fault (mmap_lock or a per-VMA lock held) the I/O is
 *   IOCB_NOWAIT: a write(2) of the same file holds i_rwsem while it faults,
 *   so waiting for i_rwsem under either lock could deadlock. A fault whose
 *   read would block drops its lock, reads, and retries; writeback that
 *   would block stays for the writeback worker.
 * - Modifications from outside fastmap (write(2), truncate by anyone not
 *   going through the instance) are seen with an fsnotify inode mark: the
 *   instance writes back its dirty pages and drops every cached page, so the
 *   next access reads the file again. Our own I/O calls the file operations
 *   directly and raises no events; our own size changes are marked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fsnotify_backend.h>
#include <linux/magic.h>
#include <linux/uio.h>
#include <linux/bvec.h>
#include <linux/slab.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include "fastmap_int.h"

#define FM_FILE_RUN_MAX	256U	/* pages per direct write */


static struct fsnotify_group *fm_fsn_group;

struct fm_fmark {
	struct fsnotify_mark mark;
	struct fm_instance *inst;
};

u64 fm_inst_size(struct fm_instance *inst)
{
	if (inst->bfile)
		return i_size_read(file_inode(inst->bfile));
	return inst->size_bytes;
}

int fm_backing_check(struct file *src, const char **why)
{
	struct inode *inode = file_inode(src);
	unsigned long magic = inode->i_sb->s_magic;

	if (!S_ISREG(inode->i_mode)) {
		*why = "not a regular file";
		return -EINVAL;
	}
	if (magic != EXT4_SUPER_MAGIC && magic != XFS_SUPER_MAGIC) {
		*why = "file system not supported: per-file mode needs ext4 or xfs";
		return -EOPNOTSUPP;
	}
	if (mapping_mapped(src->f_mapping)) {
		*why = "the file is mmapped by a process not using fastmap";
		return -EBUSY;
	}
	return 0;
}

static void fm_bvec(struct bio_vec *bv, struct page *page, unsigned int len)
{
	bv->bv_page = page;
	bv->bv_len = len;
	bv->bv_offset = 0;
}

/* One synchronous I/O on the backing file. */
static ssize_t fm_bio_file(struct fm_instance *inst, struct bio_vec *bv,
			   unsigned int nr, size_t len, loff_t pos, bool write,
			   bool direct, bool nowait)
{
	struct file *f = inst->bfile;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, f);
	kiocb.ki_pos = pos;
	if (direct)
		kiocb.ki_flags |= IOCB_DIRECT;
	else
		kiocb.ki_flags &= ~IOCB_DIRECT;
	if (nowait)
		kiocb.ki_flags |= IOCB_NOWAIT;
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, bv, nr, len);
	if (write) {
		/*
		 * Freeze protection nests outside mmap_lock (a truncate holds
		 * it while it waits for i_rwsem, whose holder may fault), so a
		 * page fault (@nowait) only tries it; -EAGAIN keeps the pages
		 * dirty for the writeback worker. Found by lockdep.
		 */
		if (nowait) {
			if (!sb_start_write_trylock(file_inode(f)->i_sb))
				return -EAGAIN;
		} else {
			file_start_write(f);
		}
		ret = f->f_op->write_iter(&kiocb, &iter);
		file_end_write(f);
	} else {
		ret = f->f_op->read_iter(&kiocb, &iter);
	}
	return ret;
}

/*
 * Read one page. Beyond EOF (and the rest of the EOF page) is zeros.
 * -EINPROGRESS: @nowait was set and the read would have to wait.
 */
int fm_backing_read_page(struct fm_instance *inst, struct fm_page *fp,
			 bool nowait)
{
	loff_t pos = (loff_t)fp->off << PAGE_SHIFT;
	u64 size = fm_inst_size(inst);
	struct bio_vec bv;
	ssize_t ret;

	if (pos >= size) {
		clear_highpage(fp->page);
		return 0;
	}
	fm_bvec(&bv, fp->page, PAGE_SIZE);
	ret = fm_bio_file(inst, &bv, 1, PAGE_SIZE, pos, false, true, nowait);
	if (ret == -EAGAIN && nowait)
		return -EINPROGRESS;
	if (ret < 0)
		return ret;
	if (ret < PAGE_SIZE)
		zero_user_segment(fp->page, ret, PAGE_SIZE);
	return 0;
}

/* The page holding EOF: write the valid bytes, buffered, and wait for them. */
static int fm_backing_write_tail(struct fm_instance *inst, struct fm_page *fp,
				 loff_t pos, u64 size)
{
	size_t len = size - pos;
	struct bio_vec bv;
	ssize_t ret;

	fm_bvec(&bv, fp->page, len);
	ret = fm_bio_file(inst, &bv, 1, len, pos, true, false, false);
	if (ret >= 0 && (size_t)ret < len)
		ret = -EIO;
	if (ret < 0)
		return ret;
	return filemap_write_and_wait_range(inst->bfile->f_mapping, pos,
					    pos + len - 1);
}

/*
 * Write @n pages (sorted by offset) to the file and report each page's
 * result to @done: 0, -EAGAIN (would block under @nowait: keep it dirty) or
 * an I/O error. Returns the number of I/Os issued.
 */
unsigned int fm_backing_write(struct fm_instance *inst, struct fm_page **fps,
			      unsigned int n, bool nowait,
			      void (*done)(struct fm_instance *inst,
					   struct fm_page *fp, int err))
{
	u64 size = fm_inst_size(inst);
	unsigned int i = 0, ios = 0;
	struct bio_vec *bv;

	bv = kmalloc_array(FM_FILE_RUN_MAX, sizeof(*bv), GFP_NOIO);
	while (i < n) {
		loff_t pos = (loff_t)fps[i]->off << PAGE_SHIFT;
		unsigned int j, run;
		ssize_t ret;
		int err;

		if (pos >= size) {	/* beyond EOF (truncated): drop */
			done(inst, fps[i++], 0);
			continue;
		}
		if (pos + PAGE_SIZE > size) {
			err = nowait ? -EAGAIN :
				       fm_backing_write_tail(inst, fps[i], pos,
							     size);
			ios++;
			done(inst, fps[i++], err);
			continue;
		}
		/* A run of consecutive full pages inside EOF. */
		run = 1;
		while (bv && i + run < n && run < FM_FILE_RUN_MAX &&
		       fps[i + run]->off == fps[i + run - 1]->off + 1 &&
		       ((loff_t)fps[i + run]->off << PAGE_SHIFT) + PAGE_SIZE <=
		       size)
			run++;
		if (!bv) {
			struct bio_vec one;

			fm_bvec(&one, fps[i]->page, PAGE_SIZE);
			ret = fm_bio_file(inst, &one, 1, PAGE_SIZE, pos, true,
					  true, nowait);
		} else {
			for (j = 0; j < run; j++)
				fm_bvec(&bv[j], fps[i + j]->page, PAGE_SIZE);
			ret = fm_bio_file(inst, bv, run,
					  (size_t)run << PAGE_SHIFT, pos, true,
					  true, nowait);
		}
		ios++;
		for (j = 0; j < run; j++) {
			if (ret < 0)
				err = ret == -EAGAIN && !nowait ? -EIO : ret;
			else
				err = ((ssize_t)(j + 1) << PAGE_SHIFT) <= ret ?
				      0 : -EIO;
			done(inst, fps[i + j], err);
		}
		i += run;
	}
	kfree(bv);
	return ios;
}

int fm_backing_flush(struct fm_instance *inst)
{
	return vfs_fsync_range(inst->bfile, 0, LLONG_MAX, 1);
}

/* Grow the file to @size (a write through the instance past EOF). */
int fm_backing_extend(struct fm_instance *inst, u64 size)
{
	int err = 0;

	if (inst->read_only)
		return -EBADF;
	if (size > MAX_LFS_FILESIZE)
		return -EFBIG;
	mutex_lock(&inst->size_lock);
	if (size > fm_inst_size(inst)) {
		WRITE_ONCE(inst->self_task, current);
		err = vfs_truncate(&inst->bfile->f_path, size);
		WRITE_ONCE(inst->self_task, NULL);
	}
	mutex_unlock(&inst->size_lock);
	return err;
}

/* ---- modifications from outside fastmap ---------------------------------- */

static void fm_inval_workfn(struct work_struct *work)
{
	struct fm_instance *inst = container_of(work, struct fm_instance,
						inval_work);
	u64 size = fm_inst_size(inst);
	int err;

	fm_nl_event(inst->name, FASTMAP_EVENT_OUTSIDE_WRITE, size);
	/* Our dirty pages go first (beyond a new EOF they are dropped)... */
	err = fm_sync_range(inst, 0, U64_MAX, false);
	if (err)
		pr_warn_ratelimited("%s: writeback after an outside write failed: %d\n",
				    inst->name, err);
	/* ...then every cached page, so the next access reads the file. */
	fm_evict_range(inst, 0, U64_MAX);
}

static int fm_fsn_event(struct fsnotify_mark *mark, u32 mask,
			struct inode *inode, struct inode *dir,
			const struct qstr *name, u32 cookie)
{
	struct fm_instance *inst = container_of(mark, struct fm_fmark,
						mark)->inst;

	if (READ_ONCE(inst->self_task) == current)
		return 0;
	fm_stat_inc(inst, outside_writes);
	queue_work(system_unbound_wq, &inst->inval_work);
	return 0;
}

static void fm_fsn_free_mark(struct fsnotify_mark *mark)
{
	kfree(container_of(mark, struct fm_fmark, mark));
}

static const struct fsnotify_ops fm_fsn_ops = {
	.handle_inode_event = fm_fsn_event,
	.free_mark = fm_fsn_free_mark,
};

/* ---- open / close --------------------------------------------------------- */

/*
 * Open the backing file: the same path as @src, O_DIRECT, read-write if the
 * caller may write it (else read-only), with the caller's credentials.
 */
int fm_backing_open(struct fm_instance *inst, struct file *src,
		    const char **why)
{
	struct inode *inode = file_inode(src);
	struct fm_fmark *fm;
	struct file *f;
	char *buf, *p;
	int err;

	err = fm_backing_check(src, why);
	if (err)
		return err;
	f = dentry_open(&src->f_path, O_RDWR | O_DIRECT | O_LARGEFILE,
			current_cred());
	if (IS_ERR(f) && (PTR_ERR(f) == -EACCES || PTR_ERR(f) == -EPERM ||
			  PTR_ERR(f) == -EROFS || PTR_ERR(f) == -ETXTBSY)) {
		f = dentry_open(&src->f_path, O_RDONLY | O_DIRECT | O_LARGEFILE,
				current_cred());
		inst->read_only = true;
	}
	if (IS_ERR(f)) {
		*why = PTR_ERR(f) == -EINVAL ?
		       "the file system refuses direct I/O on this file" :
		       "cannot open the file for direct I/O";
		return PTR_ERR(f);
	}
	fm = kzalloc(sizeof(*fm), GFP_KERNEL);
	if (!fm) {
		fput(f);
		return -ENOMEM;
	}
	inst->bfile = f;
	inst->file_dev = new_encode_dev(inode->i_sb->s_dev);
	inst->file_ino = inode->i_ino;
	inst->size_bytes = 0;
	inst->nr_dev_pages = MAX_LFS_FILESIZE >> PAGE_SHIFT;
	mutex_init(&inst->size_lock);
	INIT_WORK(&inst->inval_work, fm_inval_workfn);

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	p = buf ? file_path(src, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	strscpy(inst->devpath, IS_ERR(p) ? "?" : p, sizeof(inst->devpath));
	kfree(buf);

	fsnotify_init_mark(&fm->mark, fm_fsn_group);
	fm->inst = inst;
	fm->mark.mask = FS_MODIFY;
	err = fsnotify_add_inode_mark(&fm->mark, inode, 0);
	if (err) {
		fsnotify_put_mark(&fm->mark);
		inst->bfile = NULL;
		fput(f);
		*why = "cannot watch the file for outside writes";
		return err;
	}
	inst->fmark = fm;
	return 0;
}

/* Stop watching: no outside-write work runs after this returns. */
void fm_backing_stop(struct fm_instance *inst)
{
	if (!inst->fmark)
		return;
	fsnotify_destroy_mark(&inst->fmark->mark, fm_fsn_group);
	fsnotify_put_mark(&inst->fmark->mark);
	inst->fmark = NULL;
	fsnotify_wait_marks_destroyed();
	cancel_work_sync(&inst->inval_work);
}

void fm_backing_close(struct fm_instance *inst)
{
	fm_backing_stop(inst);
	if (inst->bfile)
		fput(inst->bfile);
	inst->bfile = NULL;
}

int fm_backing_init(void)
{
	fm_fsn_group = fsnotify_alloc_group(&fm_fsn_ops, 0);
	return PTR_ERR_OR_ZERO(fm_fsn_group);
}

void fm_backing_exit(void)
{
	fsnotify_put_group(fm_fsn_group);
}
