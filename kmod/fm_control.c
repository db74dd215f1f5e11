// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/fastmap/control: per-file mode's entry point. FASTMAP_IOC_FILE_OPEN
 * turns an open regular file of the caller into a file descriptor of the
 * file's instance (created at first use) if an administrator enabled the
 * file. The node is world-accessible: the caller only gets what its own file
 * descriptor already allows (its access mode, checked again by the backing
 * open with the caller's credentials), and only for enabled files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>
#include "fastmap_int.h"

unsigned int fm_file_cache_mb = 64;	/* MiB; module parameter file_cache_mb */

/* Find or create the instance of @src's file. */
static struct fm_instance *fm_control_instance(struct file *src,
					       const struct fm_file_entry *e,
					       const char **why)
{
	struct fm_instance *inst;
	char name[FASTMAP_NAME_MAX];
	u64 cache;
	int err;

	snprintf(name, sizeof(name), "f%x.%llx", e->dev, e->ino);
	cache = e->cache_bytes ? e->cache_bytes :
				 (u64)READ_ONCE(fm_file_cache_mb) << 20;
	for (;;) {
		mutex_lock(&fm_instances_lock);
		inst = fm_instance_find_file(e->dev, e->ino);
		if (inst && !inst->dying) {
			mutex_lock(&inst->open_lock);
			inst->ctl_busy++;	/* no detach until we have opened */
			mutex_unlock(&inst->open_lock);
			mutex_unlock(&fm_instances_lock);
			return inst;
		}
		mutex_unlock(&fm_instances_lock);
		if (inst) {	/* being detached: wait for the name */
			if (fatal_signal_pending(current))
				return ERR_PTR(-EINTR);
			schedule_timeout_killable(HZ / 50);
			continue;
		}
		err = fm_instance_attach(NULL, src, name, cache, 0, 0, NULL,
					 &inst, why);
		if (err == -EEXIST)	/* another opener won the race */
			continue;
		if (err)
			return ERR_PTR(err);
		mutex_lock(&inst->open_lock);
		inst->ctl_busy++;
		mutex_unlock(&inst->open_lock);
		return inst;
	}
}

static void fm_control_unbusy(struct fm_instance *inst)
{
	mutex_lock(&inst->open_lock);
	inst->ctl_busy--;
	mutex_unlock(&inst->open_lock);
}

static long fm_control_file_open(void __user *argp)
{
	struct fastmap_file_open req;
	struct fm_file_entry e;
	struct fm_instance *inst;
	const char *why = NULL;
	struct file *nf;
	struct file *src;
	int fd, err, mode;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	src = fget(req.fd);
	if (!src)
		return -EBADF;
	err = -EACCES;
	if (!(src->f_mode & (FMODE_READ | FMODE_WRITE)))
		goto out;
	err = -EINVAL;
	if (!S_ISREG(file_inode(src)->i_mode))
		goto out;
	err = -ENOENT;
	if (!fm_files_lookup(new_encode_dev(file_inode(src)->i_sb->s_dev),
			     file_inode(src)->i_ino, &e))
		goto out;
	err = fm_backing_check(src, &why);
	if (err)
		goto out_why;
	inst = fm_control_instance(src, &e, &why);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto out_why;
	}
	if (!(src->f_mode & FMODE_WRITE))
		mode = O_RDONLY;
	else
		mode = (src->f_mode & FMODE_READ) ? O_RDWR : O_WRONLY;
	err = -EACCES;
	if (mode != O_RDONLY && inst->read_only) {
		why = "the instance was opened read-only (first opener could not write)";
		goto out_busy;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_busy;
	}
	/* O_SYNC/O_DSYNC carry over: write(2) then syncs like on the file. */
	nf = anon_inode_getfile("[fastmap]", &fm_instance_fops, inst,
				mode | O_LARGEFILE |
				(src->f_flags & (O_DSYNC | __O_SYNC)));
	if (IS_ERR(nf)) {
		put_unused_fd(fd);
		err = PTR_ERR(nf);
		goto out_busy;
	}
	nf->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	err = fm_instance_open(inst, nf);
	if (err) {
		/* fput() runs ->release, which must not undo an open. */
		nf->private_data = NULL;
		fput(nf);
		put_unused_fd(fd);
		goto out_busy;
	}
	req.size_bytes = fm_inst_size(inst);
	strscpy(req.name, inst->name, sizeof(req.name));
	fm_control_unbusy(inst);
	if (copy_to_user(argp, &req, sizeof(req))) {
		fput(nf);
		put_unused_fd(fd);
		fput(src);
		return -EFAULT;
	}
	fd_install(fd, nf);
	fput(src);
	return fd;

out_busy:
	fm_control_unbusy(inst);
out_why:
	if (why)
		pr_info_ratelimited("file open refused (%d): %s\n", err, why);
out:
	fput(src);
	return err;
}

static long fm_control_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	switch (cmd) {
	case FASTMAP_IOC_FILE_OPEN:
		return fm_control_file_open((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations fm_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = fm_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice fm_control_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "fastmap-control",
	.nodename = "fastmap/control",
	.mode = 0666,
	.fops = &fm_control_fops,
};

int fm_control_init(void)
{
	return misc_register(&fm_control_dev);
}

void fm_control_exit(void)
{
	misc_deregister(&fm_control_dev);
}
