// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mappings of instance nodes: the vm_operations, full reverse mappings and
 * batched unmapping.
 *
 * Mappings are VM_PFNMAP: PTEs point at cache frames without struct-page
 * refcounts or mapcounts, so fastmap can clear or write-protect scattered
 * PTEs itself and pay for ONE TLB shootdown round per batch.
 *
 * Reverse maps: every VMA has a PVE (vm_private_data) holding per-CPU lists
 * of PPRs; every PPR (vma, address) of a page is also on the page's rmap
 * list. Any number of mappings per page. VMA lifecycle:
 *  - fork:   open() on the child's VMA copies the parent's PPRs (the PFNMAP
 *            PTEs are copied by the core);
 *  - split:  open() on the new part moves the PPRs that fall inside it;
 *  - mremap: open() on the copy remembers its source, ->mremap() moves the
 *            PPRs to the new addresses once the page tables moved;
 *  - close:  drops the VMA's PPRs.
 * All four run under mmap_lock held for write and inst->rmap_sem for write;
 * walkers (eviction, writeback) hold rmap_sem for read and never block on an
 * mmap_lock (trylock), so a busy address space only delays its pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/file.h>
#include "fastmap_int.h"
#include "fm_trace.h"

static struct kmem_cache *fm_ppr_cache;

int fm_rmap_init(void)
{
	fm_ppr_cache = KMEM_CACHE(fm_ppr, 0);
	return fm_ppr_cache ? 0 : -ENOMEM;
}

void fm_rmap_exit(void)
{
	kmem_cache_destroy(fm_ppr_cache);
}

static struct fm_pve *fm_pve_alloc(struct fm_instance *inst,
				   struct vm_area_struct *vma, gfp_t gfp)
{
	unsigned int i, n = min_t(unsigned int, nr_cpu_ids, FM_PVE_MAX_LISTS);
	struct fm_pve *pve = kzalloc(struct_size(pve, lists, n), gfp);

	if (!pve)
		return NULL;
	pve->inst = inst;
	pve->vma = vma;
	pve->mm = vma->vm_mm;
	pve->nr_lists = n;
	for (i = 0; i < n; i++) {
		spin_lock_init(&pve->lists[i].lock);
		INIT_LIST_HEAD(&pve->lists[i].head);
	}
	return pve;
}

/* Link @ppr to @fp and @pve. Caller holds fp->lock. */
static void fm_ppr_link(struct fm_page *fp, struct fm_pve *pve,
			unsigned long addr, struct fm_ppr *ppr)
{
	struct fm_pve_list *l;

	ppr->pve = pve;
	ppr->fp = fp;
	ppr->addr = addr;
	ppr->list_idx = raw_smp_processor_id() % pve->nr_lists;
	hlist_add_head(&ppr->page_node, &fp->rmap);
	l = &pve->lists[ppr->list_idx];
	spin_lock(&l->lock);
	list_add(&ppr->pve_node, &l->head);
	spin_unlock(&l->lock);
}

/* Unlink and free @ppr. Caller holds ppr->fp->lock. */
static void fm_ppr_unlink(struct fm_ppr *ppr)
{
	struct fm_pve_list *l = &ppr->pve->lists[ppr->list_idx];

	hlist_del(&ppr->page_node);
	spin_lock(&l->lock);
	list_del(&ppr->pve_node);
	spin_unlock(&l->lock);
	kmem_cache_free(fm_ppr_cache, ppr);
}

/* Re-home @ppr to @dst at @addr. Caller holds ppr->fp->lock. */
static void fm_ppr_move(struct fm_ppr *ppr, struct fm_pve *dst,
			unsigned long addr)
{
	struct fm_pve_list *l = &ppr->pve->lists[ppr->list_idx];

	spin_lock(&l->lock);
	list_del(&ppr->pve_node);
	spin_unlock(&l->lock);
	ppr->pve = dst;
	ppr->addr = addr;
	ppr->list_idx = raw_smp_processor_id() % dst->nr_lists;
	l = &dst->lists[ppr->list_idx];
	spin_lock(&l->lock);
	list_add(&ppr->pve_node, &l->head);
	spin_unlock(&l->lock);
}

