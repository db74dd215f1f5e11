// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_badinput: invalid and edge-case input to fastmap's user interfaces.
 *
 *   fm_badinput BLOCKDEV        (as root; fastmap.ko loaded; BLOCKDEV unused)
 *
 * Exercises the error paths of the generic netlink family "fastmap"
 * (kmod/fm_netlink.c, kmod/fm_instance.c) and of the instance and control
 * nodes (kmod/fm_file.c, kmod/fm_main.c) and checks the exact errno of each
 * rejection and, where the kernel sets one, that the extended ACK carries a
 * message (or the type of the missing attribute):
 *   - netlink policy: missing, mistyped, over-long, out-of-range, unknown and
 *     reply-only attributes (strict validation), unknown commands;
 *   - ATTACH semantics: bad names, cache size bounds, non-block devices, a
 *     duplicate name, a device already attached;
 *   - GET (doit and dump), DETACH of a busy / missing instance;
 *   - permissions: an unprivileged child may GET but not ATTACH/DETACH;
 *   - the node: unknown ioctls, bad pointers, bad SYNC_RANGE arguments,
 *     MAP_PRIVATE, a shared mapping plus msync, and ioctls on the control node.
 *
 * Uses raw AF_NETLINK sockets (no libnl). Prints one TAP line per check and
 * "fm_badinput: P passed, F failed"; exits 0 only if every check passed
 * (1 if some failed, 2 if the test could not run at all).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "fastmap.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_MSG_MAX	4096		/* largest request we build */
#define NL_RECV_MAX	65536		/* receive buffer (dumps can be big) */
#define NL_REPLY_MAX	8192		/* first reply message kept for checks */
#define NL_TIMEOUT_S	10		/* no ACK within this: report ETIMEDOUT */

#define TEST_NAME	"bi0"		/* the instance the test attaches */
#define TEST_NAME2	"bi1"		/* second name for the same device */
#define TEST_CACHE	(1ULL << 20)	/* 1 MiB */
#define NOBODY		65534
#define PAGE		4096ULL

/* Counters: the only global mutable state. */
static unsigned int t_num, t_pass, t_fail;

/* ---- TAP output ----------------------------------------------------------- */

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { ENOTBLK, "ENOTBLK" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" }, { EMSGSIZE, "EMSGSIZE" },
	{ EPROTO, "EPROTO" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EOVERFLOW, "EOVERFLOW" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ENOBUFS, "ENOBUFS" },
};

static const char *errname(int err, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, len, "%d", err);
	return buf;
}

/* Copy @src into @dst (@len bytes), truncating. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* One TAP line; @got and @msg describe the outcome when !ok. */
static bool tap(bool ok, const char *desc, int got, const char *msg)
{
	char buf[16];

	t_num++;
	if (ok) {
		t_pass++;
		printf("ok %u - %s\n", t_num, desc);
	} else {
		t_fail++;
		printf("not ok %u - %s (got errno %s, msg \"%s\")\n", t_num,
		       desc, errname(got, buf, sizeof(buf)), msg ? msg : "");
	}
	return ok;
}

/*
 * Check a syscall-style outcome: @ret < 0 means failure with errno @err;
 * it must be @want, or @alt if that is non-zero.
 */
static bool expect_sys2(const char *desc, int ret, int err, int want, int alt)
{
	int got = ret < 0 ? err : 0;

	return tap(got == want || (alt && got == alt), desc, got, NULL);
}

static bool expect_sys(const char *desc, int ret, int err, int want)
{
	return expect_sys2(desc, ret, err, want, 0);
}

/* ---- netlink: sockets and messages ---------------------------------------- */

struct nl_sock {
	int fd;
	uint16_t family;	/* id of the fastmap family */
	uint32_t seq;
};

struct nl_msg {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[NL_MSG_MAX];
	};
};

/* What came back for one request. */
struct nl_result {
	int err;		/* errno from the ACK/DONE (0: success) */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, 0 if none */
	unsigned int n_replies;	/* data messages before the ACK/DONE */
	size_t reply_len;	/* bytes of the first one, kept in reply[] */
	union {
		struct nlmsghdr nlh;
		unsigned char reply[NL_REPLY_MAX];
	};
};

typedef void (*nl_reply_fn)(const struct nlmsghdr *nlh, void *arg);

/* Attribute @type in the @len bytes of attributes at @attrs, or NULL. */
static const struct nlattr *nla_find(const void *attrs, size_t len,
				     uint16_t type)
{
	const unsigned char *p = attrs;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return NULL;
}

static const void *nla_payload(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

static size_t nla_payload_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* The attributes of a generic netlink message (after genlmsghdr). */
static const void *genl_attrs(const struct nlmsghdr *nlh, size_t *len)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(GENL_HDRLEN);

	if (nlh->nlmsg_len < off) {
		*len = 0;
		return NULL;
	}
	*len = nlh->nlmsg_len - off;
	return (const unsigned char *)nlh + off;
}

/* String attribute @type of a genl message; NULL if absent or unterminated. */
static const char *genl_get_str(const struct nlmsghdr *nlh, uint16_t type)
{
	size_t len;
	const void *attrs = genl_attrs(nlh, &len);
	const struct nlattr *a = attrs ? nla_find(attrs, len, type) : NULL;
	size_t n;

	if (!a)
		return NULL;
	n = nla_payload_len(a);
	if (!n || memchr(nla_payload(a), '\0', n) == NULL)
		return NULL;
	return nla_payload(a);
}

/* Integer attribute @type (u16/u32/u64 by payload size) into @val. */
static bool genl_get_uint(const struct nlmsghdr *nlh, uint16_t type,
			  uint64_t *val)
{
	size_t len;
	const void *attrs = genl_attrs(nlh, &len);
	const struct nlattr *a = attrs ? nla_find(attrs, len, type) : NULL;
	uint16_t v16;
	uint32_t v32;

	if (!a)
		return false;
	switch (nla_payload_len(a)) {
	case 2:
		memcpy(&v16, nla_payload(a), 2);
		*val = v16;
		return true;
	case 4:
		memcpy(&v32, nla_payload(a), 4);
		*val = v32;
		return true;
	case 8:
		memcpy(val, nla_payload(a), 8);
		return true;
	}
	return false;
}

static void msg_init(struct nl_msg *m, uint16_t type, uint16_t flags,
		     uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = FASTMAP_GENL_VERSION;
	g->reserved = 0;
}

