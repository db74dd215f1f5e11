// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "fastmap" (docs/netlink.md). Mutations need
 * CAP_SYS_ADMIN, checked in the handlers (GENL_ADMIN_PERM would check
 * CAP_NET_ADMIN). Errors carry an extack message, or for a missing attribute
 * the extack missing-attribute type. Attach/detach serialize on the module's
 * own mutex, so the family runs with parallel_ops (no genl_mutex held while
 * allocating a cache or writing one back).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include "fastmap_int.h"

static struct netlink_range_validation fm_wb_range __ro_after_init = {
	.min = 0,
	.max = 3600000,		/* ms: one hour */
};

static const struct nla_policy fm_policy[FASTMAP_A_MAX + 1] = {
	[FASTMAP_A_NAME] = { .type = NLA_NUL_STRING,
			     .len = FASTMAP_NAME_MAX - 1 },
	[FASTMAP_A_DEVICE] = { .type = NLA_NUL_STRING, .len = 127 },
	[FASTMAP_A_CACHE_BYTES] = { .type = NLA_U64 },
	[FASTMAP_A_BATCH_PAGES] = NLA_POLICY_RANGE(NLA_U32, FASTMAP_BATCH_MIN,
						   FASTMAP_BATCH_MAX),
	[FASTMAP_A_DIRTY_RATIO] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[FASTMAP_A_SIZE_BYTES] = { .type = NLA_REJECT },
	[FASTMAP_A_DEV] = { .type = NLA_REJECT },
	[FASTMAP_A_OPEN_COUNT] = { .type = NLA_REJECT },
	[FASTMAP_A_STATS] = { .type = NLA_REJECT },
	[FASTMAP_A_DEVICE_NAME] = { .type = NLA_REJECT },
	[FASTMAP_A_WB_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &fm_wb_range),
	[FASTMAP_A_ID] = { .type = NLA_REJECT },
	[FASTMAP_A_FILE_DEV] = { .type = NLA_U32 },
	[FASTMAP_A_FILE_INO] = { .type = NLA_U64 },
	[FASTMAP_A_FILE_PATH] = { .type = NLA_NUL_STRING, .len = 255 },
	[FASTMAP_A_EVENT] = { .type = NLA_REJECT },
	[FASTMAP_A_EVENT_VALUE] = { .type = NLA_REJECT },
};

static struct genl_family fm_genl_family;