/* Drop every reverse mapping of @fp. Caller holds fp->lock and rmap_sem. */
void fm_rmap_drop_all(struct fm_page *fp)
{
	struct fm_ppr *ppr;
	struct hlist_node *t;

	hlist_for_each_entry_safe(ppr, t, &fp->rmap, page_node)
		fm_ppr_unlink(ppr);
}

/*
 * Record that @pve maps @fp at @addr unless it already does. Caller holds
 * fp->lock. Returns true if @ppr was consumed.
 */
static bool fm_ppr_add(struct fm_page *fp, struct fm_pve *pve,
		       unsigned long addr, struct fm_ppr *ppr)
{
	struct fm_ppr *p;

	hlist_for_each_entry(p, &fp->rmap, page_node)
		if (p->pve == pve && p->addr == addr)
			return false;
	fm_ppr_link(fp, pve, addr, ppr);
	return true;
}

/* Move or copy PPRs of @src into @dst; see the file comment. */
enum fm_pve_op { FM_PVE_COPY, FM_PVE_SPLIT, FM_PVE_MREMAP };

static void fm_pve_transfer(struct fm_pve *src, struct fm_pve *dst,
			    enum fm_pve_op op)
{
	struct vm_area_struct *vma = dst->vma;
	unsigned long npages = vma_pages(vma);
	unsigned int i;

	for (i = 0; i < src->nr_lists; i++) {
		struct fm_ppr *ppr, *t;

		/* Stable: every writer of src's lists is excluded here. */
		list_for_each_entry_safe(ppr, t, &src->lists[i].head, pve_node) {
			struct fm_page *fp = ppr->fp;
			struct fm_ppr *n;

			switch (op) {
			case FM_PVE_COPY:
				n = kmem_cache_alloc(fm_ppr_cache,
						     GFP_KERNEL | __GFP_NOFAIL);
				spin_lock(&fp->lock);
				fm_ppr_link(fp, dst, ppr->addr, n);
				spin_unlock(&fp->lock);
				break;
			case FM_PVE_SPLIT:
				if (ppr->addr < vma->vm_start ||
				    ppr->addr >= vma->vm_end)
					break;
				spin_lock(&fp->lock);
				fm_ppr_move(ppr, dst, ppr->addr);
				spin_unlock(&fp->lock);
				break;
			case FM_PVE_MREMAP:
				if (fp->off < vma->vm_pgoff ||
				    fp->off >= vma->vm_pgoff + npages)
					break;
				spin_lock(&fp->lock);
				fm_ppr_move(ppr, dst, vma->vm_start +
					    ((fp->off - vma->vm_pgoff) << PAGE_SHIFT));
				spin_unlock(&fp->lock);
				break;
			}
		}
	}
}

/* ---- PTE walking ---------------------------------------------------------- */

struct fm_walk {
	struct mm_struct *held;		/* caller holds its mmap_lock */
	struct mm_struct *locked;	/* mm we hold a read lock on now */
	bool own_ref;
};

static void fm_walk_unlock(struct fm_walk *w)
{
	if (w->locked && w->own_ref) {
		mmap_read_unlock(w->locked);
		mmput_async(w->locked);
	}
	w->locked = NULL;
}

/* 0: @mm's page tables may be walked; -ESRCH: mm is exiting; -EBUSY. */
static int fm_walk_lock(struct fm_walk *w, struct mm_struct *mm)
{
	if (w->locked == mm)
		return 0;
	fm_walk_unlock(w);
	if (mm == w->held) {
		w->locked = mm;
		w->own_ref = false;
		return 0;
	}
	if (!mmget_not_zero(mm))
		return -ESRCH;
	if (!mmap_read_trylock(mm)) {
		mmput_async(mm);
		return -EBUSY;
	}
	w->locked = mm;
	w->own_ref = true;
	return 0;
}

struct fm_pte_arg {
	struct mm_struct *mm;
	unsigned long pfn;
	enum fm_unmap_mode mode;
};

static int fm_pte_fn(pte_t *pte, unsigned long addr, void *data)
{
	struct fm_pte_arg *a = data;
	pte_t v = ptep_get(pte);

	if (!pte_present(v) || pte_pfn(v) != a->pfn)
		return 0;
	/*
	 * CLEAN write-protects a writable PTE. A read-only one is cleared
	 * instead: a concurrent pfn_mkwrite() may be about to upgrade it, and
	 * changing the PTE makes that upgrade fail its pte_same() check.
	 */
	if (a->mode == FM_UNMAP_CLEAN && pte_write(v))
		ptep_set_wrprotect(a->mm, addr, pte);
	else
		ptep_get_and_clear(a->mm, addr, pte);
	return 0;
}