static void msg_put(struct nl_msg *m, uint16_t type, const void *data,
		    size_t len)
{
	size_t off = NLMSG_ALIGN(m->nlh.nlmsg_len);
	struct nlattr *a;

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf)) {
		fprintf(stderr, "fm_badinput: request too large\n");
		exit(2);
	}
	a = (struct nlattr *)(m->buf + off);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->buf + off + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = off + NLA_ALIGN(a->nla_len);
}

static void msg_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	msg_put(m, type, s, strlen(s) + 1);
}

static void msg_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void msg_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

/* Pick the extended-ACK TLVs (message, missing attribute) at @off. */
static void parse_ack_tlvs(const struct nlmsghdr *nlh, size_t off,
			   struct nl_result *r)
{
	const struct nlattr *a;
	const void *tlvs;
	size_t len, n;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	tlvs = (const unsigned char *)nlh + off;
	len = nlh->nlmsg_len - off;
	a = nla_find(tlvs, len, NLMSGERR_ATTR_MSG);
	if (a) {
		n = nla_payload_len(a);
		if (n >= sizeof(r->msg))
			n = sizeof(r->msg) - 1;
		memcpy(r->msg, nla_payload(a), n);
		r->msg[n] = '\0';
	}
	a = nla_find(tlvs, len, NLMSGERR_ATTR_MISS_TYPE);
	if (a && nla_payload_len(a) == sizeof(uint32_t))
		memcpy(&r->miss_type, nla_payload(a), sizeof(uint32_t));
}

/* NLMSG_ERROR: the errno and, after the (possibly echoed) request, TLVs. */
static void parse_error(const struct nlmsghdr *nlh, struct nl_result *r)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));

	if (nlh->nlmsg_len < off) {
		r->err = EPROTO;
		snprintf(r->msg, sizeof(r->msg), "short NLMSG_ERROR");
		return;
	}
	r->err = -e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	parse_ack_tlvs(nlh, off, r);
}

/* NLMSG_DONE ends a dump: an int error, then TLVs. */
static void parse_done(const struct nlmsghdr *nlh, struct nl_result *r)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
	r->err = -err;
	parse_ack_tlvs(nlh, off, r);
}

/*
 * Send @m and collect the answer into @r: data messages (the first is copied
 * into r->reply, each is passed to @fn), then the ACK (NLMSG_ERROR) or, for a
 * dump, NLMSG_DONE. Local failures are reported in @r like kernel ones.
 */
static void nl_request(struct nl_sock *s, struct nl_msg *m,
		       struct nl_result *r, nl_reply_fn fn, void *arg)
{
	uint64_t rbuf[NL_RECV_MAX / sizeof(uint64_t)];	/* aligned */
	uint32_t seq;

	memset(r, 0, offsetof(struct nl_result, reply));
	r->reply_len = 0;
	seq = ++s->seq;
	m->nlh.nlmsg_seq = seq;
	m->nlh.nlmsg_pid = 0;
	if (send(s->fd, m->buf, m->nlh.nlmsg_len, 0) < 0) {
		r->err = errno;
		snprintf(r->msg, sizeof(r->msg), "(local) send: %s",
			 strerror(errno));
		return;
	}
	for (;;) {
		struct iovec iov = { rbuf, sizeof(rbuf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		const unsigned char *p = (const unsigned char *)rbuf;
		ssize_t n = recvmsg(s->fd, &mh, 0);
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r->err = errno == EAGAIN ? ETIMEDOUT : errno;
			snprintf(r->msg, sizeof(r->msg), "(local) recv: %s",
				 strerror(errno));
			return;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			r->err = EMSGSIZE;
			snprintf(r->msg, sizeof(r->msg),
				 "(local) reply truncated");
			return;
		}
		left = n;
		while (left >= NLMSG_HDRLEN) {
			const struct nlmsghdr *nlh = (const void *)p;
			size_t step;

			if (nlh->nlmsg_len < NLMSG_HDRLEN ||
			    nlh->nlmsg_len > left)
				break;
			step = NLMSG_ALIGN(nlh->nlmsg_len);
			if (nlh->nlmsg_seq == seq) {
				if (nlh->nlmsg_type == NLMSG_ERROR) {
					parse_error(nlh, r);
					return;
				}
				if (nlh->nlmsg_type == NLMSG_DONE) {
					parse_done(nlh, r);
					return;
				}
				if (nlh->nlmsg_type != NLMSG_NOOP) {
					if (!r->n_replies++ &&
					    nlh->nlmsg_len <= sizeof(r->reply)) {
						memcpy(r->reply, nlh,
						       nlh->nlmsg_len);
						r->reply_len = nlh->nlmsg_len;
					}
					if (fn)
						fn(nlh, arg);
				}
			}
			if (step >= left)
				break;
			p += step;
			left -= step;
		}
	}
}

/* Open a generic netlink socket with extended ACKs. 0 or an errno. */
static int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		int err = errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	s->seq = (uint32_t)getpid() << 8;
	return 0;
}