/* @msg must have static storage (all fastmap reasons are literals). */
static void fm_set_msg(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

static int fm_put_stats(struct sk_buff *skb, struct fm_instance *inst)
{
	struct fastmap_stats st;
	struct nlattr *nest;
	const u64 *v = (const u64 *)&st;
	int i;

	BUILD_BUG_ON(sizeof(st) / sizeof(u64) !=
		     FASTMAP_STAT_MAX - FASTMAP_STAT_FAULTS + 1);
	fm_instance_get_stats(inst, &st);
	nest = nla_nest_start(skb, FASTMAP_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = FASTMAP_STAT_FAULTS; i <= FASTMAP_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, v[i - FASTMAP_STAT_FAULTS],
				      FASTMAP_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fm_put_devname(struct sk_buff *skb, struct fm_instance *inst)
{
	char name[BDEVNAME_SIZE];

	if (inst->bfile)	/* the file system's device, e.g. "nvme0n1" */
		strscpy(name, file_inode(inst->bfile)->i_sb->s_id,
			sizeof(name));
	else
		snprintf(name, sizeof(name), "%pg", inst->bdev);
	return nla_put_string(skb, FASTMAP_A_DEVICE_NAME, name);
}

/* A file instance's identity; nothing for a block device instance. */
static int fm_put_file(struct sk_buff *skb, struct fm_instance *inst)
{
	if (!inst->bfile)
		return 0;
	return nla_put_u32(skb, FASTMAP_A_FILE_DEV, inst->file_dev) ||
	       nla_put_u64_64bit(skb, FASTMAP_A_FILE_INO, inst->file_ino,
				 FASTMAP_A_PAD) ||
	       nla_put_string(skb, FASTMAP_A_FILE_PATH, inst->devpath);
}

static int fm_fill_instance(struct sk_buff *skb, struct fm_instance *inst,
			    u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr = genlmsg_put(skb, portid, seq, &fm_genl_family, flags, cmd);
	unsigned int open_count;

	if (!hdr)
		return -EMSGSIZE;
	mutex_lock(&inst->open_lock);
	open_count = inst->open_count;
	mutex_unlock(&inst->open_lock);
	if (nla_put_string(skb, FASTMAP_A_NAME, inst->name) ||
	    nla_put_string(skb, FASTMAP_A_DEVICE, inst->devpath) ||
	    nla_put_u32(skb, FASTMAP_A_DEV,
			inst->bdev ? new_encode_dev(inst->bdev->bd_dev) :
				     inst->file_dev) ||
	    nla_put_u64_64bit(skb, FASTMAP_A_SIZE_BYTES, fm_inst_size(inst),
			      FASTMAP_A_PAD) ||
	    fm_put_file(skb, inst) ||
	    nla_put_u64_64bit(skb, FASTMAP_A_CACHE_BYTES,
			      (u64)fm_nr_frames(inst) << PAGE_SHIFT,
			      FASTMAP_A_PAD) ||
	    nla_put_u32(skb, FASTMAP_A_BATCH_PAGES,
			READ_ONCE(inst->batch_pages)) ||
	    nla_put_u32(skb, FASTMAP_A_DIRTY_RATIO,
			READ_ONCE(inst->dirty_ratio)) ||
	    nla_put_u32(skb, FASTMAP_A_OPEN_COUNT, open_count) ||
	    nla_put_u32(skb, FASTMAP_A_ID, inst->id) ||
	    nla_put_u32(skb, FASTMAP_A_WB_INTERVAL_MS,
			READ_ONCE(inst->wb_interval_ms)) ||
	    fm_put_devname(skb, inst) ||
	    fm_put_stats(skb, inst)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Reply to @info with @inst. Caller holds fm_instances_lock. */
static int fm_reply_instance(struct genl_info *info, struct fm_instance *inst,
			     u8 cmd)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int err;

	if (!msg)
		return -ENOMEM;
	err = fm_fill_instance(msg, inst, info->snd_portid, info->snd_seq, 0,
			       cmd);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static bool fm_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	fm_set_msg(info->extack, "attach and detach need CAP_SYS_ADMIN");
	return false;
}

static int fm_nl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct fm_instance *inst, *found;
	const char *why = NULL;
	u32 batch = 0, ratio = 0, wb_ms = 0;
	bool has_wb = info->attrs[FASTMAP_A_WB_INTERVAL_MS];
	int err;

	if (!fm_nl_admin(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, FASTMAP_A_DEVICE) ||
	    GENL_REQ_ATTR_CHECK(info, FASTMAP_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, FASTMAP_A_CACHE_BYTES))
		return -EINVAL;
	if (info->attrs[FASTMAP_A_BATCH_PAGES])
		batch = nla_get_u32(info->attrs[FASTMAP_A_BATCH_PAGES]);
	if (info->attrs[FASTMAP_A_DIRTY_RATIO])
		ratio = nla_get_u32(info->attrs[FASTMAP_A_DIRTY_RATIO]);
	if (has_wb)
		wb_ms = nla_get_u32(info->attrs[FASTMAP_A_WB_INTERVAL_MS]);
	err = fm_instance_attach(nla_data(info->attrs[FASTMAP_A_DEVICE]), NULL,
				 nla_data(info->attrs[FASTMAP_A_NAME]),
				 nla_get_u64(info->attrs[FASTMAP_A_CACHE_BYTES]),
				 batch, ratio, has_wb ? &wb_ms : NULL, &inst,
				 &why);
	if (err) {
		fm_set_msg(extack, why ? why : "attach failed");
		return err;
	}
	mutex_lock(&fm_instances_lock);
	/* Reply only if a concurrent detach did not already remove it. */
	found = fm_instance_find(nla_data(info->attrs[FASTMAP_A_NAME]));
	err = found == inst && !inst->dying ?
		fm_reply_instance(info, inst, FASTMAP_CMD_ATTACH) : 0;
	mutex_unlock(&fm_instances_lock);
	return err;
}

static int fm_nl_detach(struct sk_buff *skb, struct genl_info *info)
{
	const char *why = NULL;
	int err;

	if (!fm_nl_admin(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, FASTMAP_A_NAME))
		return -EINVAL;
	err = fm_instance_detach(nla_data(info->attrs[FASTMAP_A_NAME]), &why);
	if (why)	/* on success this is a warning carried in the ACK */
		fm_set_msg(info->extack, why);
	return err;
}

static int fm_nl_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u64 cache;
	u32 batch, ratio, wb_ms;
	struct fm_instance *inst;
	const char *why = NULL;
	int err;

	if (!fm_nl_admin(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, FASTMAP_A_NAME))
		return -EINVAL;
	if (!a[FASTMAP_A_CACHE_BYTES] && !a[FASTMAP_A_BATCH_PAGES] &&
	    !a[FASTMAP_A_DIRTY_RATIO] && !a[FASTMAP_A_WB_INTERVAL_MS]) {
		fm_set_msg(info->extack, "nothing to set: give CACHE_BYTES, BATCH_PAGES, DIRTY_RATIO or WB_INTERVAL_MS");
		return -EINVAL;
	}
	if (a[FASTMAP_A_CACHE_BYTES])
		cache = nla_get_u64(a[FASTMAP_A_CACHE_BYTES]);
	if (a[FASTMAP_A_BATCH_PAGES])
		batch = nla_get_u32(a[FASTMAP_A_BATCH_PAGES]);
	if (a[FASTMAP_A_DIRTY_RATIO])
		ratio = nla_get_u32(a[FASTMAP_A_DIRTY_RATIO]);
	if (a[FASTMAP_A_WB_INTERVAL_MS])
		wb_ms = nla_get_u32(a[FASTMAP_A_WB_INTERVAL_MS]);

	/*
	 * The instance must stay while a resize runs without the registry
	 * lock held: ctl_busy makes detach fail with EBUSY meanwhile.
	 */
	mutex_lock(&fm_instances_lock);
	inst = fm_instance_find(nla_data(a[FASTMAP_A_NAME]));
	if (inst) {
		struct fm_instance *found = inst;

		mutex_lock(&found->open_lock);
		if (found->dying)
			inst = NULL;	/* a detach is tearing it down */
		else
			found->ctl_busy++;
		mutex_unlock(&found->open_lock);
	}
	mutex_unlock(&fm_instances_lock);
	if (!inst) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[FASTMAP_A_NAME],
				    "no instance with this name");
		return -ENOENT;
	}
	err = fm_set_params(inst,
			    a[FASTMAP_A_CACHE_BYTES] ? &cache : NULL,
			    a[FASTMAP_A_BATCH_PAGES] ? &batch : NULL,
			    a[FASTMAP_A_DIRTY_RATIO] ? &ratio : NULL,
			    a[FASTMAP_A_WB_INTERVAL_MS] ? &wb_ms : NULL, &why);
	if (err)
		fm_set_msg(info->extack, why ? why : "set failed");
	else
		err = fm_reply_instance(info, inst, FASTMAP_CMD_SET);
	mutex_lock(&inst->open_lock);
	inst->ctl_busy--;
	mutex_unlock(&inst->open_lock);
	return err;
}

