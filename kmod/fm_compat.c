// SPDX-License-Identifier: GPL-2.0-only
/*
 * Everything that differs between the kernels fastmap supports (Debian 6.1
 * and 6.12) lives here, plus the one architecture dependency: the TLB flush.
 *
 * TLB shootdown (docs/architecture.md, "Batched shootdowns"): the module
 * clears or write-protects the PTEs of a whole batch of pages itself and then
 * runs ONE round of IPIs in which every online CPU executes __flush_tlb_all()
 * (exported, GPL). That flushes all PCIDs and global entries of each CPU, so
 * no CPU can keep a stale translation of any address space — including CPUs
 * that ran the mm earlier under another PCID — without touching the kernel's
 * private tlb_gen machinery. Cost: one IPI round to all online CPUs per batch
 * instead of one per page (Linux) and a full local TLB flush on each.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/version.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/smp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/device.h>
#include <asm/tlbflush.h>
#include "fastmap_int.h"

#ifndef CONFIG_X86
#error "fastmap's batched TLB shootdown is implemented for x86 only"
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "fastmap needs Linux 6.1 or newer"
#endif

struct fm_bdev {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file;
#else
	struct block_device *bdev;
#endif
};

struct fm_bdev *fm_bdev_open(const char *path, void *holder,
			     struct block_device **bdev)
{
	struct fm_bdev *fb = kzalloc(sizeof(*fb), GFP_KERNEL);

	if (!fb)
		return ERR_PTR(-ENOMEM);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	fb->file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
					  holder, NULL);
	if (IS_ERR(fb->file)) {
		long err = PTR_ERR(fb->file);

		kfree(fb);
		return ERR_PTR(err);
	}
	*bdev = file_bdev(fb->file);
#else
	fb->bdev = blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE |
				      FMODE_EXCL, holder);
	if (IS_ERR(fb->bdev)) {
		long err = PTR_ERR(fb->bdev);

		kfree(fb);
		return ERR_PTR(err);
	}
	*bdev = fb->bdev;
#endif
	return fb;
}

void fm_bdev_close(struct fm_bdev *fb, void *holder)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	bdev_fput(fb->file);
#else
	blkdev_put(fb->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	kfree(fb);
}

static void fm_flush_local(void *unused)
{
	__flush_tlb_all();
}

void fm_flush_tlb_all_cpus(void)
{
#ifdef FASTMAP_UNSAFE_TESTING
	if (READ_ONCE(fm_unsafe_skip_tlb_flush))
		return;
#endif
	on_each_cpu(fm_flush_local, NULL, 1);
}

void fm_vma_set_flags(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Drop the lock the fault handler was called with before returning
 * VM_FAULT_RETRY: mmap_lock, or since 6.4 possibly only the per-VMA lock.
 * fastmap provides ->map_pages, so since 6.8 (vmf_can_call_fault()) the core
 * calls ->fault and ->pfn_mkwrite under the per-VMA lock alone when it can,
 * instead of retrying every fault under mmap_lock.
 */
void fm_fault_release_lock(struct vm_fault *vmf)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	release_fault_lock(vmf);
#else
	mmap_read_unlock(vmf->vma->vm_mm);
#endif
}

/* Whether the fault handler runs under mmap_lock (else: the per-VMA lock). */
bool fm_fault_holds_mmap_lock(const struct vm_fault *vmf)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return !(vmf->flags & FAULT_FLAG_VMA_LOCK);
#else
	return true;
#endif
}

/*
 * The class of the instance nodes: /dev/fastmap/<name>, mode 0660 (the udev
 * rule config/udev/60-fastmap.rules adds group disk). Linux 6.2 made the
 * devnode callback take a const device.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *fm_node_devnode(const struct device *dev, umode_t *mode)
#else
static char *fm_node_devnode(struct device *dev, umode_t *mode)
#endif
{
	if (mode)
		*mode = 0660;
	return kasprintf(GFP_KERNEL, "fastmap/%s", dev_name(dev));
}

struct class fm_node_class = {
	.name = "fastmap",
	.devnode = fm_node_devnode,
};