static void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Look up the id of the "fastmap" family. 0 or an errno. */
static int nl_resolve_family(struct nl_sock *s, struct nl_result *r)
{
	struct nl_msg m;
	uint64_t id;

	msg_init(&m, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
	msg_put_str(&m, CTRL_ATTR_FAMILY_NAME, FASTMAP_GENL_NAME);
	nl_request(s, &m, r, NULL, NULL);
	if (r->err)
		return r->err;
	if (!r->reply_len || !genl_get_uint(&r->nlh, CTRL_ATTR_FAMILY_ID, &id))
		return EPROTO;
	s->family = id;
	return 0;
}

/* ---- fastmap requests ----------------------------------------------------- */

/* An ATTACH request; NULL strings and a zero cache size are left out. */
static void attach_msg(struct nl_sock *s, struct nl_msg *m, const char *dev,
		       const char *name, uint64_t cache)
{
	msg_init(m, s->family, NLM_F_ACK, FASTMAP_CMD_ATTACH);
	if (dev)
		msg_put_str(m, FASTMAP_A_DEVICE, dev);
	if (name)
		msg_put_str(m, FASTMAP_A_NAME, name);
	if (cache)
		msg_put_u64(m, FASTMAP_A_CACHE_BYTES, cache);
}

/* A request carrying only NAME (or nothing if @name is NULL). */
static void name_msg(struct nl_sock *s, struct nl_msg *m, uint8_t cmd,
		     const char *name)
{
	msg_init(m, s->family, NLM_F_ACK, cmd);
	if (name)
		msg_put_str(m, FASTMAP_A_NAME, name);
}

static void nl_simple(struct nl_sock *s, uint8_t cmd, const char *name,
		      struct nl_result *r)
{
	struct nl_msg m;

	name_msg(s, &m, cmd, name);
	nl_request(s, &m, r, NULL, NULL);
}

#define NEED_MSG	0x1	/* the kernel sets an extack message */

/*
 * Check a netlink outcome: errno @want (or @alt if non-zero), an extack
 * message if NEED_MSG, the missing attribute @miss if non-zero.
 */
static bool expect_nl(const char *desc, const struct nl_result *r, int want,
		      int alt, unsigned int need, uint16_t miss)
{
	bool ok = r->err == want || (alt && r->err == alt);

	if (ok && (need & NEED_MSG) && !r->msg[0]) {
		diag("%s: no extack message", desc);
		ok = false;
	}
	if (ok && miss && r->miss_type != miss) {
		diag("%s: missing-attribute type %u, expected %u", desc,
		     r->miss_type, miss);
		ok = false;
	}
	return tap(ok, desc, r->err, r->msg);
}

/*
 * Send an ATTACH that must fail; if it unexpectedly succeeds, detach
 * @name again so later checks start from a known state.
 */
static void attach_fails(struct nl_sock *s, struct nl_msg *m,
			 const char *name, const char *desc, int want,
			 int alt, unsigned int need, uint16_t miss)
{
	struct nl_result r, r2;

	nl_request(s, m, &r, NULL, NULL);
	expect_nl(desc, &r, want, alt, need, miss);
	if (!r.err && name)
		nl_simple(s, FASTMAP_CMD_DETACH, name, &r2);
}

/* ---- the checks ----------------------------------------------------------- */

static void check_attach_policy(struct nl_sock *s, const char *dev)
{
	char name40[41], name32[33], dev200[201], bad[48];
	struct nl_msg m;

	/* 1. required attributes (GENL_REQ_ATTR_CHECK: DEVICE, NAME, CACHE) */
	attach_msg(s, &m, NULL, NULL, 0);
	attach_fails(s, &m, NULL, "ATTACH without attributes -> EINVAL, missing DEVICE",
		     EINVAL, 0, 0, FASTMAP_A_DEVICE);
	attach_msg(s, &m, dev, NULL, TEST_CACHE);
	attach_fails(s, &m, NULL, "ATTACH without NAME -> EINVAL, missing NAME",
		     EINVAL, 0, 0, FASTMAP_A_NAME);
	attach_msg(s, &m, NULL, "bi-nodev", TEST_CACHE);
	attach_fails(s, &m, "bi-nodev",
		     "ATTACH without DEVICE -> EINVAL, missing DEVICE",
		     EINVAL, 0, 0, FASTMAP_A_DEVICE);
	attach_msg(s, &m, dev, "bi-nocache", 0);
	attach_fails(s, &m, "bi-nocache",
		     "ATTACH without CACHE_BYTES -> EINVAL, missing CACHE_BYTES",
		     EINVAL, 0, 0, FASTMAP_A_CACHE_BYTES);

	/* 2. CACHE_BYTES as a u32: strict length check of NLA_U64 */
	attach_msg(s, &m, dev, "bi-u32", 0);
	msg_put_u32(&m, FASTMAP_A_CACHE_BYTES, 1U << 20);
	attach_fails(s, &m, "bi-u32", "ATTACH with 4-byte CACHE_BYTES -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);

	/* 3. names: policy (NLA_NUL_STRING, len 31) and fm_name_valid() */
	memset(name40, 'n', 40);
	name40[40] = '\0';
	attach_msg(s, &m, dev, name40, TEST_CACHE);
	/* the NUL is not within the first 32 bytes: EINVAL in validate_nla */
	attach_fails(s, &m, name40, "ATTACH with 40-char NAME -> EINVAL/ERANGE",
		     EINVAL, ERANGE, NEED_MSG, 0);
	memset(name32, 'n', 32);
	name32[32] = '\0';
	attach_msg(s, &m, dev, name32, TEST_CACHE);
	attach_fails(s, &m, name32, "ATTACH with 32-char NAME -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	/* a NUL early but a 40-byte payload: the length check says ERANGE */
	attach_msg(s, &m, dev, NULL, TEST_CACHE);
	memset(bad, 'x', sizeof(bad));
	memcpy(bad, "bi-nul", 7);
	msg_put(&m, FASTMAP_A_NAME, bad, 40);
	attach_fails(s, &m, "bi-nul",
		     "ATTACH with NAME payload longer than 32 bytes -> ERANGE",
		     ERANGE, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, NULL, TEST_CACHE);
	msg_put(&m, FASTMAP_A_NAME, "bi-x", 4);
	attach_fails(s, &m, "bi-x", "ATTACH with unterminated NAME -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	/* 31 characters pass both checks: the request fails on the cache */
	memset(bad, 'm', 31);
	bad[31] = '\0';
	attach_msg(s, &m, dev, bad, 1ULL << 60);
	attach_fails(s, &m, bad,
		     "ATTACH with 31-char NAME passes name checks (-> ENOMEM on cache)",
		     ENOMEM, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "control", TEST_CACHE);
	attach_fails(s, &m, "control", "ATTACH with NAME \"control\" -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi/0", TEST_CACHE);
	attach_fails(s, &m, "bi/0", "ATTACH with NAME containing '/' -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "", TEST_CACHE);
	attach_fails(s, &m, NULL, "ATTACH with empty NAME -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "..", TEST_CACHE);
	attach_fails(s, &m, "..", "ATTACH with NAME \"..\" -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi 0", TEST_CACHE);
	attach_fails(s, &m, "bi 0", "ATTACH with NAME containing a space -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);

	/* 4. numeric bounds */
	attach_msg(s, &m, dev, "bi-batch", TEST_CACHE);
	msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 0);
	attach_fails(s, &m, "bi-batch", "ATTACH with BATCH_PAGES 0 -> ERANGE",
		     ERANGE, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-batch", TEST_CACHE);
	msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 5000);
	attach_fails(s, &m, "bi-batch", "ATTACH with BATCH_PAGES 5000 -> ERANGE",
		     ERANGE, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-ratio", TEST_CACHE);
	msg_put_u32(&m, FASTMAP_A_DIRTY_RATIO, 0);
	attach_fails(s, &m, "bi-ratio", "ATTACH with DIRTY_RATIO 0 -> ERANGE",
		     ERANGE, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-small", 4096);
	attach_fails(s, &m, "bi-small", "ATTACH with 4096-byte cache -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-small", FASTMAP_CACHE_MIN - PAGE);
	attach_fails(s, &m, "bi-small",
		     "ATTACH with cache one page below the minimum -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-huge", 1ULL << 60);
	attach_fails(s, &m, "bi-huge", "ATTACH with 2^60-byte cache -> ENOMEM",
		     ENOMEM, 0, NEED_MSG, 0);

	/* 5. devices that are not (usable) block devices */
	attach_msg(s, &m, "/nonexistent", "bi-dev", TEST_CACHE);
	attach_fails(s, &m, "bi-dev", "ATTACH of /nonexistent -> ENOENT",
		     ENOENT, 0, NEED_MSG, 0);
	attach_msg(s, &m, "/dev/null", "bi-dev", TEST_CACHE);
	attach_fails(s, &m, "bi-dev", "ATTACH of /dev/null -> ENOTBLK",
		     ENOTBLK, 0, NEED_MSG, 0);
	attach_msg(s, &m, "/tmp", "bi-dev", TEST_CACHE);
	attach_fails(s, &m, "bi-dev", "ATTACH of /tmp (directory) -> ENOTBLK",
		     ENOTBLK, 0, NEED_MSG, 0);
	memset(dev200, 'd', 200);
	dev200[0] = '/';
	dev200[200] = '\0';
	attach_msg(s, &m, dev200, "bi-dev", TEST_CACHE);
	attach_fails(s, &m, "bi-dev", "ATTACH with 200-char DEVICE -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);

	/* 6. strict validation: unknown and reply-only attributes */
	attach_msg(s, &m, dev, "bi-attr", TEST_CACHE);
	msg_put_u32(&m, 200, 1);
	attach_fails(s, &m, "bi-attr", "ATTACH with unknown attribute 200 -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-attr", TEST_CACHE);
	msg_put(&m, FASTMAP_A_STATS, NULL, 0);
	attach_fails(s, &m, "bi-attr",
		     "ATTACH with reply-only STATS attribute -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, "bi-attr", TEST_CACHE);
	msg_put_u64(&m, FASTMAP_A_SIZE_BYTES, 1ULL << 20);
	attach_fails(s, &m, "bi-attr",
		     "ATTACH with reply-only SIZE_BYTES attribute -> EINVAL",
		     EINVAL, 0, NEED_MSG, 0);
}

/* 7. a good ATTACH and the replies to conflicting ones. */
static bool check_attach_ok(struct nl_sock *s, const char *dev,
			    uint64_t dev_bytes, uint64_t want_cache)
{
	const char *name, *devpath;
	uint64_t cache = 0, size = 0, opens = ~0ULL;
	struct nl_result r;
	struct nl_msg m;
	bool ok;

	attach_msg(s, &m, dev, TEST_NAME, TEST_CACHE);
	nl_request(s, &m, &r, NULL, NULL);
	ok = expect_nl("ATTACH " TEST_NAME " with a 1 MiB cache -> 0", &r, 0,
		       0, 0, 0);
	if (!ok)
		return false;

	name = r.reply_len ? genl_get_str(&r.nlh, FASTMAP_A_NAME) : NULL;
	if (r.reply_len)
		genl_get_uint(&r.nlh, FASTMAP_A_CACHE_BYTES, &cache);
	if (!name || strcmp(name, TEST_NAME) || cache != want_cache)
		diag("ATTACH reply: %u messages, NAME \"%s\", CACHE_BYTES %llu (want %llu)",
		     r.n_replies, name ? name : "(none)",
		     (unsigned long long)cache,
		     (unsigned long long)want_cache);
	tap(name && !strcmp(name, TEST_NAME) && cache == want_cache,
	    "ATTACH reply has NAME " TEST_NAME " and CACHE_BYTES", 0, NULL);

	devpath = r.reply_len ? genl_get_str(&r.nlh, FASTMAP_A_DEVICE) : NULL;
	if (r.reply_len) {
		genl_get_uint(&r.nlh, FASTMAP_A_SIZE_BYTES, &size);
		genl_get_uint(&r.nlh, FASTMAP_A_OPEN_COUNT, &opens);
	}
	if (!devpath || strcmp(devpath, dev) || size != (dev_bytes & ~(PAGE - 1)) ||
	    opens != 0)
		diag("ATTACH reply: DEVICE \"%s\", SIZE_BYTES %llu, OPEN_COUNT %llu",
		     devpath ? devpath : "(none)", (unsigned long long)size,
		     (unsigned long long)opens);
	tap(devpath && !strcmp(devpath, dev) &&
	    size == (dev_bytes & ~(PAGE - 1)) && opens == 0,
	    "ATTACH reply has DEVICE, SIZE_BYTES and OPEN_COUNT 0", 0, NULL);

	attach_msg(s, &m, dev, TEST_NAME, TEST_CACHE);
	attach_fails(s, &m, NULL, "second ATTACH of name " TEST_NAME " -> EEXIST",
		     EEXIST, 0, NEED_MSG, 0);
	attach_msg(s, &m, dev, TEST_NAME2, TEST_CACHE);
	attach_fails(s, &m, TEST_NAME2,
		     "ATTACH of the same device as " TEST_NAME2 " -> EBUSY",
		     EBUSY, 0, NEED_MSG, 0);
	return true;
}

struct dump_seen {
	unsigned int n;
	bool found;
};

static void dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_seen *d = arg;
	const char *name = genl_get_str(nlh, FASTMAP_A_NAME);

	d->n++;
	if (name && !strcmp(name, TEST_NAME))
		d->found = true;
}

/* 8. GET: one instance, a missing one, no NAME, the dump. */
static void check_get(struct nl_sock *s, uint64_t want_cache)
{
	struct dump_seen seen = { 0, false };
	struct nl_result r;
	struct nl_msg m;
	const char *name = NULL;
	uint64_t cache = 0;

	nl_simple(s, FASTMAP_CMD_GET, TEST_NAME, &r);
	if (!r.err && r.reply_len) {
		name = genl_get_str(&r.nlh, FASTMAP_A_NAME);
		genl_get_uint(&r.nlh, FASTMAP_A_CACHE_BYTES, &cache);
	}
	if (!r.err && (!name || strcmp(name, TEST_NAME) || cache != want_cache)) {
		diag("GET reply: %u messages, NAME \"%s\", CACHE_BYTES %llu",
		     r.n_replies, name ? name : "(none)",
		     (unsigned long long)cache);
		r.err = EPROTO;
	}
	expect_nl("GET " TEST_NAME " -> 0 with NAME and CACHE_BYTES", &r, 0, 0,
		  0, 0);

	nl_simple(s, FASTMAP_CMD_GET, "nope", &r);
	expect_nl("GET of \"nope\" -> ENOENT", &r, ENOENT, 0, NEED_MSG, 0);
	nl_simple(s, FASTMAP_CMD_GET, NULL, &r);
	expect_nl("GET without NAME -> EINVAL, missing NAME", &r, EINVAL, 0, 0,
		  FASTMAP_A_NAME);

	msg_init(&m, s->family, NLM_F_DUMP, FASTMAP_CMD_GET);
	nl_request(s, &m, &r, dump_cb, &seen);
	if (!r.err && !seen.found) {
		diag("GET dump: %u instances, " TEST_NAME " not among them",
		     seen.n);
		r.err = ENOENT;
	}
	expect_nl("GET dump lists " TEST_NAME, &r, 0, 0, 0, 0);
}

/* 9b. SET: validation and a live change (issue 4). */
static void set_msg(struct nl_sock *s, struct nl_msg *m, const char *name)
{
	msg_init(m, s->family, NLM_F_ACK, FASTMAP_CMD_SET);
	if (name)
		msg_put_str(m, FASTMAP_A_NAME, name);
}

static void check_set(struct nl_sock *s)
{
	struct nl_result r;
	struct nl_msg m;
	uint64_t v = 0;

	set_msg(s, &m, NULL);
	msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 64);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET without NAME -> EINVAL, missing NAME", &r, EINVAL, 0, 0,
		  FASTMAP_A_NAME);
	set_msg(s, &m, TEST_NAME);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET with nothing to set -> EINVAL", &r, EINVAL, 0, NEED_MSG, 0);
	set_msg(s, &m, "nope");
	msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 64);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET of \"nope\" -> ENOENT", &r, ENOENT, 0, NEED_MSG, 0);
	set_msg(s, &m, TEST_NAME);
	msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 0);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET BATCH_PAGES 0 -> ERANGE", &r, ERANGE, 0, 0, 0);
	set_msg(s, &m, TEST_NAME);
	msg_put_u32(&m, FASTMAP_A_WB_INTERVAL_MS, 4000000);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET WB_INTERVAL_MS 4000000 -> ERANGE", &r, ERANGE, 0, 0, 0);
	set_msg(s, &m, TEST_NAME);
	msg_put_u32(&m, FASTMAP_A_DIRTY_RATIO, 101);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET DIRTY_RATIO 101 -> ERANGE", &r, ERANGE, 0, 0, 0);
	set_msg(s, &m, TEST_NAME);
	msg_put_u64(&m, FASTMAP_A_CACHE_BYTES, 4096);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET CACHE_BYTES 4096 -> EINVAL (minimum)", &r, EINVAL, 0,
		  NEED_MSG, 0);
	set_msg(s, &m, TEST_NAME);
	msg_put_u64(&m, FASTMAP_A_CACHE_BYTES, 1ULL << 60);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("SET CACHE_BYTES 2^60 -> ENOMEM", &r, ENOMEM, 0, NEED_MSG, 0);
	set_msg(s, &m, TEST_NAME);
	msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 64);
	msg_put_u32(&m, FASTMAP_A_DIRTY_RATIO, 30);
	msg_put_u32(&m, FASTMAP_A_WB_INTERVAL_MS, 250);
	nl_request(s, &m, &r, NULL, NULL);
	if (!r.err && (!r.reply_len ||
		       !genl_get_uint(&r.nlh, FASTMAP_A_BATCH_PAGES, &v) || v != 64)) {
		diag("SET reply BATCH_PAGES %llu", (unsigned long long)v);
		r.err = EPROTO;
	}
	expect_nl("SET batch 64, ratio 30, interval 250 ms -> 0 with the new values",
		  &r, 0, 0, 0, 0);
}

/* 9c. the per-file enable table. */
static void file_msg(struct nl_sock *s, struct nl_msg *m, uint8_t cmd,
		     bool dev, bool ino)
{
	msg_init(m, s->family, NLM_F_ACK, cmd);
	if (dev)
		msg_put_u32(m, FASTMAP_A_FILE_DEV, (8 << 8) | 1);
	if (ino)
		msg_put_u64(m, FASTMAP_A_FILE_INO, 4242);
}

struct file_seen {
	bool found;
};

static void file_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct file_seen *f = arg;
	uint64_t ino = 0;
	const char *path = genl_get_str(nlh, FASTMAP_A_FILE_PATH);

	if (genl_get_uint(nlh, FASTMAP_A_FILE_INO, &ino) && ino == 4242 &&
	    path && !strcmp(path, "/data/x"))
		f->found = true;
}

static void check_files(struct nl_sock *s)
{
	struct file_seen seen = { false };
	struct nl_result r;
	struct nl_msg m;

	file_msg(s, &m, FASTMAP_CMD_FILE_ADD, true, false);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("FILE_ADD without FILE_INO -> EINVAL, missing FILE_INO", &r,
		  EINVAL, 0, 0, FASTMAP_A_FILE_INO);
	file_msg(s, &m, FASTMAP_CMD_FILE_ADD, true, true);
	msg_put_str(&m, FASTMAP_A_FILE_PATH, "/data/x");
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("FILE_ADD 8:1/4242 -> 0", &r, 0, 0, 0, 0);
	file_msg(s, &m, FASTMAP_CMD_FILE_ADD, true, true);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("FILE_ADD again -> EEXIST", &r, EEXIST, 0, NEED_MSG, 0);
	msg_init(&m, s->family, NLM_F_DUMP, FASTMAP_CMD_FILE_GET);
	nl_request(s, &m, &r, file_dump_cb, &seen);
	if (!r.err && !seen.found)
		r.err = ENOENT;
	expect_nl("FILE_GET dump lists 8:1/4242 with its path", &r, 0, 0, 0, 0);
	file_msg(s, &m, FASTMAP_CMD_FILE_DEL, true, true);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("FILE_DEL -> 0", &r, 0, 0, 0, 0);
	file_msg(s, &m, FASTMAP_CMD_FILE_DEL, true, true);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("FILE_DEL again -> ENOENT", &r, ENOENT, 0, NEED_MSG, 0);
}

/* 9. commands the family does not have. */
static void check_unknown_cmd(struct nl_sock *s)
{
	struct nl_result r;
	struct nl_msg m;

	msg_init(&m, s->family, NLM_F_ACK, 99);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("unknown command 99 -> EOPNOTSUPP", &r, EOPNOTSUPP, 0, 0, 0);
	msg_init(&m, s->family, NLM_F_ACK, FASTMAP_CMD_UNSPEC);
	nl_request(s, &m, &r, NULL, NULL);
	expect_nl("command 0 (UNSPEC) -> EOPNOTSUPP", &r, EOPNOTSUPP, 0, 0, 0);
	nl_simple(s, FASTMAP_CMD_DETACH, NULL, &r);
	expect_nl("DETACH without NAME -> EINVAL, missing NAME", &r, EINVAL, 0,
		  0, FASTMAP_A_NAME);
}

/* ---- 10. unprivileged requests (in a child) -------------------------------- */

enum { UP_ATTACH, UP_DETACH, UP_GET, UP_OPEN, UP_SET, UP_FILE_ADD, UP_N };

struct unpriv_report {
	int setup_err;		/* errno of the privilege drop / socket */
	char setup_msg[96];
	int err[UP_N];
	char msg[UP_N][128];
};

/* setresuid() away from root clears the permitted and effective sets. */
static int drop_privileges(char *why, size_t len)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		snprintf(why, len, "setresuid/setresgid to %d failed", NOBODY);
		return errno;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data)) {
		snprintf(why, len, "capget failed");
		return errno;
	}
	if (data[0].effective || data[1].effective || data[0].permitted ||
	    data[1].permitted) {
		snprintf(why, len, "capabilities left after setresuid");
		return EPERM;
	}
	return 0;
}

