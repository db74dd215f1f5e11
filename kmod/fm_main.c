// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastmap: a scalable memory-mapped I/O path for fast block devices.
 *
 * Module entry: parameters, the char device of the instance nodes, the
 * control node /dev/fastmap/control, the generic netlink family and sysfs
 * root. See docs/architecture.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/miscdevice.h>
#include <net/genetlink.h>
#include <linux/fs.h>
#include "fastmap_int.h"
#define CREATE_TRACE_POINTS
#include "fm_trace.h"

#define FASTMAP_VERSION "0.1.0"

unsigned int fm_default_batch = FASTMAP_BATCH_DEFAULT;
unsigned int fm_default_dirty_ratio = 60;
unsigned int fm_writeback_interval_ms = 5000;
bool fm_unsafe_skip_tlb_flush;

static int fm_param_set_batch(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v < FASTMAP_BATCH_MIN || v > FASTMAP_BATCH_MAX)
		return -ERANGE;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops fm_batch_ops = {
	.set = fm_param_set_batch,
	.get = param_get_uint,
};

static int fm_param_set_ratio(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v < 1 || v > 100)
		return -ERANGE;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops fm_ratio_ops = {
	.set = fm_param_set_ratio,
	.get = param_get_uint,
};

module_param_cb(default_batch_pages, &fm_batch_ops, &fm_default_batch, 0644);
MODULE_PARM_DESC(default_batch_pages,
		 "Eviction batch of new instances, in pages (default 512, range 1-4096)");
module_param_cb(default_dirty_ratio, &fm_ratio_ops, &fm_default_dirty_ratio,
		0644);
MODULE_PARM_DESC(default_dirty_ratio,
		 "Background writeback starts when dirty pages exceed this percentage of an instance's cache (default 60, range 1-100)");
module_param_named(writeback_interval_ms, fm_writeback_interval_ms, uint, 0644);
MODULE_PARM_DESC(writeback_interval_ms,
		 "Period of background writeback of all dirty pages, in milliseconds; 0 disables the periodic pass (default 5000)");
module_param_named(file_cache_mb, fm_file_cache_mb, uint, 0644);
MODULE_PARM_DESC(file_cache_mb,
		 "Cache of a file instance (per-file mode) when the enable table gives none, in MiB (default 64, minimum 1)");
bool fm_fault_around_evicting;
module_param_named(fault_around_evicting, fm_fault_around_evicting, bool, 0644);
MODULE_PARM_DESC(fault_around_evicting,
		 "Map an instance's cached neighbours on read faults (fault-around) also while it evicted in the last second (default N: only the faulting page then)");
#ifdef FASTMAP_UNSAFE_TESTING
module_param_named(unsafe_skip_tlb_flush, fm_unsafe_skip_tlb_flush, bool,
		   0600);
MODULE_PARM_DESC(unsafe_skip_tlb_flush,
		 "TEST BUILDS ONLY: skip TLB shootdowns to show that the stale-TLB test catches it (default N)");
#endif

static int __init fm_init(void)
{
	int err;

	err = fm_rmap_init();
	if (err)
		return err;
	err = fm_sysfs_init();
	if (err)
		goto out_rmap;
	err = fm_backing_init();
	if (err) {
		pr_err("cannot create the fsnotify group: %d\n", err);
		goto out_sysfs;
	}
	err = fm_node_init();
	if (err) {
		pr_err("cannot register the instance nodes' char device: %d\n",
		       err);
		goto out_backing;
	}
	err = fm_control_init();
	if (err) {
		pr_err("cannot register /dev/fastmap/control: %d\n", err);
		goto out_node;
	}
	err = fm_netlink_init();
	if (err) {
		pr_err("cannot register generic netlink family: %d\n", err);
		goto out_misc;
	}
	pr_info("version %s loaded (%u partitions)\n", FASTMAP_VERSION,
		nr_cpu_ids);
	return 0;

out_misc:
	fm_control_exit();
out_node:
	fm_node_exit();
out_backing:
	fm_backing_exit();
out_sysfs:
	fm_sysfs_exit();
out_rmap:
	fm_rmap_exit();
	return err;
}

static void __exit fm_exit(void)
{
	/* Each instance holds a module reference: none can be left here. */
	fm_netlink_exit();
	fm_files_exit();
	fm_control_exit();
	fm_node_exit();
	fm_backing_exit();
	fm_sysfs_exit();
	fm_rmap_exit();
	pr_info("unloaded\n");
}

module_init(fm_init);
module_exit(fm_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("fastmap developers");
MODULE_DESCRIPTION("fastmap: scalable memory-mapped I/O for fast block devices");
MODULE_VERSION(FASTMAP_VERSION);
MODULE_ALIAS_GENL_FAMILY(FASTMAP_GENL_NAME);