static bool fm_vma_is_ours(struct vm_area_struct *vma, struct fm_instance *inst)
{
	return vma && vma->vm_ops == &fm_vm_ops &&
	       ((struct fm_pve *)vma->vm_private_data)->inst == inst;
}

/*
 * Clear (FM_UNMAP_CLEAR) or write-protect (FM_UNMAP_CLEAN) every mapping of
 * fps[0..n). ok[i] is false where some mapping could not be reached. No TLB
 * flush here: the caller does one for the whole batch. Caller holds
 * inst->rmap_sem for read and keeps the pages from gaining mappings
 * (EVICTING) or from losing their dirty state unnoticed (CLEAN).
 */
unsigned int fm_rmap_unmap(struct fm_instance *inst, struct fm_page **fps,
			   bool *ok, unsigned int n, enum fm_unmap_mode mode,
			   struct fm_ctx *ctx)
{
	struct fm_walk w = { .held = ctx ? ctx->held_mm : NULL };
	unsigned int i, done = 0;

	for (i = 0; i < n; i++) {
		struct fm_page *fp = fps[i];
		struct fm_pte_arg arg = {
			.pfn = page_to_pfn(fp->page),
			.mode = mode,
		};
		struct fm_ppr *ppr;

		ok[i] = true;
		spin_lock(&fp->lock);
		hlist_for_each_entry(ppr, &fp->rmap, page_node) {
			struct mm_struct *mm = ppr->pve->mm;
			struct vm_area_struct *vma;
			int err = fm_walk_lock(&w, mm);

			if (err == -ESRCH)
				continue;	/* no task can use this mm */
			if (err) {
				ok[i] = false;
				continue;
			}
			vma = vma_lookup(mm, ppr->addr);
			if (!fm_vma_is_ours(vma, inst)) {
				/* being unmapped right now: retry later */
				ok[i] = false;
				continue;
			}
			arg.mm = mm;
			apply_to_existing_page_range(mm, ppr->addr, PAGE_SIZE,
						     fm_pte_fn, &arg);
		}
		spin_unlock(&fp->lock);
		if (ok[i])
			done++;
	}
	fm_walk_unlock(&w);
	return done;
}

/* ---- vm_operations -------------------------------------------------------- */

static void fm_vm_open(struct vm_area_struct *vma)
{
	struct fm_pve *src = vma->vm_private_data;
	struct fm_instance *inst = src->inst;
	struct fm_pve *pve;

	pve = fm_pve_alloc(inst, vma, GFP_KERNEL | __GFP_NOFAIL);
	vma->vm_private_data = pve;
	down_write(&inst->rmap_sem);
	if (vma->vm_mm != src->mm)
		fm_pve_transfer(src, pve, FM_PVE_COPY);		/* fork */
	else if (vma->vm_start >= src->vma->vm_start &&
		 vma->vm_end <= src->vma->vm_end)
		fm_pve_transfer(src, pve, FM_PVE_SPLIT);
	else
		pve->mremap_src = src;		/* moved by ->mremap() */
	up_write(&inst->rmap_sem);
}

static int fm_vm_mremap(struct vm_area_struct *vma)
{
	struct fm_pve *pve = vma->vm_private_data;
	struct fm_instance *inst = pve->inst;

	if (!pve->mremap_src)
		return 0;
	down_write(&inst->rmap_sem);
	fm_pve_transfer(pve->mremap_src, pve, FM_PVE_MREMAP);
	pve->mremap_src = NULL;
	up_write(&inst->rmap_sem);
	return 0;
}

static void fm_vm_close(struct vm_area_struct *vma)
{
	struct fm_pve *pve = vma->vm_private_data;
	struct fm_instance *inst = pve->inst;
	unsigned int i;

	down_write(&inst->rmap_sem);
	for (i = 0; i < pve->nr_lists; i++) {
		struct fm_pve_list *l = &pve->lists[i];

		while (!list_empty(&l->head)) {
			struct fm_ppr *ppr = list_first_entry(&l->head,
							      struct fm_ppr,
							      pve_node);
			struct fm_page *fp = ppr->fp;

			spin_lock(&fp->lock);
			fm_ppr_unlink(ppr);
			spin_unlock(&fp->lock);
		}
	}
	up_write(&inst->rmap_sem);
	kfree(pve);
}