static void unpriv_child(const char *dev, int wfd)
{
	struct unpriv_report rep;
	struct nl_result r;
	struct nl_sock s;
	struct nl_msg m;
	const char *name;
	int i, fd;

	memset(&rep, 0, sizeof(rep));
	rep.setup_err = drop_privileges(rep.setup_msg, sizeof(rep.setup_msg));
	if (!rep.setup_err) {
		rep.setup_err = nl_open(&s);
		if (rep.setup_err)
			snprintf(rep.setup_msg, sizeof(rep.setup_msg),
				 "netlink socket");
	}
	if (!rep.setup_err) {
		rep.setup_err = nl_resolve_family(&s, &r);
		if (rep.setup_err)
			copy_str(rep.setup_msg, sizeof(rep.setup_msg),
				 r.msg[0] ? r.msg : "family lookup failed");
	}
	if (!rep.setup_err) {
		attach_msg(&s, &m, dev, "bi-user", TEST_CACHE);
		nl_request(&s, &m, &r, NULL, NULL);
		rep.err[UP_ATTACH] = r.err;
		copy_str(rep.msg[UP_ATTACH], sizeof(rep.msg[0]), r.msg);

		nl_simple(&s, FASTMAP_CMD_DETACH, TEST_NAME, &r);
		rep.err[UP_DETACH] = r.err;
		copy_str(rep.msg[UP_DETACH], sizeof(rep.msg[0]), r.msg);

		nl_simple(&s, FASTMAP_CMD_GET, TEST_NAME, &r);
		name = !r.err && r.reply_len ?
		       genl_get_str(&r.nlh, FASTMAP_A_NAME) : NULL;
		if (!r.err && (!name || strcmp(name, TEST_NAME))) {
			r.err = EPROTO;
			snprintf(r.msg, sizeof(r.msg), "(reply lacks NAME)");
		}
		rep.err[UP_GET] = r.err;
		copy_str(rep.msg[UP_GET], sizeof(rep.msg[0]), r.msg);

		set_msg(&s, &m, TEST_NAME);
		msg_put_u32(&m, FASTMAP_A_BATCH_PAGES, 32);
		nl_request(&s, &m, &r, NULL, NULL);
		rep.err[UP_SET] = r.err;
		copy_str(rep.msg[UP_SET], sizeof(rep.msg[0]), r.msg);

		file_msg(&s, &m, FASTMAP_CMD_FILE_ADD, true, true);
		nl_request(&s, &m, &r, NULL, NULL);
		rep.err[UP_FILE_ADD] = r.err;
		copy_str(rep.msg[UP_FILE_ADD], sizeof(rep.msg[0]), r.msg);
		nl_close(&s);

		fd = open("/dev/fastmap/" TEST_NAME, O_RDWR | O_CLOEXEC);
		rep.err[UP_OPEN] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	} else {
		for (i = 0; i < UP_N; i++)
			rep.err[i] = rep.setup_err;
	}
	if (write(wfd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(3);
	_exit(0);
}

static void check_unprivileged(const char *dev)
{
	static const struct {
		const char *desc;
		int want;
	} want[UP_N] = {
		[UP_ATTACH] = { "unprivileged ATTACH -> EPERM", EPERM },
		[UP_DETACH] = { "unprivileged DETACH " TEST_NAME " -> EPERM", EPERM },
		[UP_GET] = { "unprivileged GET " TEST_NAME " -> 0", 0 },
		[UP_OPEN] = { "unprivileged open of the node (0660 root) -> EACCES",
			      EACCES },
		[UP_SET] = { "unprivileged SET -> EPERM", EPERM },
		[UP_FILE_ADD] = { "unprivileged FILE_ADD -> EPERM", EPERM },
	};
	struct unpriv_report rep;
	int pfd[2], status = 0, i;
	ssize_t n = -1;
	pid_t pid;

	memset(&rep, 0, sizeof(rep));
	fflush(stdout);
	if (pipe2(pfd, O_CLOEXEC)) {
		rep.setup_err = errno;
		snprintf(rep.setup_msg, sizeof(rep.setup_msg), "pipe");
	} else {
		pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			unpriv_child(dev, pfd[1]);
		}
		close(pfd[1]);
		if (pid < 0) {
			rep.setup_err = errno;
			snprintf(rep.setup_msg, sizeof(rep.setup_msg), "fork");
		} else {
			do
				n = read(pfd[0], &rep, sizeof(rep));
			while (n < 0 && errno == EINTR);
			waitpid(pid, &status, 0);
			if (n != (ssize_t)sizeof(rep)) {
				memset(&rep, 0, sizeof(rep));
				rep.setup_err = EPROTO;
				snprintf(rep.setup_msg, sizeof(rep.setup_msg),
					 "child died (status 0x%x)", status);
			}
		}
		close(pfd[0]);
	}
	if (rep.setup_err) {
		diag("unprivileged child: %s", rep.setup_msg);
		for (i = 0; i < UP_N; i++)
			tap(false, want[i].desc, rep.setup_err, rep.setup_msg);
		return;
	}
	for (i = 0; i < UP_N; i++)
		tap(rep.err[i] == want[i].want, want[i].desc, rep.err[i],
		    rep.msg[i]);
}

/* ---- 11-14. the nodes ------------------------------------------------------ */

/* devtmpfs creates the node; give it a moment in case it lags. */
static int open_node(const char *path, int flags)
{
	int i, fd = -1;

	for (i = 0; i < 50; i++) {
		fd = open(path, flags | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(100 * 1000);
	}
	return fd;
}

static int sync_range(int fd, uint64_t off, uint64_t len, uint32_t flags,
		      uint32_t reserved)
{
	struct fastmap_range rg = {
		.offset = off, .length = len, .flags = flags,
		.reserved = reserved,
	};

	return ioctl(fd, FASTMAP_IOC_SYNC_RANGE, &rg);
}

/* 11, 12: ioctls and mmap on the open node. Returns the mapping or NULL. */
static void *check_node(int fd, uint64_t want_size, uint64_t want_cache)
{
	struct fastmap_info info;
	struct fastmap_stats st;
	uint64_t size;
	unsigned char c = 0;
	void *p;
	int ret;

	ret = ioctl(fd, _IO(FASTMAP_IOC_MAGIC, 99));
	expect_sys("unknown ioctl _IO(0xFA, 99) -> ENOTTY", ret, errno, ENOTTY);
	ret = ioctl(fd, _IOR(FASTMAP_IOC_MAGIC, 1, uint32_t), &c);
	expect_sys("GET_INFO number with the wrong size -> ENOTTY", ret, errno,
		   ENOTTY);
	ret = ioctl(fd, FASTMAP_IOC_GET_INFO, NULL);
	expect_sys("GET_INFO with a NULL pointer -> EFAULT", ret, errno, EFAULT);
	ret = ioctl(fd, FASTMAP_IOC_GET_STATS, (void *)8);
	expect_sys("GET_STATS with a bad pointer -> EFAULT", ret, errno, EFAULT);

	memset(&info, 0, sizeof(info));
	ret = ioctl(fd, FASTMAP_IOC_GET_INFO, &info);
	if (!ret && (info.page_size != 4096 || info.cache_bytes != want_cache ||
		     info.size_bytes != want_size ||
		     strncmp(info.name, TEST_NAME, sizeof(info.name)))) {
		diag("GET_INFO: page_size %u, cache_bytes %llu, size_bytes %llu, name \"%.32s\"",
		     info.page_size, (unsigned long long)info.cache_bytes,
		     (unsigned long long)info.size_bytes, info.name);
		ret = -1;
		errno = EPROTO;
	}
	expect_sys("GET_INFO -> 0, page_size 4096, cache_bytes 1 MiB", ret,
		   errno, 0);
	size = want_size;

	memset(&st, 0, sizeof(st));
	ret = ioctl(fd, FASTMAP_IOC_GET_STATS, &st);
	if (!ret && st.cache_pages != want_cache / PAGE) {
		diag("GET_STATS: cache_pages %llu",
		     (unsigned long long)st.cache_pages);
		ret = -1;
		errno = EPROTO;
	}
	expect_sys("GET_STATS -> 0", ret, errno, 0);

	ret = sync_range(fd, 0, 0, FASTMAP_SYNC_WAIT, 1);
	expect_sys("SYNC_RANGE with reserved=1 -> EINVAL", ret, errno, EINVAL);
	ret = sync_range(fd, 0, 0, 0x80, 0);
	expect_sys("SYNC_RANGE with flags=0x80 -> EINVAL", ret, errno, EINVAL);
	ret = sync_range(fd, size, PAGE, FASTMAP_SYNC_WAIT, 0);
	expect_sys("SYNC_RANGE at the device size -> EINVAL", ret, errno, EINVAL);
	ret = sync_range(fd, UINT64_MAX - 10, 100, FASTMAP_SYNC_WAIT, 0);
	/* fm_ioc_sync() checks the offset first: EINVAL in practice */
	expect_sys2("SYNC_RANGE offset=2^64-11 length=100 -> EINVAL/EOVERFLOW",
		    ret, errno, EINVAL, EOVERFLOW);
	ret = sync_range(fd, 1, UINT64_MAX, FASTMAP_SYNC_WAIT, 0);
	expect_sys("SYNC_RANGE offset=1 length=2^64-1 -> EOVERFLOW", ret, errno,
		   EOVERFLOW);
	ret = ioctl(fd, FASTMAP_IOC_SYNC_RANGE, NULL);
	expect_sys("SYNC_RANGE with a NULL pointer -> EFAULT", ret, errno, EFAULT);
	ret = sync_range(fd, 0, 0, FASTMAP_SYNC_ALL, 0);
	expect_sys("SYNC_RANGE {0, 0, SYNC_ALL} -> 0", ret, errno, 0);

	/* 12. mappings */
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	expect_sys("mmap MAP_PRIVATE -> EINVAL", p == MAP_FAILED ? -1 : 0, errno,
		   EINVAL);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!expect_sys("mmap MAP_SHARED of one page -> 0",
			p == MAP_FAILED ? -1 : 0, errno, 0))
		return NULL;
	((volatile unsigned char *)p)[0] = 0x5a;
	ret = msync(p, PAGE, MS_SYNC);
	expect_sys("write a byte, msync(MS_SYNC) -> 0", ret, errno, 0);
	ret = pread(fd, &c, 1, 0) == 1 ? 0 : -1;
	if (!ret && c != 0x5a) {
		diag("pread after the mapped write: 0x%02x", c);
		ret = -1;
		errno = EPROTO;
	}
	expect_sys("pread sees the byte written through the mapping", ret, errno,
		   0);
	return p;
}

/* 13. DETACH while open/mapped, then for real, then again. */
static void check_detach(struct nl_sock *s, int *fd, void **map)
{
	struct nl_result r;
	int ret, i;

	if (*fd < 0) {
		/* nothing holds the instance: DETACH would succeed here */
		tap(false, "DETACH " TEST_NAME " while open -> EBUSY", 0,
		    "(node could not be opened)");
	} else {
		nl_simple(s, FASTMAP_CMD_DETACH, TEST_NAME, &r);
		expect_nl("DETACH " TEST_NAME " while open -> EBUSY", &r, EBUSY,
			  0, NEED_MSG, 0);
	}
	if (*map) {
		/* the mapping holds the file: still busy after close() */
		close(*fd);
		*fd = -1;
		nl_simple(s, FASTMAP_CMD_DETACH, TEST_NAME, &r);
		expect_nl("DETACH " TEST_NAME " while only mapped -> EBUSY", &r,
			  EBUSY, 0, NEED_MSG, 0);
		munmap(*map, PAGE);
		*map = NULL;
	}
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	nl_simple(s, FASTMAP_CMD_DETACH, TEST_NAME, &r);
	expect_nl("DETACH " TEST_NAME " after munmap+close -> 0", &r, 0, 0, 0, 0);
	for (i = 0, ret = 0; i < 20; i++) {
		ret = access("/dev/fastmap/" TEST_NAME, F_OK);
		if (ret)
			break;
		usleep(100 * 1000);
	}
	tap(ret && errno == ENOENT, "node /dev/fastmap/" TEST_NAME
	    " is gone after DETACH", ret ? errno : 0, NULL);
	nl_simple(s, FASTMAP_CMD_DETACH, TEST_NAME, &r);
	expect_nl("DETACH " TEST_NAME " again -> ENOENT", &r, ENOENT, 0,
		  NEED_MSG, 0);
}

/* 14. the control node: FILE_OPEN only, with every bad input refused. */
static void check_control(void)
{
	struct fastmap_file_open req;
	struct fastmap_info info;
	char tmpl[] = "/tmp/fm_badinput.XXXXXX";
	int fd, ret, tfd, pfd;

	fd = open_node("/dev/fastmap/control", O_RDONLY);
	if (!expect_sys("open /dev/fastmap/control -> 0", fd, errno, 0))
		return;
	ret = ioctl(fd, _IO(FASTMAP_IOC_MAGIC, 99));
	expect_sys("control: unknown ioctl -> ENOTTY", ret, errno, ENOTTY);
	ret = ioctl(fd, FASTMAP_IOC_GET_INFO, &info);
	expect_sys("control: GET_INFO -> ENOTTY", ret, errno, ENOTTY);
	ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, (void *)8);
	expect_sys("control: FILE_OPEN with a bad pointer -> EFAULT", ret,
		   errno, EFAULT);
	memset(&req, 0, sizeof(req));
	req.fd = -1;
	ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, &req);
	expect_sys("control: FILE_OPEN fd -1 -> EBADF", ret, errno, EBADF);
	req.fd = fd;
	ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, &req);
	expect_sys("control: FILE_OPEN of a character device -> EINVAL", ret,
		   errno, EINVAL);
	tfd = mkstemp(tmpl);
	if (tfd >= 0) {
		req.fd = tfd;
		req.flags = 1;
		ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, &req);
		expect_sys("control: FILE_OPEN with unknown flags -> EINVAL",
			   ret, errno, EINVAL);
		req.flags = 0;
		ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, &req);
		expect_sys("control: FILE_OPEN of a file not enabled -> ENOENT",
			   ret, errno, ENOENT);
		pfd = open(tmpl, O_PATH);
		req.fd = pfd;
		ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, &req);
		expect_sys2("control: FILE_OPEN of an O_PATH fd -> EBADF/EACCES",
			    ret, errno, EBADF, EACCES);
		if (pfd >= 0)
			close(pfd);
		close(tfd);
		unlink(tmpl);
	}
	close(fd);
}