static int fm_nl_file_key(struct genl_info *info, u32 *dev, u64 *ino)
{
	if (GENL_REQ_ATTR_CHECK(info, FASTMAP_A_FILE_DEV) ||
	    GENL_REQ_ATTR_CHECK(info, FASTMAP_A_FILE_INO))
		return -EINVAL;
	*dev = nla_get_u32(info->attrs[FASTMAP_A_FILE_DEV]);
	*ino = nla_get_u64(info->attrs[FASTMAP_A_FILE_INO]);
	return 0;
}

static int fm_nl_file_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *path = info->attrs[FASTMAP_A_FILE_PATH];
	u64 cache = 0;
	u32 dev;
	u64 ino;
	int err;

	if (!fm_nl_admin(skb, info))
		return -EPERM;
	err = fm_nl_file_key(info, &dev, &ino);
	if (err)
		return err;
	if (info->attrs[FASTMAP_A_CACHE_BYTES]) {
		cache = nla_get_u64(info->attrs[FASTMAP_A_CACHE_BYTES]);
		if (cache < FASTMAP_CACHE_MIN) {
			fm_set_msg(info->extack,
				   "cache too small: the minimum is 256 KiB");
			return -EINVAL;
		}
		if ((cache >> PAGE_SHIFT) > totalram_pages() / 2) {
			fm_set_msg(info->extack,
				   "cache larger than half of the system's memory");
			return -ENOMEM;
		}
	}
	err = fm_files_add(dev, ino, path ? nla_data(path) : NULL, cache);
	if (err == -EEXIST)
		fm_set_msg(info->extack, "file is already enabled");
	else if (err == -ENOSPC)
		fm_set_msg(info->extack, "enable table is full (4096 files)");
	return err;
}

