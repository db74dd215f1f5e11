// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-file enable table: (device, inode) pairs an administrator or the
 * daemon enabled for fastmap's per-file mode. FASTMAP_IOC_FILE_OPEN
 * (fm_control.c) creates a file instance only for files in this table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include "fastmap_int.h"

#define FM_FILES_MAX	4096U	/* entries; FILE_ADD beyond it gets ENOSPC */

struct fm_file_node {
	struct hlist_node node;
	struct list_head order;		/* insertion order, for dumps */
	struct fm_file_entry e;
};

static DEFINE_HASHTABLE(fm_files, 10);
static LIST_HEAD(fm_files_order);
static DEFINE_MUTEX(fm_files_lock);
static unsigned int fm_files_count;

static u64 fm_files_key(u32 dev, u64 ino)
{
	return ino ^ ((u64)dev << 40);
}

static struct fm_file_node *fm_files_find(u32 dev, u64 ino)
{
	struct fm_file_node *n;

	hash_for_each_possible(fm_files, n, node, fm_files_key(dev, ino))
		if (n->e.dev == dev && n->e.ino == ino)
			return n;
	return NULL;
}

int fm_files_add(u32 dev, u64 ino, const char *path, u64 cache_bytes)
{
	struct fm_file_node *n;
	int err = 0;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->e.dev = dev;
	n->e.ino = ino;
	n->e.cache_bytes = cache_bytes;
	if (path)
		strscpy(n->e.path, path, sizeof(n->e.path));
	mutex_lock(&fm_files_lock);
	if (fm_files_find(dev, ino))
		err = -EEXIST;
	else if (fm_files_count >= FM_FILES_MAX)
		err = -ENOSPC;
	if (!err) {
		hash_add(fm_files, &n->node, fm_files_key(dev, ino));
		list_add_tail(&n->order, &fm_files_order);
		fm_files_count++;
	}
	mutex_unlock(&fm_files_lock);
	if (err)
		kfree(n);
	return err;
}

/* Copy the entry of (@dev, @ino) to @out; false if the file is not enabled. */
bool fm_files_lookup(u32 dev, u64 ino, struct fm_file_entry *out)
{
	struct fm_file_node *n;

	mutex_lock(&fm_files_lock);
	n = fm_files_find(dev, ino);
	if (n)
		*out = n->e;
	mutex_unlock(&fm_files_lock);
	return n != NULL;
}

int fm_files_del(u32 dev, u64 ino)
{
	struct fm_file_node *n;

	mutex_lock(&fm_files_lock);
	n = fm_files_find(dev, ino);
	if (n) {
		hash_del(&n->node);
		list_del(&n->order);
		fm_files_count--;
	}
	mutex_unlock(&fm_files_lock);
	kfree(n);
	return n ? 0 : -ENOENT;
}

/*
 * Call @fn for the entries from position @start on, in insertion order,
 * until it returns non-zero. Returns the position after the last entry @fn
 * accepted.
 */
unsigned long fm_files_walk(unsigned long start,
			    int (*fn)(const struct fm_file_entry *e, void *arg),
			    void *arg)
{
	struct fm_file_node *n;
	unsigned long pos = 0;

	mutex_lock(&fm_files_lock);
	list_for_each_entry(n, &fm_files_order, order) {
		if (pos < start) {
			pos++;
			continue;
		}
		if (fn(&n->e, arg))
			break;
		pos++;
	}
	mutex_unlock(&fm_files_lock);
	return pos;
}

void fm_files_exit(void)
{
	struct fm_file_node *n, *t;

	list_for_each_entry_safe(n, t, &fm_files_order, order)
		kfree(n);
}