/* ---- main ------------------------------------------------------------------ */

static int usage(void)
{
	fprintf(stderr, "usage: fm_badinput BLOCKDEV  (an unused block device, e.g. /dev/ram0)\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t dev_bytes = 0, want_cache, dev_pages;
	const char *dev;
	struct nl_result r;
	struct nl_sock s;
	void *map = NULL;
	struct stat st;
	int fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2)
		return usage();
	dev = argv[1];
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISBLK(st.st_mode) ||
	    ioctl(fd, BLKGETSIZE64, &dev_bytes)) {
		fprintf(stderr, "fm_badinput: %s is not a usable block device\n",
			dev);
		return usage();
	}
	close(fd);
	/* fm_instance_attach() caps the cache at the device (min 64 pages) */
	dev_pages = dev_bytes / PAGE;
	want_cache = TEST_CACHE / PAGE;
	if (dev_pages < want_cache)
		want_cache = dev_pages > FASTMAP_CACHE_MIN / PAGE ?
			     dev_pages : FASTMAP_CACHE_MIN / PAGE;
	want_cache *= PAGE;

	err = nl_open(&s);
	if (err) {
		fprintf(stderr, "fm_badinput: netlink socket: %s\n",
			strerror(err));
		return 2;
	}
	err = nl_resolve_family(&s, &r);
	if (err) {
		fprintf(stderr, "fm_badinput: no generic netlink family \"%s\" (%s%s%s): is fastmap.ko loaded?\n",
			FASTMAP_GENL_NAME, strerror(err), r.msg[0] ? ": " : "",
			r.msg);
		return 2;
	}
	diag("fm_badinput: %s (%llu bytes), family id %u", dev,
	     (unsigned long long)dev_bytes, s.family);

	check_attach_policy(&s, dev);
	if (check_attach_ok(&s, dev, dev_bytes, want_cache)) {
		check_get(&s, want_cache);
		check_set(&s);
		check_files(&s);
		check_unknown_cmd(&s);
		check_unprivileged(dev);

		fd = open_node("/dev/fastmap/" TEST_NAME, O_RDWR);
		if (expect_sys("open /dev/fastmap/" TEST_NAME " -> 0", fd, errno,
			       0))
			map = check_node(fd, dev_bytes & ~(PAGE - 1),
					 want_cache);
		check_detach(&s, &fd, &map);
	} else {
		check_unknown_cmd(&s);
	}
	check_control();

	/* Leave nothing behind if something above went wrong. */
	if (map)
		munmap(map, PAGE);
	if (fd >= 0)
		close(fd);
	nl_simple(&s, FASTMAP_CMD_DETACH, TEST_NAME, &r);
	nl_simple(&s, FASTMAP_CMD_DETACH, TEST_NAME2, &r);
	nl_simple(&s, FASTMAP_CMD_DETACH, "bi-user", &r);
	nl_close(&s);

	printf("1..%u\n", t_num);
	printf("fm_badinput: %u passed, %u failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}