static int fm_nl_file_del(struct sk_buff *skb, struct genl_info *info)
{
	char name[FASTMAP_NAME_MAX];
	struct fm_instance *inst;
	struct fm_file_entry e;
	const char *why = NULL;
	u32 dev;
	u64 ino;
	int err;

	if (!fm_nl_admin(skb, info))
		return -EPERM;
	err = fm_nl_file_key(info, &dev, &ino);
	if (err)
		return err;
	if (!fm_files_lookup(dev, ino, &e)) {
		fm_set_msg(info->extack, "file is not enabled");
		return -ENOENT;
	}
	/* Out of the table first, so no new instance appears meanwhile. */
	err = fm_files_del(dev, ino);
	if (err) {
		fm_set_msg(info->extack, "file is not enabled");
		return err;
	}
	mutex_lock(&fm_instances_lock);
	inst = fm_instance_find_file(dev, ino);
	if (inst)
		strscpy(name, inst->name, sizeof(name));
	mutex_unlock(&fm_instances_lock);
	if (!inst)
		return 0;
	err = fm_instance_detach(name, &why);
	if (err == -ENOENT)	/* detached meanwhile */
		return 0;
	if (err == -EBUSY) {
		fm_files_add(e.dev, e.ino, e.path, e.cache_bytes);
		fm_set_msg(info->extack,
			   "the file is open or mapped through fastmap: close it first");
		return err;
	}
	if (err)
		fm_set_msg(info->extack, why ? why : "detach failed");
	return err;
}

struct fm_file_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int fm_fill_file(const struct fm_file_entry *e, void *arg)
{
	struct fm_file_dump *d = arg;
	struct fm_instance *inst;
	int err;
	void *hdr = genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
				d->cb->nlh->nlmsg_seq, &fm_genl_family,
				NLM_F_MULTI, FASTMAP_CMD_FILE_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(d->skb, FASTMAP_A_FILE_DEV, e->dev) ||
	    nla_put_u64_64bit(d->skb, FASTMAP_A_FILE_INO, e->ino,
			      FASTMAP_A_PAD) ||
	    nla_put_string(d->skb, FASTMAP_A_FILE_PATH, e->path) ||
	    (e->cache_bytes &&
	     nla_put_u64_64bit(d->skb, FASTMAP_A_CACHE_BYTES, e->cache_bytes,
			       FASTMAP_A_PAD))) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	mutex_lock(&fm_instances_lock);
	inst = fm_instance_find_file(e->dev, e->ino);
	err = inst ? nla_put_string(d->skb, FASTMAP_A_NAME, inst->name) : 0;
	mutex_unlock(&fm_instances_lock);
	if (err) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	return 0;
}