static vm_fault_t fm_err_to_fault(struct vm_fault *vmf, long err)
{
	switch (err) {
	case -ENOMEM:
		return VM_FAULT_OOM;
	case -EINTR:
		return VM_FAULT_NOPAGE;	/* the fatal signal is delivered */
	case -EAGAIN:
		/*
		 * No frame could be freed while we hold mmap_lock (some mm is
		 * busy, maybe waiting on us): let the lock go, wait, retry.
		 */
		if (fault_flag_allow_retry_first(vmf->flags) &&
		    !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {
			struct file *file = get_file(vmf->vma->vm_file);
			struct fm_pve *pve = vmf->vma->vm_private_data;
			struct fm_instance *inst = pve->inst;

			/*
			 * The VMA may go once the lock is dropped; the file
			 * reference keeps the instance.
			 */
			fm_fault_release_lock(vmf);
			fm_wait_for_frames(inst);
			fput(file);
			return VM_FAULT_RETRY;
		}
		return VM_FAULT_NOPAGE;
	case -EINPROGRESS:
		/*
		 * A file instance's read would wait for the file (i_rwsem)
		 * under mmap_lock: read it without the lock, then retry.
		 */
		if (fault_flag_allow_retry_first(vmf->flags) &&
		    !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {
			struct file *file = get_file(vmf->vma->vm_file);
			struct fm_pve *pve = vmf->vma->vm_private_data;
			struct fm_instance *inst = pve->inst;
			struct fm_ctx ctx = { .held_mm = NULL };
			u64 off = vmf->pgoff;
			struct fm_page *fp;

			fm_fault_release_lock(vmf);
			fp = fm_get_page(inst, off, &ctx, NULL);
			if (!IS_ERR(fp))
				fm_put_page(fp);
			fput(file);
			return VM_FAULT_RETRY;
		}
		return VM_FAULT_NOPAGE;
	default:
		return VM_FAULT_SIGBUS;
	}
}

static vm_fault_t fm_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fm_pve *pve = vma->vm_private_data;
	struct fm_instance *inst = pve->inst;
	struct fm_ctx ctx = {
		.held_mm = fm_fault_holds_mmap_lock(vmf) ? vma->vm_mm : NULL,
		.in_fault = true,
	};
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long addr = vmf->address & PAGE_MASK;
	struct fm_ppr *ppr;
	struct fm_page *fp;
	bool hit = false, used;
	u64 t0 = 0;
	vm_fault_t ret;
	pgprot_t prot;

	if (trace_fastmap_fault_enabled())
		t0 = ktime_get_ns();
	fm_stat_inc(inst, faults);
	if (vmf->pgoff >= inst->nr_dev_pages)
		return VM_FAULT_SIGBUS;
	/* A file instance: beyond EOF is SIGBUS, as for the page cache. */
	if (inst->bfile && ((u64)vmf->pgoff << PAGE_SHIFT) >= fm_inst_size(inst))
		return VM_FAULT_SIGBUS;
	ppr = kmem_cache_alloc(fm_ppr_cache, GFP_KERNEL);
	if (!ppr)
		return VM_FAULT_OOM;
	fp = fm_get_page(inst, vmf->pgoff, &ctx, &hit);
	if (IS_ERR(fp)) {
		kmem_cache_free(fm_ppr_cache, ppr);
		return fm_err_to_fault(vmf, PTR_ERR(fp));
	}
	if (hit)
		fm_stat_inc(inst, hits);
	else
		fm_stat_inc(inst, misses);

	spin_lock(&fp->lock);
	used = fm_ppr_add(fp, pve, addr, ppr);
	spin_unlock(&fp->lock);
	if (!used)
		kmem_cache_free(fm_ppr_cache, ppr);

	prot = write ? vm_get_page_prot(vma->vm_flags) : vma->vm_page_prot;
	ret = vmf_insert_pfn_prot(vma, addr, page_to_pfn(fp->page), prot);
	if (write) {
		/*
		 * Dirty only once the writable PTE exists: a writeback that ran
		 * in between found nothing to clean, and the pin keeps the page
		 * from eviction until then.
		 */
		spin_lock(&fp->lock);
		fm_mark_dirty(inst, fp);
		spin_unlock(&fp->lock);
	}
	fm_put_page(fp);
	if (t0)
		trace_fastmap_fault(inst->id, vmf->pgoff, ktime_get_ns() - t0,
				    hit, write);
	return ret;
}

/*
 * First write to a page mapped read-only. Mark it dirty; the core then makes
 * the PTE writable only if it is unchanged (pte_same), and writeback changes
 * every PTE it cleans, so a clean page never keeps a writable PTE.
 */
static vm_fault_t fm_vm_pfn_mkwrite(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fm_pve *pve = vma->vm_private_data;
	struct fm_instance *inst = pve->inst;
	unsigned long pfn = pte_pfn(vmf->orig_pte);
	struct fm_page *fp;

	fm_stat_inc(inst, mkwrite);
	fp = fm_lookup_cached(inst, vmf->pgoff);
	if (fp && page_to_pfn(fp->page) == pfn) {
		if (fp->state == FM_CACHED) {
			fm_mark_dirty(inst, fp);
			spin_unlock(&fp->lock);
			return 0;
		}
		spin_unlock(&fp->lock);
		return VM_FAULT_NOPAGE;	/* being evicted: refault shortly */
	}
	if (fp)
		spin_unlock(&fp->lock);
	/* Not the frame caching this offset (cannot happen): drop the PTE. */
	zap_vma_ptes(vma, vmf->address & PAGE_MASK, PAGE_SIZE);
	return VM_FAULT_NOPAGE;
}

/*
 * Fault-around: a read fault also maps the neighbours of the faulting page
 * (the core passes the range, fault_around_bytes, 64 KiB by default) that are
 * cached already, read-only, so a scan of cached data takes one fault per
 * range instead of one per page, as with the page cache. Pages not cached
 * are left to ->fault: this never starts I/O or evicts.
 *
 * Since 6.5 the core calls this under rcu_read_lock() (and maybe only the
 * per-VMA lock), so nothing here may sleep: PPRs come from GFP_NOWAIT, and
 * the PTE table must exist already (installing one may allocate), else the
 * first fault in a table maps just its own page through ->fault. It takes
 * rcu_read_lock() itself too, so that on 6.1 it runs under the same rule
 * and a DEBUG_ATOMIC_SLEEP kernel checks it there.
 *
 * Per chunk of up to FM_AROUND_CHUNK pages: (1) pin each cached page and add
 * its PPR under fp->lock, exactly as ->fault does, so eviction either skips
 * the page or finds the PPR; (2) fill the chunk's empty PTEs in one page
 * table walk under the PTE lock (fp->lock is never taken inside it: the
 * eviction walk takes fp->lock, then the PTE lock); (3) unpin. The frames
 * are ordinary write-back RAM, so the PTEs are special PFN entries with the
 * VMA's (write-protected) protection, what vmf_insert_pfn_prot() would make
 * after its per-page PAT lookup.
 */
#define FM_AROUND_CHUNK 16

struct fm_around {
	struct mm_struct *mm;
	unsigned long start;			/* address of fps[0] */
	pgprot_t prot;
	struct fm_page *fps[FM_AROUND_CHUNK];
};

static int fm_around_pte_fn(pte_t *pte, unsigned long addr, void *data)
{
	struct fm_around *a = data;
	struct fm_page *fp = a->fps[(addr - a->start) >> PAGE_SHIFT];

	if (fp && pte_none(ptep_get(pte)))
		set_pte_at(a->mm, addr, pte,
			   pte_mkspecial(pfn_pte(page_to_pfn(fp->page),
						 a->prot)));
	return 0;
}

/*
 * Pin and record the cached pages of [first, first + n). Returns how many;
 * *@oom is set if a PPR could not be had (the rest of the range is skipped).
 */
static unsigned int fm_around_collect(struct fm_instance *inst,
				      struct fm_pve *pve, struct fm_around *a,
				      pgoff_t first, unsigned int n,
				      struct fm_ppr **spare, bool *oom)
{
	unsigned int i, got = 0;

	for (i = 0; i < n; i++) {
		struct fm_page *fp;

		a->fps[i] = NULL;
		if (!*spare) {
			*spare = kmem_cache_alloc(fm_ppr_cache,
						  GFP_NOWAIT | __GFP_NOWARN);
			if (!*spare) {
				*oom = true;
				break;
			}
		}
		fp = fm_lookup_cached(inst, first + i);
		if (!fp)
			continue;
		if (fp->state == FM_CACHED) {
			atomic_inc(&fp->pins);
			if (fm_ppr_add(fp, pve, a->start + i * PAGE_SIZE,
				       *spare))
				*spare = NULL;
			a->fps[i] = fp;
			got++;
		}
		spin_unlock(&fp->lock);
	}
	for (; i < n; i++)
		a->fps[i] = NULL;
	return got;
}

static vm_fault_t fm_vm_map_pages(struct vm_fault *vmf, pgoff_t start,
				  pgoff_t end)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fm_pve *pve = vma->vm_private_data;
	struct fm_instance *inst = pve->inst;
	struct fm_around a = { .mm = vma->vm_mm, .prot = vma->vm_page_prot };
	u64 limit = inst->nr_dev_pages;
	struct fm_ppr *spare = NULL;
	vm_fault_t ret = 0;
	bool oom = false;
	pgoff_t first;
	u64 t0 = 0;

	if (pmd_none(*vmf->pmd))
		return 0;
	/*
	 * While the cache evicts (a batch in the last second), a neighbour
	 * mapped now is likely evicted before it is used, and costs a PPR now
	 * and an unmap then: random reads on pmem over 4x the cache ran 27 %
	 * slower with fault-around. Then map only the faulting page (->fault).
	 */
	if (!READ_ONCE(fm_fault_around_evicting) &&
	    time_before(jiffies, READ_ONCE(inst->last_evict) + HZ))
		return 0;
	if (trace_fastmap_fault_enabled())
		t0 = ktime_get_ns();
	if (inst->bfile)
		limit = min_t(u64, limit,
			      DIV_ROUND_UP_ULL(fm_inst_size(inst), PAGE_SIZE));
	if ((u64)end >= limit) {
		if ((u64)start >= limit)
			return 0;
		end = limit - 1;
	}
	rcu_read_lock();
	for (first = start; first <= end; first += FM_AROUND_CHUNK) {
		unsigned int i, n = min_t(pgoff_t, end - first + 1,
					  FM_AROUND_CHUNK);
		int err = 0;

		a.start = vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT);
		if (fm_around_collect(inst, pve, &a, first, n, &spare, &oom))
			err = apply_to_page_range(a.mm, a.start, n * PAGE_SIZE,
						  fm_around_pte_fn, &a);
		for (i = 0; i < n; i++) {
			struct fm_page *fp = a.fps[i];

			if (!fp)
				continue;
			if (!err && first + i == vmf->pgoff) {
				/* The faulting page: ->fault is not called. */
				if (!test_bit(FM_PG_REF, &fp->flags))
					set_bit(FM_PG_REF, &fp->flags);
				ret = VM_FAULT_NOPAGE;
			}
			fm_put_page(fp);
		}
		if (err || oom)
			break;
	}
	rcu_read_unlock();
	if (spare)
		kmem_cache_free(fm_ppr_cache, spare);
	if (ret) {
		fm_stat_inc(inst, faults);
		fm_stat_inc(inst, hits);
		if (t0)
			trace_fastmap_fault(inst->id, vmf->pgoff,
					    ktime_get_ns() - t0, true, false);
	}
	return ret;
}

const struct vm_operations_struct fm_vm_ops = {
	.open = fm_vm_open,
	.close = fm_vm_close,
	.mremap = fm_vm_mremap,
	.fault = fm_vm_fault,
	.map_pages = fm_vm_map_pages,
	.pfn_mkwrite = fm_vm_pfn_mkwrite,
};

int fm_mmap(struct fm_instance *inst, struct vm_area_struct *vma)
{
	struct fm_pve *pve;

	/*
	 * MAP_PRIVATE is not supported. (A shared mapping of a read-only
	 * file description has VM_MAYSHARE without VM_SHARED.)
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff + vma_pages(vma) < vma->vm_pgoff)
		return -EOVERFLOW;
	pve = fm_pve_alloc(inst, vma, GFP_KERNEL);
	if (!pve)
		return -ENOMEM;
	fm_vma_set_flags(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &fm_vm_ops;
	vma->vm_private_data = pve;
	/* Map read-only first so the first write reaches pfn_mkwrite. */
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags & ~VM_SHARED);
	return 0;
}
