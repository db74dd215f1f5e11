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
#include "fastmap_int.h"

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

	snprintf(name, sizeof(name), "%pg", inst->bdev);
	return nla_put_string(skb, FASTMAP_A_DEVICE_NAME, name);
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
	    nla_put_u32(skb, FASTMAP_A_DEV, new_encode_dev(inst->bdev->bd_dev)) ||
	    nla_put_u64_64bit(skb, FASTMAP_A_SIZE_BYTES, inst->size_bytes,
			      FASTMAP_A_PAD) ||
	    nla_put_u64_64bit(skb, FASTMAP_A_CACHE_BYTES,
			      (u64)inst->nr_frames << PAGE_SHIFT,
			      FASTMAP_A_PAD) ||
	    nla_put_u32(skb, FASTMAP_A_BATCH_PAGES,
			READ_ONCE(inst->batch_pages)) ||
	    nla_put_u32(skb, FASTMAP_A_DIRTY_RATIO,
			READ_ONCE(inst->dirty_ratio)) ||
	    nla_put_u32(skb, FASTMAP_A_OPEN_COUNT, open_count) ||
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
	u32 batch = 0, ratio = 0;
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
	err = fm_instance_attach(nla_data(info->attrs[FASTMAP_A_DEVICE]),
				 nla_data(info->attrs[FASTMAP_A_NAME]),
				 nla_get_u64(info->attrs[FASTMAP_A_CACHE_BYTES]),
				 batch, ratio, &inst, &why);
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
	.resv_start_op = FASTMAP_CMD_GET + 1,
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