static int fm_nl_file_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fm_file_dump d = { .skb = skb, .cb = cb };

	cb->args[0] = fm_files_walk(cb->args[0], fm_fill_file, &d);
	return skb->len;
}

/* Multicast an event; silently dropped when nobody listens. */
void fm_nl_event(const char *name, u32 event, u64 value)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&fm_genl_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &fm_genl_family, 0, FASTMAP_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, FASTMAP_A_EVENT, event) ||
	    nla_put_string(msg, FASTMAP_A_NAME, name) ||
	    nla_put_u64_64bit(msg, FASTMAP_A_EVENT_VALUE, value,
			      FASTMAP_A_PAD)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&fm_genl_family, msg, 0, 0, GFP_KERNEL);
}

static int fm_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fm_instance *inst;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, FASTMAP_A_NAME))
		return -EINVAL;
	mutex_lock(&fm_instances_lock);
	inst = fm_instance_find(nla_data(info->attrs[FASTMAP_A_NAME]));
	if (!inst) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FASTMAP_A_NAME],
				    "no instance with this name");
		err = -ENOENT;
	} else {
		err = fm_reply_instance(info, inst, FASTMAP_CMD_GET);
	}
	mutex_unlock(&fm_instances_lock);
	return err;
}

static int fm_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fm_instance *inst;
	long idx = 0, start = cb->args[0];
	int err = 0;

	mutex_lock(&fm_instances_lock);
	list_for_each_entry(inst, &fm_instances, node) {
		if (idx++ < start)
			continue;
		err = fm_fill_instance(skb, inst, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       FASTMAP_CMD_GET);
		if (err) {
			idx--;
			break;
		}
	}
	mutex_unlock(&fm_instances_lock);
	cb->args[0] = idx;
	if (err == -EMSGSIZE && idx > start)
		return skb->len;
	return err ? err : skb->len;
}

static const struct genl_small_ops fm_genl_ops[] = {
	{
		.cmd = FASTMAP_CMD_ATTACH,
		.doit = fm_nl_attach,
	},
	{
		.cmd = FASTMAP_CMD_DETACH,
		.doit = fm_nl_detach,
	},
	{
		.cmd = FASTMAP_CMD_GET,
		.doit = fm_nl_get,
		.dumpit = fm_nl_dump,
	},
	{
		.cmd = FASTMAP_CMD_SET,
		.doit = fm_nl_set,
	},
	{
		.cmd = FASTMAP_CMD_FILE_ADD,
		.doit = fm_nl_file_add,
	},
	{
		.cmd = FASTMAP_CMD_FILE_DEL,
		.doit = fm_nl_file_del,
	},
	{
		.cmd = FASTMAP_CMD_FILE_GET,
		.dumpit = fm_nl_file_dump,
	},
};

static const struct genl_multicast_group fm_mcgrps[] = {
	{ .name = FASTMAP_MCGRP_EVENTS },
};

static struct genl_family fm_genl_family __ro_after_init = {
	.name = FASTMAP_GENL_NAME,
	.version = FASTMAP_GENL_VERSION,
	.maxattr = FASTMAP_A_MAX,
	.policy = fm_policy,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.small_ops = fm_genl_ops,
	.n_small_ops = ARRAY_SIZE(fm_genl_ops),
	.resv_start_op = FASTMAP_CMD_EVENT + 1,
	.mcgrps = fm_mcgrps,
	.n_mcgrps = ARRAY_SIZE(fm_mcgrps),
};

int fm_netlink_init(void)
{
	return genl_register_family(&fm_genl_family);
}

void fm_netlink_exit(void)
{
	genl_unregister_family(&fm_genl_family);
}
