// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only module for the fastmap VM rig (tests/vm): loading it triggers a
 * WARN, so the rig's dmesg check can be shown to fail a run whose suite
 * passed.  Built by tests/vm/selftest.sh in a scratch directory; never
 * installed or shipped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init warn_test_init(void)
{
	pr_info("triggering an intentional warning\n");
	WARN(1, "fastmap rig self-test: intentional warning\n");
	return 0;
}

static void __exit warn_test_exit(void)
{
}

module_init(warn_test_init);
module_exit(warn_test_exit);

MODULE_DESCRIPTION("fastmap VM rig self-test: intentional WARN on load");
MODULE_LICENSE("GPL");
