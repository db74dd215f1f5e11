// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_fuzz: randomised, multi-threaded fuzzing of fastmap's user interfaces.
 *
 *   fm_fuzz --seed S --calls N [--threads T] [--dev BLOCKDEV]... [--unpriv N]
 *           [--max-seconds SEC] [--stall SEC] [--verbose]
 *
 * As root, with fastmap.ko loaded. Every worker thread draws from its own
 * PRNG (seed S mixed with the thread number) and spends the shared budget of
 * N calls on:
 *   - generic netlink messages to the "fastmap" family: every command (also
 *     0, EVENT and unknown ones), random flags (dumps, no ACK, no REQUEST),
 *     random attribute sets built from valid attributes with boundary values,
 *     wrong lengths, unknown and reply-only types, nested garbage, strings
 *     without NUL or too long, duplicates, truncated attributes and headers,
 *     huge nlmsg_len, several messages in one send;
 *   - ioctls with magic 0xFA (random number, direction and size; arguments
 *     that are valid buffers, NULL, unmapped, read-only, straddling a guard
 *     page, kernel-looking or non-canonical) on instance nodes and on
 *     /dev/fastmap/control;
 *   - read/write/lseek/fsync on the nodes, mmap (shared and private),
 *     faults on kept mappings, msync, madvise, mremap;
 *   - valid operations interleaved (attach of the --dev devices under the
 *     names fz0..fz3, SET of every parameter incl. cache shrink/grow,
 *     detach, FILE_ADD/DEL, GET, dumps), so the fuzzing reaches deep states
 *     and the threads race attach/detach against open nodes, ioctls and
 *     faults on mappings while SET resizes the cache.
 * A listener thread subscribes to the "events" multicast group.
 * With --unpriv N a child process drops to uid 65534 and sends N random
 * messages (mutations must always be refused).
 *
 * Oracles (from docs/interfaces.md; a violation prints "ORACLE:" and makes
 * the exit status 1):
 *   - an ATTACH that succeeds had a valid name (fm_name_valid rules), a cache
 *     of 256 KiB .. half of RAM, and one of the --dev devices; its reply
 *     names the instance; a SET that succeeds had a valid cache size;
 *   - a request with an attribute that the strict policy rejects (unknown,
 *     type 0/PAD, reply-only, wrong length, range, string without NUL or too
 *     long, unexpected NLA_F_NESTED, trailing bytes) fails with EINVAL or
 *     ERANGE; a missing required attribute gives EINVAL; DETACH/SET/GET of
 *     an invalid name never succeed; unknown commands give EOPNOTSUPP;
 *     messages without NLM_F_REQUEST are not processed;
 *   - unprivileged ATTACH/DETACH/SET/FILE_ADD/FILE_DEL give EPERM;
 *   - netlink errors are documented errnos; every request that must be
 *     answered is answered within the receive timeout;
 *   - instance ioctls: unknown number/size -> ENOTTY; known ioctl with a
 *     NULL, unmapped, kernel or straddling pointer -> EFAULT; GET_INFO fields
 *     are sane; SYNC_RANGE gives exactly the documented EINVAL/EOVERFLOW;
 *     control node: FILE_OPEN gives a documented errno, every other ioctl
 *     -> ENOTTY; an unprivileged user can open it (0666);
 *   - MAP_PRIVATE -> EINVAL, growing mremap -> EFAULT, pwrite at or past the
 *     end -> ENOSPC, pread there -> 0, SEEK_END lands on the device size;
 *   - events carry a known type and a name;
 *   - at the end every instance detaches, and GET dump is then empty.
 * A watchdog ends the run (status 3) if one call takes longer than --stall
 * seconds (default 240): a hang in the module.
 *
 * Prints a summary (calls per command and kind, errno histogram, calls/s).
 * Exit: 0 clean, 1 oracle failure(s), 2 could not run, 3 stalled call.
 * With --threads 1 a seed replays the same sequence of calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "fastmap.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define MAX_THREADS	32
#define MAX_DEVS	8
#define N_NAMES		4		/* fz0..fz3 */
#define MSG_MAX		8192
#define RECV_MAX	65536
#define PG		4096ULL
#define ERR_SLOTS	160
#define CMD_SLOTS	10		/* commands 0..8, 9 = unknown */
#define NL_TIMEOUT_S	30
#define MAX_REPORTS	40		/* oracle messages printed */

/* What one call was, for the per-kind counters. */
enum kind {
	K_NL_FUZZ, K_NL_VALID, K_NL_BATCH, K_NL_DROP, K_IOC_NODE, K_IOC_CTL,
	K_OPEN, K_CLOSE, K_MMAP, K_TOUCH, K_RW, K_NR
};

static const char *const kind_names[K_NR] = {
	"netlink fuzz", "netlink valid", "netlink batch", "netlink dropped",
	"ioctl node", "ioctl control", "open", "close", "mmap", "fault",
	"rw/seek/sync",
};

static const char *const cmd_names[CMD_SLOTS] = {
	"UNSPEC", "ATTACH", "DETACH", "GET", "SET", "FILE_ADD", "FILE_DEL",
	"FILE_GET", "EVENT", "unknown",
};

/* ---- configuration and shared state --------------------------------------- */

static struct {
	uint64_t seed;
	unsigned long calls;
	unsigned int threads;
	unsigned int max_seconds;
	unsigned int stall;
	unsigned long unpriv;
	bool verbose;
	unsigned int ndevs;
	const char *dev[MAX_DEVS];
	dev_t rdev[MAX_DEVS];
	uint64_t devsize[MAX_DEVS];
} cfg = { .seed = 1, .calls = 10000, .threads = 4, .stall = 240 };

static uint16_t fm_family;
static uint32_t fm_mcgrp;
static uint64_t half_ram_pages;		/* totalram_pages() / 2 */
static atomic_ulong calls_taken;
static atomic_bool stopping;
static atomic_uint oracle_fails;
static atomic_uint reports;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int ctl_fd = -1;
static const char *prog_role = "fm_fuzz";

/* Special argument pages. */
static unsigned char *ro_page;		/* PROT_READ */
static unsigned char *none_page;	/* PROT_NONE */
static unsigned char *guard_rw;		/* RW page followed by none_page */
static unsigned char *unmapped;		/* PROT_NONE too */

/* ---- per-thread state ----------------------------------------------------- */

struct slot {
	int fd;
	bool control;
	uint64_t size;
	char name[FASTMAP_NAME_MAX];
};

struct thr {
	unsigned int idx;
	bool unpriv;
	uint64_t rng;
	pthread_t tid;
	int nl;
	uint32_t seq;
	struct slot fds[2];
	unsigned char *map;		/* a kept mapping */
	size_t map_len;
	uint64_t map_dev_size;		/* bytes of the device it maps */
	uint64_t map_off;
	unsigned long n_calls;
	unsigned long n_kind[K_NR];
	unsigned long n_cmd[CMD_SLOTS];
	unsigned long n_cmd_ok[CMD_SLOTS];	/* answered with success */
	unsigned long n_err[ERR_SLOTS];
	unsigned long n_events, n_sigbus;
	atomic_llong op_start_ms;	/* 0 = idle */
	char what[96];
	uint64_t msg[MSG_MAX / 8];
	uint64_t rbuf[RECV_MAX / 8];
};

static struct thr *thr[MAX_THREADS];
static struct thr listener;
static __thread sigjmp_buf *bus_jmp;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static uint64_t rnd(struct thr *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool pct(struct thr *t, unsigned int p)
{
	return below(t, 100) < p;
}

static atomic_uint unusual;

static void count_err(struct thr *t, int err)
{
	t->n_err[err >= 0 && err < ERR_SLOTS - 1 ? err : ERR_SLOTS - 1]++;
	switch (err) {
	case 0: case EPERM: case ENOENT: case EBADF: case EACCES: case EFAULT:
	case EBUSY: case EEXIST: case EINVAL: case ENOTTY: case ENOSPC:
	case ERANGE: case EOVERFLOW: case EOPNOTSUPP: case ENOTBLK:
	case ENOTDIR: case ENXIO: case ENODEV: case ENOMEM:
		return;
	}
	/* not an oracle failure by itself: say where it came from */
	if (atomic_fetch_add(&unusual, 1) < 20)
		printf("# fm_fuzz: unusual errno %d (%s) in [%s]\n", err,
		       strerror(err), t->what);
}

static void oracle(struct thr *t, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&oracle_fails, 1);
	if (atomic_fetch_add(&reports, 1) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&out_lock);
	printf("ORACLE: %s thread %u call %lu (seed %llu) [%s]: ", prog_role,
	       t->idx, t->n_calls, (unsigned long long)cfg.seed, t->what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void begin(struct thr *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->what, sizeof(t->what), fmt, ap);
	va_end(ap);
	atomic_store(&t->op_start_ms, now_ms());
	t->n_calls++;
}

static void end(struct thr *t)
{
	atomic_store(&t->op_start_ms, 0);
}

/* ---- interesting values --------------------------------------------------- */

static const uint64_t u64_edges[] = {
	0, 1, 2, 4095, 4096, 4097, 65536,
	FASTMAP_CACHE_MIN - 4096, FASTMAP_CACHE_MIN - 1, FASTMAP_CACHE_MIN,
	FASTMAP_CACHE_MIN + 1, FASTMAP_CACHE_MIN + 4096, 1ULL << 20,
	3ULL << 20, 8ULL << 20, 64ULL << 20, 1ULL << 32, (1ULL << 32) - 1,
	1ULL << 40, 1ULL << 60, INT64_MAX, (uint64_t)INT64_MAX + 1,
	UINT64_MAX - 4095, UINT64_MAX,
};

static const uint32_t u32_edges[] = {
	0, 1, 2, 7, 63, 64, 99, 100, 101, 511, 512, 4095, 4096, 4097, 65535,
	65536, 3600000, 3600001, INT32_MAX, 0x80000000U, UINT32_MAX - 1,
	UINT32_MAX,
};

static const uint64_t cache_ok[] = {
	FASTMAP_CACHE_MIN, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 16 << 20,
	FASTMAP_CACHE_MIN + 4096, 3 << 20,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t pick_u64(struct thr *t)
{
	switch (below(t, 6)) {
	case 0:
		return rnd(t);
	case 1:
		return rnd(t) >> below(t, 64);
	case 2:
		return cache_ok[below(t, ARRAY_SIZE(cache_ok))];
	default:
		return u64_edges[below(t, ARRAY_SIZE(u64_edges))];
	}
}

static uint32_t pick_u32(struct thr *t)
{
	switch (below(t, 5)) {
	case 0:
		return (uint32_t)rnd(t);
	case 1:
		return (uint32_t)(rnd(t) >> (32 + below(t, 32)));
	case 2:
		return 1 + (uint32_t)below(t, 4096);
	default:
		return u32_edges[below(t, ARRAY_SIZE(u32_edges))];
	}
}

static bool name_valid(const char *name)
{
	size_t i, len = strnlen(name, FASTMAP_NAME_MAX);

	if (!len || len >= FASTMAP_NAME_MAX)
		return false;
	if (!strcmp(name, "control") || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_.-", c)))
			return false;
	}
	return true;
}

static const char *const name_pool[] = {
	"fz0", "fz1", "fz2", "fz3", "control", ".", "..", "", "fz0/x",
	"fz 1", "-", "_", "x", "A.b_c-9", "fz\n", "../fz0", "fz0\t",
	"0123456789012345678901234567890",	/* 31: valid length */
	"01234567890123456789012345678901",	/* 32: too long */
	"fz\xc3\xbc",
};

/* A name string (NUL-terminated) into @buf (>= 64 bytes). */
static void pick_name(struct thr *t, char *buf)
{
	static const char cs[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/ \x01\xff";
	size_t i, n;

	if (pct(t, 75)) {
		const char *s = pct(t, 60) ? name_pool[below(t, N_NAMES)] :
			name_pool[below(t, ARRAY_SIZE(name_pool))];

		snprintf(buf, 64, "%s", s);
		return;
	}
	n = below(t, 40);
	for (i = 0; i < n; i++)
		buf[i] = pct(t, 90) ? cs[below(t, sizeof(cs) - 1)] :
				      (char)(1 + below(t, 255));
	buf[n] = '\0';
}

static void pick_device(struct thr *t, char *buf, size_t len)
{
	static const char *const other[] = {
		"/dev/null", "/dev/fastmap/control", "/nonexistent", "", "/tmp",
		"dev/ram0", "/dev/../dev/ram1", "/proc/self/fd/0", "/dev/fastmap/fz0",
		"/dev/zero", "/", "/dev/ram0/", "/sys/kernel/fastmap",
	};
	size_t i, n;

	if (cfg.ndevs && pct(t, 65)) {
		snprintf(buf, len, "%s", cfg.dev[below(t, cfg.ndevs)]);
		return;
	}
	if (pct(t, 80)) {
		snprintf(buf, len, "%s", other[below(t, ARRAY_SIZE(other))]);
		return;
	}
	/* long paths around the 127-character policy limit */
	n = 120 + below(t, 16);
	if (n >= len)
		n = len - 1;
	buf[0] = '/';
	for (i = 1; i < n; i++)
		buf[i] = i % 20 ? 'd' : '/';
	buf[n] = '\0';
}

/* ---- netlink plumbing ----------------------------------------------------- */

struct req {
	unsigned char *buf;
	size_t len;		/* bytes to send */
	struct nlmsghdr *nlh;	/* the (first) message */
	uint8_t cmd;
	bool well_formed;	/* one message, our family, REQUEST, full genl header */
	bool policy_bad;	/* some attribute surely violates the strict policy */
	bool policy_unknown;	/* some attribute we cannot classify */
	bool has[FASTMAP_A_MAX + 1];
	bool valid_op;		/* built by a "valid operation" */
	size_t last_off;	/* offset of the last attribute, 0 if none */
	/* last value of each attribute (nla_parse keeps the last one) */
	char name[64];
	char device[160];
	uint64_t cache;
};

struct result {
	int err;		/* 0, kernel errno, or local errno */
	bool local;		/* err is ours (timeout, send) */
	bool acked;		/* an NLMSG_ERROR / NLMSG_DONE came back */
	unsigned int n_data;
	char msg[128];
	/* first data message, for checks */
	char r_name[64];
	bool r_has_name;
	uint64_t r_cache, r_batch, r_ratio;
	bool r_has_cache;
};

static int nl_socket(int groups_id)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1, rcvbuf = 1 << 20;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	if (groups_id && setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				    &groups_id, sizeof(groups_id))) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct nlmsghdr *msg_start(unsigned char *buf, size_t off,
				  uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);
	struct genlmsghdr *g;

	memset(nlh, 0, NLMSG_LENGTH(GENL_HDRLEN));
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = FASTMAP_GENL_VERSION;
	return nlh;
}

/* Append an attribute; false if it does not fit in @cap bytes of the buffer. */
static bool put_attr(struct nlmsghdr *nlh, size_t cap, uint16_t type,
		     const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(nlh->nlmsg_len);
	struct nlattr *a;

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > cap || len > 60000)
		return false;
	a = (struct nlattr *)((unsigned char *)nlh + off);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	/* zero the alignment padding */
	memset((unsigned char *)a + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(len) - len);
	nlh->nlmsg_len = off + NLA_ALIGN(NLA_HDRLEN + len);
	return true;
}

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

static bool get_uint(const struct nlattr *a, uint64_t *v)
{
	uint32_t v32;

	if (!a)
		return false;
	if (a->nla_len == NLA_HDRLEN + 4) {
		memcpy(&v32, (const unsigned char *)a + NLA_HDRLEN, 4);
		*v = v32;
		return true;
	}
	if (a->nla_len == NLA_HDRLEN + 8) {
		memcpy(v, (const unsigned char *)a + NLA_HDRLEN, 8);
		return true;
	}
	return false;
}

static void get_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t n = a->nla_len - NLA_HDRLEN;

	if (n >= len)
		n = len - 1;
	memcpy(buf, (const unsigned char *)a + NLA_HDRLEN, n);
	buf[n] = '\0';
}

static void parse_reply(const struct nlmsghdr *nlh, struct result *r)
{
	size_t len;
	const void *attrs = genl_attrs(nlh, &len);
	const struct nlattr *a;

	if (!attrs)
		return;
	a = nla_find(attrs, len, FASTMAP_A_NAME);
	if (a) {
		get_str(a, r->r_name, sizeof(r->r_name));
		r->r_has_name = true;
	}
	r->r_has_cache = get_uint(nla_find(attrs, len, FASTMAP_A_CACHE_BYTES),
				  &r->r_cache);
	if (!get_uint(nla_find(attrs, len, FASTMAP_A_BATCH_PAGES), &r->r_batch))
		r->r_batch = 0;
	if (!get_uint(nla_find(attrs, len, FASTMAP_A_DIRTY_RATIO), &r->r_ratio))
		r->r_ratio = 0;
}

static void parse_ack(const struct nlmsghdr *nlh, size_t off, struct result *r)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	a = nla_find((const unsigned char *)nlh + off, nlh->nlmsg_len - off,
		     NLMSGERR_ATTR_MSG);
	if (a)
		get_str(a, r->msg, sizeof(r->msg));
}

typedef void (*data_fn)(struct thr *t, const struct nlmsghdr *nlh, void *arg);

/*
 * Send @len bytes and collect the answer to sequence @seq. @wait: an ACK or
 * DONE must come (NLM_F_ACK or a dump); otherwise the kernel has already
 * queued whatever it answers (genetlink runs doit in sendmsg), so drain
 * without blocking.
 */
static void nl_xfer(struct thr *t, const void *buf, size_t len, uint32_t seq,
		    bool wait, struct result *r, data_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	if (send(t->nl, buf, len, 0) < 0) {
		r->err = errno;
		r->local = true;
		snprintf(r->msg, sizeof(r->msg), "(local) send: %s",
			 strerror(errno));
		return;
	}
	for (;;) {
		ssize_t n = recv(t->nl, t->rbuf, sizeof(t->rbuf),
				 wait ? 0 : MSG_DONTWAIT);
		const unsigned char *p = (const unsigned char *)t->rbuf;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (!wait && errno == EAGAIN)
				return;
			r->err = errno == EAGAIN ? ETIMEDOUT : errno;
			r->local = true;
			snprintf(r->msg, sizeof(r->msg), "(local) recv: %s",
				 strerror(errno));
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
					const struct nlmsgerr *e = NLMSG_DATA(nlh);
					size_t off = NLMSG_HDRLEN +
						     NLMSG_ALIGN(sizeof(*e));

					r->acked = true;
					if (nlh->nlmsg_len < off) {
						r->err = EPROTO;
						return;
					}
					r->err = -e->error;
					if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
					    e->msg.nlmsg_len >= NLMSG_HDRLEN)
						off += NLMSG_ALIGN(e->msg.nlmsg_len -
								   NLMSG_HDRLEN);
					parse_ack(nlh, off, r);
					return;
				}
				if (nlh->nlmsg_type == NLMSG_DONE) {
					int err = 0;

					if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
						memcpy(&err, NLMSG_DATA(nlh),
						       sizeof(int));
					r->acked = true;
					r->err = -err;
					parse_ack(nlh, NLMSG_HDRLEN +
						  NLMSG_ALIGN(sizeof(int)), r);
					return;
				}
				if (nlh->nlmsg_type != NLMSG_NOOP) {
					if (!r->n_data++)
						parse_reply(nlh, r);
					if (fn)
						fn(t, nlh, arg);
				}
			}
			if (step >= left)
				break;
			p += step;
			left -= step;
		}
		if (!wait)
			continue;	/* drain what is queued */
	}
}

/* Resolve the family id and the events group. */
static int resolve_family(struct thr *t)
{
	struct nlmsghdr *nlh;
	const struct nlattr *a, *grps;
	const unsigned char *p;
	size_t len, left;
	uint64_t v = 0;
	struct genlmsghdr *g;

	nlh = msg_start((unsigned char *)t->msg, 0, GENL_ID_CTRL,
			NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY);
	g = NLMSG_DATA(nlh);
	g->version = 1;
	put_attr(nlh, MSG_MAX, CTRL_ATTR_FAMILY_NAME, FASTMAP_GENL_NAME,
		 sizeof(FASTMAP_GENL_NAME));
	nlh->nlmsg_seq = ++t->seq;
	if (send(t->nl, nlh, nlh->nlmsg_len, 0) < 0)
		return errno;
	for (;;) {
		ssize_t n = recv(t->nl, t->rbuf, sizeof(t->rbuf), 0);
		const struct nlmsghdr *h = (const void *)t->rbuf;

		if (n < 0)
			return errno;
		if ((size_t)n < NLMSG_HDRLEN || h->nlmsg_len > (size_t)n)
			return EPROTO;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			return e->error ? -e->error : EPROTO;
		}
		if (h->nlmsg_type == GENL_ID_CTRL)
			break;
	}
	nlh = (struct nlmsghdr *)t->rbuf;
	p = genl_attrs(nlh, &len);
	if (!p || !get_uint(nla_find(p, len, CTRL_ATTR_FAMILY_ID), &v)) {
		a = nla_find(p, len, CTRL_ATTR_FAMILY_ID);
		if (!a || a->nla_len != NLA_HDRLEN + 2)
			return EPROTO;
		memcpy(&fm_family, (const unsigned char *)a + NLA_HDRLEN, 2);
	} else {
		fm_family = (uint16_t)v;
	}
	grps = nla_find(p, len, CTRL_ATTR_MCAST_GROUPS);
	if (grps) {
		p = (const unsigned char *)grps + NLA_HDRLEN;
		left = grps->nla_len - NLA_HDRLEN;
		while (left >= NLA_HDRLEN) {
			const struct nlattr *g1 = (const void *)p;
			const struct nlattr *nm, *id;
			size_t gl;

			if (g1->nla_len < NLA_HDRLEN || g1->nla_len > left)
				break;
			gl = g1->nla_len - NLA_HDRLEN;
			nm = nla_find((const unsigned char *)g1 + NLA_HDRLEN, gl,
				      CTRL_ATTR_MCAST_GRP_NAME);
			id = nla_find((const unsigned char *)g1 + NLA_HDRLEN, gl,
				      CTRL_ATTR_MCAST_GRP_ID);
			if (nm && id && get_uint(id, &v) &&
			    !strncmp((const char *)nm + NLA_HDRLEN,
				     FASTMAP_MCGRP_EVENTS, nm->nla_len - NLA_HDRLEN))
				fm_mcgrp = (uint32_t)v;
			if ((size_t)NLA_ALIGN(g1->nla_len) >= left)
				break;
			p += NLA_ALIGN(g1->nla_len);
			left -= NLA_ALIGN(g1->nla_len);
		}
	}
	/* drop the ACK */
	while (recv(t->nl, t->rbuf, sizeof(t->rbuf), MSG_DONTWAIT) > 0)
		;
	return fm_family ? 0 : EPROTO;
}

/* ---- policy model (kmod/fm_netlink.c fm_policy, strict validation) --------- */

enum pclass { P_OK, P_BAD, P_UNKNOWN };

static bool reply_only(unsigned int type)
{
	switch (type) {
	case FASTMAP_A_SIZE_BYTES: case FASTMAP_A_DEV:
	case FASTMAP_A_OPEN_COUNT: case FASTMAP_A_STATS:
	case FASTMAP_A_DEVICE_NAME: case FASTMAP_A_ID:
	case FASTMAP_A_EVENT: case FASTMAP_A_EVENT_VALUE:
		return true;
	}
	return false;
}

static int str_max(unsigned int type)
{
	switch (type) {
	case FASTMAP_A_NAME:
		return FASTMAP_NAME_MAX - 1;
	case FASTMAP_A_DEVICE:
		return 127;
	case FASTMAP_A_FILE_PATH:
		return 255;
	}
	return -1;
}

static enum pclass classify(uint16_t raw_type, const unsigned char *d,
			    size_t len)
{
	unsigned int type = raw_type & NLA_TYPE_MASK;
	uint32_t v;
	int max;
	size_t l;

	if (type == 0 || type > FASTMAP_A_MAX || type == FASTMAP_A_PAD ||
	    reply_only(type))
		return P_BAD;
	if (raw_type & NLA_F_NESTED)
		return P_BAD;
	if (raw_type & NLA_F_NET_BYTEORDER)
		return P_UNKNOWN;
	max = str_max(type);
	if (max >= 0) {
		size_t lim = len < (size_t)max + 1 ? len : (size_t)max + 1;

		if (!len || !memchr(d, '\0', lim))
			return P_BAD;
		l = d[len - 1] == '\0' ? len - 1 : len;
		return l > (size_t)max ? P_BAD : P_OK;
	}
	if (type == FASTMAP_A_CACHE_BYTES || type == FASTMAP_A_FILE_INO)
		return len == 8 ? P_OK : P_BAD;
	/* u32 */
	if (len != 4)
		return P_BAD;
	memcpy(&v, d, 4);
	switch (type) {
	case FASTMAP_A_BATCH_PAGES:
		return v >= FASTMAP_BATCH_MIN && v <= FASTMAP_BATCH_MAX ? P_OK : P_BAD;
	case FASTMAP_A_DIRTY_RATIO:
		return v >= 1 && v <= 100 ? P_OK : P_BAD;
	case FASTMAP_A_WB_INTERVAL_MS:
		return v <= 3600000 ? P_OK : P_BAD;
	}
	return P_OK;
}

/* Record what the kernel will see for attribute @type (the last one wins). */
static void note_attr(struct req *q, uint16_t raw_type, const unsigned char *d,
		      size_t len)
{
	unsigned int type = raw_type & NLA_TYPE_MASK;
	enum pclass c = classify(raw_type, d, len);

	if (c == P_BAD)
		q->policy_bad = true;
	else if (c == P_UNKNOWN)
		q->policy_unknown = true;
	if (type > FASTMAP_A_MAX)
		return;
	q->has[type] = true;
	if (c != P_OK)
		return;
	if (type == FASTMAP_A_NAME)
		snprintf(q->name, sizeof(q->name), "%.*s", (int)len, d);
	else if (type == FASTMAP_A_DEVICE)
		snprintf(q->device, sizeof(q->device), "%.*s", (int)len, d);
	else if (type == FASTMAP_A_CACHE_BYTES)
		memcpy(&q->cache, d, 8);
}

static bool add_attr(struct req *q, uint16_t type, const void *d, size_t len)
{
	size_t off = NLMSG_ALIGN(q->nlh->nlmsg_len);

	if (!put_attr(q->nlh, MSG_MAX, type, d, len))
		return false;
	q->last_off = off;
	note_attr(q, type, d, len);
	return true;
}

static void add_str(struct req *q, uint16_t type, const char *s)
{
	add_attr(q, type, s, strlen(s) + 1);
}

static void add_u32(struct req *q, uint16_t type, uint32_t v)
{
	add_attr(q, type, &v, 4);
}

static void add_u64(struct req *q, uint16_t type, uint64_t v)
{
	add_attr(q, type, &v, 8);
}

/* A valid-looking value for @type, often at a boundary. */
static void add_typed(struct thr *t, struct req *q, uint16_t type)
{
	char s[300];

	switch (type) {
	case FASTMAP_A_NAME:
		pick_name(t, s);
		add_str(q, type, s);
		break;
	case FASTMAP_A_DEVICE:
		pick_device(t, s, sizeof(s));
		add_str(q, type, s);
		break;
	case FASTMAP_A_FILE_PATH: {
		size_t n = pct(t, 50) ? below(t, 32) : 250 + below(t, 10);

		memset(s, 'p', n);
		s[0] = '/';
		s[n] = '\0';
		add_str(q, type, n ? s : "");
		break;
	}
	case FASTMAP_A_CACHE_BYTES:
	case FASTMAP_A_FILE_INO:
	case FASTMAP_A_SIZE_BYTES:
	case FASTMAP_A_EVENT_VALUE:
		add_u64(q, type, type == FASTMAP_A_FILE_INO && pct(t, 70) ?
			1 + below(t, 8) : pick_u64(t));
		break;
	case FASTMAP_A_STATS: {
		uint64_t z = rnd(t);

		add_attr(q, type | NLA_F_NESTED, &z, pct(t, 50) ? 0 : 8);
		break;
	}
	default:
		add_u32(q, type, type == FASTMAP_A_FILE_DEV && pct(t, 70) ?
			(uint32_t)below(t, 4) : pick_u32(t));
	}
}

/* Attribute garbage of several shapes. */
static void add_garbage(struct thr *t, struct req *q)
{
	unsigned char d[600];
	size_t n, i;
	uint16_t type = (uint16_t)below(t, FASTMAP_A_MAX + 4);

	n = below(t, 5) == 0 ? below(t, sizeof(d)) : below(t, 12);
	for (i = 0; i < n; i++)
		d[i] = (unsigned char)rnd(t);
	switch (below(t, 6)) {
	case 0:			/* random type and payload */
		type = (uint16_t)rnd(t);
		break;
	case 1: {		/* nested garbage: inner attributes */
		struct nlattr *in = (struct nlattr *)d;

		n = 0;
		while (n + 16 < sizeof(d) && pct(t, 70)) {
			in = (struct nlattr *)(d + n);
			in->nla_type = (uint16_t)below(t, 30);
			in->nla_len = (uint16_t)(NLA_HDRLEN + below(t, 12));
			if (pct(t, 10))
				in->nla_len = (uint16_t)rnd(t);
			memset(d + n + NLA_HDRLEN, 0x41, 12);
			n += 16;
		}
		type |= NLA_F_NESTED;
		break;
	}
	case 2:			/* wrong length for a known type */
		n = below(t, 17);
		break;
	case 3:			/* string without NUL */
		memset(d, 'z', n = 1 + below(t, 300));
		type = (uint16_t)(pct(t, 50) ? FASTMAP_A_NAME : FASTMAP_A_DEVICE);
		break;
	case 4:			/* byte-order flag */
		type |= NLA_F_NET_BYTEORDER;
		n = pct(t, 50) ? 4 : 8;
		break;
	default:		/* string with NUL inside, various lengths */
		n = 1 + below(t, 140);
		for (i = 0; i < n; i++)
			d[i] = 'a' + (unsigned char)below(t, 26);
		d[below(t, n)] = '\0';
		type = (uint16_t)(pct(t, 50) ? FASTMAP_A_NAME : FASTMAP_A_DEVICE);
	}
	add_attr(q, type, d, n);
}

/* The attributes each command reads. */
static const uint16_t cmd_attrs[][7] = {
	[FASTMAP_CMD_ATTACH] = { FASTMAP_A_DEVICE, FASTMAP_A_NAME,
		FASTMAP_A_CACHE_BYTES, FASTMAP_A_BATCH_PAGES,
		FASTMAP_A_DIRTY_RATIO, FASTMAP_A_WB_INTERVAL_MS },
	[FASTMAP_CMD_DETACH] = { FASTMAP_A_NAME },
	[FASTMAP_CMD_GET] = { FASTMAP_A_NAME },
	[FASTMAP_CMD_SET] = { FASTMAP_A_NAME, FASTMAP_A_CACHE_BYTES,
		FASTMAP_A_BATCH_PAGES, FASTMAP_A_DIRTY_RATIO,
		FASTMAP_A_WB_INTERVAL_MS },
	[FASTMAP_CMD_FILE_ADD] = { FASTMAP_A_FILE_DEV, FASTMAP_A_FILE_INO,
		FASTMAP_A_FILE_PATH },
	[FASTMAP_CMD_FILE_DEL] = { FASTMAP_A_FILE_DEV, FASTMAP_A_FILE_INO },
	[FASTMAP_CMD_FILE_GET] = { FASTMAP_A_FILE_DEV },
	[FASTMAP_CMD_EVENT] = { FASTMAP_A_EVENT, FASTMAP_A_NAME },
};

static void req_init(struct thr *t, struct req *q, uint8_t cmd, uint16_t flags)
{
	memset(q, 0, sizeof(*q));
	q->buf = (unsigned char *)t->msg;
	q->cmd = cmd;
	q->nlh = msg_start(q->buf, 0, fm_family, flags, cmd);
	q->nlh->nlmsg_seq = ++t->seq;
	q->well_formed = true;
}

/* ---- oracles for one netlink answer --------------------------------------- */

static bool errno_documented(int err)
{
	switch (err) {
	case 0: case EINVAL: case ERANGE: case ENOENT: case EEXIST:
	case EBUSY: case EPERM: case ENOMEM: case ENOTBLK: case EOPNOTSUPP:
	case ENOSPC: case EINTR: case ENODEV: case EACCES: case ENXIO:
	case ENOTDIR: case ENAMETOOLONG: case ELOOP: case EROFS: case EMSGSIZE:
		return true;
	}
	return false;
}

/* @dev names one of the --dev devices (by device number)? */
static int known_device(const char *path)
{
	struct stat st;
	unsigned int i;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return -1;
	for (i = 0; i < cfg.ndevs; i++)
		if (cfg.rdev[i] == st.st_rdev)
			return (int)i;
	return -1;
}

static void check_nl(struct thr *t, struct req *q, struct result *r)
{
	bool dump = (q->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool known = q->cmd >= FASTMAP_CMD_ATTACH && q->cmd <= FASTMAP_CMD_FILE_GET;
	bool has_op = known && (dump ? (q->cmd == FASTMAP_CMD_GET ||
					q->cmd == FASTMAP_CMD_FILE_GET) :
				q->cmd != FASTMAP_CMD_FILE_GET);
	bool mut = q->cmd == FASTMAP_CMD_ATTACH || q->cmd == FASTMAP_CMD_DETACH ||
		   q->cmd == FASTMAP_CMD_SET || q->cmd == FASTMAP_CMD_FILE_ADD ||
		   q->cmd == FASTMAP_CMD_FILE_DEL;
	int e = r->err;

	if (r->local) {
		if (e == ETIMEDOUT)
			oracle(t, "no answer within %d s", NL_TIMEOUT_S);
		return;
	}
	if (!q->well_formed)
		return;
	if (!(q->nlh->nlmsg_flags & NLM_F_REQUEST)) {
		if (e || r->n_data)
			oracle(t, "a message without NLM_F_REQUEST was processed (errno %d, %u replies)",
			       e, r->n_data);
		return;
	}
	if (!errno_documented(e))
		oracle(t, "undocumented errno %d (%s) \"%s\"", e, strerror(e), r->msg);
	if (!has_op) {
		if (e != EOPNOTSUPP && e != EINVAL)
			oracle(t, "command %u%s without handler: errno %d, want EOPNOTSUPP",
			       q->cmd, dump ? " (dump)" : "", e);
		return;
	}
	if (q->policy_bad) {
		if (e != EINVAL && e != ERANGE)
			oracle(t, "policy violation accepted: errno %d \"%s\", want EINVAL/ERANGE",
			       e, r->msg);
		return;
	}
	if (q->policy_unknown)
		return;
	if (t->unpriv && mut) {
		if (e != EPERM)
			oracle(t, "unprivileged %s: errno %d, want EPERM",
			       cmd_names[q->cmd], e);
		return;
	}
	if (dump)
		return;
	switch (q->cmd) {
	case FASTMAP_CMD_ATTACH:
		if (!q->has[FASTMAP_A_DEVICE] || !q->has[FASTMAP_A_NAME] ||
		    !q->has[FASTMAP_A_CACHE_BYTES]) {
			if (e != EINVAL)
				oracle(t, "ATTACH without a required attribute: errno %d", e);
			break;
		}
		if (!name_valid(q->name) && e != EINVAL)
			oracle(t, "ATTACH with invalid name \"%s\": errno %d, want EINVAL",
			       q->name, e);
		if (name_valid(q->name) && q->cache < FASTMAP_CACHE_MIN &&
		    e != EINVAL)
			oracle(t, "ATTACH with cache %llu: errno %d, want EINVAL",
			       (unsigned long long)q->cache, e);
		if (name_valid(q->name) && q->cache >= FASTMAP_CACHE_MIN &&
		    q->cache / PG > half_ram_pages && e != ENOMEM)
			oracle(t, "ATTACH with cache %llu > RAM/2: errno %d, want ENOMEM",
			       (unsigned long long)q->cache, e);
		if (e)
			break;
		if (known_device(q->device) < 0)
			oracle(t, "ATTACH of \"%s\" (not a test device) succeeded",
			       q->device);
		/* no reply (just the ACK) when a racing DETACH was faster */
		if (r->n_data && (!r->r_has_name || strcmp(r->r_name, q->name)))
			oracle(t, "ATTACH reply names \"%s\", want \"%s\"",
			       r->r_name, q->name);
		if (r->r_has_cache && r->r_cache < FASTMAP_CACHE_MIN)
			oracle(t, "ATTACH reply cache %llu", (unsigned long long)r->r_cache);
		break;
	case FASTMAP_CMD_DETACH:
	case FASTMAP_CMD_GET:
	case FASTMAP_CMD_SET:
		if (!q->has[FASTMAP_A_NAME]) {
			if (e != EINVAL)
				oracle(t, "%s without NAME: errno %d, want EINVAL",
				       cmd_names[q->cmd], e);
			break;
		}
		if (!e && !name_valid(q->name))
			oracle(t, "%s of invalid name \"%s\" succeeded",
			       cmd_names[q->cmd], q->name);
		if (q->cmd == FASTMAP_CMD_SET) {
			if (!q->has[FASTMAP_A_CACHE_BYTES] &&
			    !q->has[FASTMAP_A_BATCH_PAGES] &&
			    !q->has[FASTMAP_A_DIRTY_RATIO] &&
			    !q->has[FASTMAP_A_WB_INTERVAL_MS] && e != EINVAL)
				oracle(t, "SET with nothing to set: errno %d", e);
			if (!e && q->has[FASTMAP_A_CACHE_BYTES] &&
			    (q->cache < FASTMAP_CACHE_MIN ||
			     q->cache / PG > half_ram_pages))
				oracle(t, "SET accepted cache %llu",
				       (unsigned long long)q->cache);
		}
		if (!e && q->cmd != FASTMAP_CMD_DETACH &&
		    (!r->r_has_name || strcmp(r->r_name, q->name) ||
		     r->r_batch < FASTMAP_BATCH_MIN || r->r_batch > FASTMAP_BATCH_MAX ||
		     r->r_ratio < 1 || r->r_ratio > 100 ||
		     r->r_cache < FASTMAP_CACHE_MIN))
			oracle(t, "%s reply: name \"%s\" batch %llu ratio %llu cache %llu",
			       cmd_names[q->cmd], r->r_name,
			       (unsigned long long)r->r_batch,
			       (unsigned long long)r->r_ratio,
			       (unsigned long long)r->r_cache);
		break;
	case FASTMAP_CMD_FILE_ADD:
	case FASTMAP_CMD_FILE_DEL:
		if ((!q->has[FASTMAP_A_FILE_DEV] || !q->has[FASTMAP_A_FILE_INO]) &&
		    e != EINVAL)
			oracle(t, "%s without FILE_DEV/FILE_INO: errno %d",
			       cmd_names[q->cmd], e);
		break;
	}
}

static void count_cmd(struct thr *t, uint8_t cmd)
{
	t->n_cmd[cmd < CMD_SLOTS - 1 ? cmd : CMD_SLOTS - 1]++;
}

/* Send a request built in @q, check the answer. */
static void nl_run(struct thr *t, struct req *q, enum kind k, struct result *r)
{
	bool dump = (q->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool wait = q->well_formed && (q->nlh->nlmsg_flags & NLM_F_REQUEST) &&
		    ((q->nlh->nlmsg_flags & NLM_F_ACK) || dump);

	if (!q->len)
		q->len = q->nlh->nlmsg_len;
	count_cmd(t, q->cmd);
	t->n_kind[k]++;
	nl_xfer(t, q->buf, q->len, q->nlh->nlmsg_seq, wait, r, NULL, NULL);
	count_err(t, r->err);
	if (!r->err && !r->local && (r->acked || r->n_data))
		t->n_cmd_ok[q->cmd < CMD_SLOTS - 1 ? q->cmd : CMD_SLOTS - 1]++;
	if (cfg.verbose)
		printf("# t%u %s -> %d %s\n", t->idx, t->what, r->err, r->msg);
	check_nl(t, q, r);
}

/* ---- netlink: fuzzed messages --------------------------------------------- */

static uint8_t pick_cmd(struct thr *t)
{
	unsigned int x = (unsigned int)below(t, 100);

	if (x < 85)
		return (uint8_t)(FASTMAP_CMD_ATTACH + below(t, 7));
	if (x < 93)
		return pct(t, 50) ? FASTMAP_CMD_UNSPEC : FASTMAP_CMD_EVENT;
	return (uint8_t)rnd(t);
}

static uint16_t pick_flags(struct thr *t)
{
	uint16_t f = NLM_F_REQUEST;

	if (pct(t, 80))
		f |= NLM_F_ACK;
	if (pct(t, 15))
		f |= NLM_F_DUMP;
	else if (pct(t, 5))
		f |= pct(t, 50) ? NLM_F_ROOT : NLM_F_MATCH;
	if (pct(t, 5))
		f |= NLM_F_ECHO;
	if (pct(t, 3))
		f = (uint16_t)rnd(t);
	if (pct(t, 2))
		f &= ~NLM_F_REQUEST;
	return f;
}

static void fill_fuzz(struct thr *t, struct req *q)
{
	uint8_t cmd = pick_cmd(t);
	unsigned int i, n;
	struct genlmsghdr *g;

	req_init(t, q, cmd, pick_flags(t));
	g = NLMSG_DATA(q->nlh);
	if (pct(t, 5))
		g->version = (uint8_t)rnd(t);
	if (pct(t, 3))
		g->reserved = (uint16_t)rnd(t);
	n = (unsigned int)below(t, 9);
	for (i = 0; i < n; i++) {
		unsigned int x = (unsigned int)below(t, 100);
		const uint16_t *ca = cmd < ARRAY_SIZE(cmd_attrs) ? cmd_attrs[cmd] : NULL;
		unsigned int na = 0;

		while (ca && na < 7 && ca[na])
			na++;
		if (x < 60 && na)
			add_typed(t, q, ca[below(t, na)]);
		else if (x < 75)
			add_typed(t, q, (uint16_t)(1 + below(t, FASTMAP_A_MAX)));
		else
			add_garbage(t, q);
	}
	/* a duplicate of the first attribute */
	if (pct(t, 5) && q->nlh->nlmsg_len > NLMSG_LENGTH(GENL_HDRLEN) + NLA_HDRLEN) {
		const struct nlattr *a = (const void *)((unsigned char *)q->nlh +
			NLMSG_LENGTH(GENL_HDRLEN));

		if (a->nla_len >= NLA_HDRLEN && a->nla_len < 1024) {
			unsigned char copy[1024];

			memcpy(copy, (const unsigned char *)a + NLA_HDRLEN,
			       a->nla_len - NLA_HDRLEN);
			add_attr(q, a->nla_type, copy, a->nla_len - NLA_HDRLEN);
		}
	}
	/* a truncated last attribute / trailing bytes */
	if (pct(t, 5) && q->last_off) {
		/* keep 1 .. nla_len-1 bytes of the last attribute */
		const struct nlattr *a = (const void *)((unsigned char *)q->nlh +
							 q->last_off);
		size_t cut = 1 + below(t, a->nla_len - 1);

		q->nlh->nlmsg_len = (uint32_t)(q->last_off + a->nla_len - cut);
		q->policy_bad = true;
	} else if (pct(t, 3) && q->nlh->nlmsg_len + 4 < MSG_MAX) {
		size_t extra = 1 + below(t, 3);

		memset((unsigned char *)q->nlh + q->nlh->nlmsg_len, 0x5a, extra);
		q->nlh->nlmsg_len += extra;
		q->policy_bad = true;
	} else if (pct(t, 3) && NLMSG_ALIGN(q->nlh->nlmsg_len) + 8 < MSG_MAX) {
		/* an attribute length beyond the message */
		size_t off = NLMSG_ALIGN(q->nlh->nlmsg_len);
		struct nlattr *a = (struct nlattr *)((unsigned char *)q->nlh + off);

		a->nla_type = FASTMAP_A_NAME;
		a->nla_len = (uint16_t)(64 + below(t, 60000));
		memcpy((unsigned char *)a + NLA_HDRLEN, "fz0", 4);
		q->nlh->nlmsg_len = off + 8;
		q->policy_bad = true;
	}
	if (q->nlh->nlmsg_type != fm_family)
		q->well_formed = false;
}

/* Messages the kernel must drop or reject before the family sees them. */
static void nl_header_fuzz(struct thr *t)
{
	struct req q;
	struct result r;
	unsigned char *b;

	req_init(t, &q, FASTMAP_CMD_GET, NLM_F_REQUEST | NLM_F_ACK);
	add_str(&q, FASTMAP_A_NAME, "fz0");
	b = q.buf;
	q.well_formed = false;
	switch (below(t, 5)) {
	case 0:		/* genl header cut: EINVAL */
		q.nlh->nlmsg_len = NLMSG_HDRLEN + (uint32_t)below(t, GENL_HDRLEN);
		q.len = q.nlh->nlmsg_len;
		begin(t, "netlink genl header cut to %u", q.nlh->nlmsg_len);
		t->n_kind[K_NL_DROP]++;
		nl_xfer(t, b, q.len, q.nlh->nlmsg_seq, true, &r, NULL, NULL);
		count_err(t, r.err);
		if (r.err != EINVAL)
			oracle(t, "truncated genl header: errno %d, want EINVAL", r.err);
		break;
	case 1:		/* nlmsghdr cut: silently dropped (0 bytes: ENODATA) */
		q.len = 1 + below(t, NLMSG_HDRLEN - 1);
		begin(t, "netlink %zu-byte datagram", q.len);
		t->n_kind[K_NL_DROP]++;
		nl_xfer(t, b, q.len, q.nlh->nlmsg_seq, false, &r, NULL, NULL);
		count_err(t, r.err);
		break;
	case 2:		/* nlmsg_len beyond the datagram: dropped */
		q.len = q.nlh->nlmsg_len;
		q.nlh->nlmsg_len = (uint32_t)(q.len + 1 + below(t, 1 << 20));
		if (pct(t, 30))
			q.nlh->nlmsg_len = UINT32_MAX - (uint32_t)below(t, 8);
		begin(t, "netlink nlmsg_len %u for %zu bytes", q.nlh->nlmsg_len, q.len);
		t->n_kind[K_NL_DROP]++;
		nl_xfer(t, b, q.len, q.nlh->nlmsg_seq, false, &r, NULL, NULL);
		count_err(t, r.err);
		if (r.n_data || r.acked)
			oracle(t, "a message longer than its datagram was answered");
		break;
	case 3: {	/* control message types: never handled */
		uint16_t ty = (uint16_t)below(t, NLMSG_MIN_TYPE);

		q.nlh->nlmsg_type = ty;
		q.len = q.nlh->nlmsg_len;
		begin(t, "netlink control type %u", ty);
		t->n_kind[K_NL_DROP]++;
		nl_xfer(t, b, q.len, q.nlh->nlmsg_seq, true, &r, NULL, NULL);
		count_err(t, r.err);
		if (r.err || r.n_data)
			oracle(t, "control message type %u: errno %d, %u replies",
			       ty, r.err, r.n_data);
		break;
	}
	default: {	/* several requests in one datagram */
		size_t off = 0;
		unsigned int i, n = 2 + (unsigned int)below(t, 4);
		uint32_t last = 0;

		begin(t, "netlink batch of %u", n);
		for (i = 0; i < n; i++) {
			struct nlmsghdr *nlh;
			uint8_t cmd = (uint8_t)(FASTMAP_CMD_ATTACH + below(t, 6));
			char name[64];

			nlh = msg_start(b, off, fm_family, NLM_F_REQUEST | NLM_F_ACK,
					cmd);
			nlh->nlmsg_seq = last = ++t->seq;
			pick_name(t, name);
			put_attr(nlh, MSG_MAX - off, FASTMAP_A_NAME, name,
				 strlen(name) + 1);
			if (pct(t, 50)) {
				uint32_t v = pick_u32(t);

				put_attr(nlh, MSG_MAX - off, FASTMAP_A_BATCH_PAGES,
					 &v, 4);
			}
			count_cmd(t, cmd);
			off += NLMSG_ALIGN(nlh->nlmsg_len);
			if (off + 512 > MSG_MAX)
				break;
		}
		t->n_kind[K_NL_BATCH]++;
		nl_xfer(t, b, off, last, true, &r, NULL, NULL);
		count_err(t, r.err);
		if (r.local && r.err == ETIMEDOUT)
			oracle(t, "no ACK for the last message of a batch");
	}
	}
	end(t);
}

static void nl_fuzz(struct thr *t)
{
	struct req q;
	struct result r;

	if (pct(t, 6)) {
		nl_header_fuzz(t);
		return;
	}
	fill_fuzz(t, &q);
	begin(t, "netlink fuzz cmd %u flags 0x%x len %u", q.cmd,
	      q.nlh->nlmsg_flags, q.nlh->nlmsg_len);
	nl_run(t, &q, K_NL_FUZZ, &r);
	end(t);
}

/* ---- netlink: valid operations -------------------------------------------- */

static void fz_name(struct thr *t, char *buf)
{
	snprintf(buf, 8, "fz%u", (unsigned int)below(t, N_NAMES));
}

static void nl_valid(struct thr *t)
{
	static const uint32_t wb[] = { 0, 1, 10, 250, 5000 };
	static const uint32_t batch[] = { 1, 2, 8, 64, 512, 4096 };
	char name[8];
	struct req q;
	struct result r;
	unsigned int x = (unsigned int)below(t, 100);

	fz_name(t, name);
	if (x < 22 && cfg.ndevs) {
		unsigned int d = (unsigned int)below(t, cfg.ndevs);

		req_init(t, &q, FASTMAP_CMD_ATTACH, NLM_F_REQUEST | NLM_F_ACK);
		add_str(&q, FASTMAP_A_DEVICE, cfg.dev[d]);
		add_str(&q, FASTMAP_A_NAME, name);
		add_u64(&q, FASTMAP_A_CACHE_BYTES,
			cache_ok[below(t, ARRAY_SIZE(cache_ok))]);
		if (pct(t, 40))
			add_u32(&q, FASTMAP_A_BATCH_PAGES, batch[below(t, ARRAY_SIZE(batch))]);
		if (pct(t, 30))
			add_u32(&q, FASTMAP_A_DIRTY_RATIO, 1 + (uint32_t)below(t, 100));
		if (pct(t, 30))
			add_u32(&q, FASTMAP_A_WB_INTERVAL_MS, wb[below(t, ARRAY_SIZE(wb))]);
		begin(t, "ATTACH %s %s", cfg.dev[d], name);
	} else if (x < 40) {
		req_init(t, &q, FASTMAP_CMD_DETACH, NLM_F_REQUEST | NLM_F_ACK);
		add_str(&q, FASTMAP_A_NAME, name);
		begin(t, "DETACH %s", name);
	} else if (x < 65) {
		req_init(t, &q, FASTMAP_CMD_SET, NLM_F_REQUEST | NLM_F_ACK);
		add_str(&q, FASTMAP_A_NAME, name);
		if (pct(t, 60))
			add_u64(&q, FASTMAP_A_CACHE_BYTES,
				cache_ok[below(t, ARRAY_SIZE(cache_ok))]);
		if (pct(t, 40))
			add_u32(&q, FASTMAP_A_BATCH_PAGES, batch[below(t, ARRAY_SIZE(batch))]);
		if (pct(t, 30))
			add_u32(&q, FASTMAP_A_DIRTY_RATIO, 1 + (uint32_t)below(t, 100));
		if (pct(t, 30) || q.nlh->nlmsg_len < 40)
			add_u32(&q, FASTMAP_A_WB_INTERVAL_MS, wb[below(t, ARRAY_SIZE(wb))]);
		begin(t, "SET %s", name);
	} else if (x < 80) {
		uint8_t cmd = pct(t, 50) ? FASTMAP_CMD_FILE_ADD : FASTMAP_CMD_FILE_DEL;

		req_init(t, &q, cmd, NLM_F_REQUEST | NLM_F_ACK);
		add_u32(&q, FASTMAP_A_FILE_DEV, (uint32_t)below(t, 3));
		add_u64(&q, FASTMAP_A_FILE_INO, below(t, 16));
		if (cmd == FASTMAP_CMD_FILE_ADD && pct(t, 50))
			add_str(&q, FASTMAP_A_FILE_PATH, "/fuzz/file");
		begin(t, "%s", cmd_names[cmd]);
	} else if (x < 90) {
		req_init(t, &q, FASTMAP_CMD_GET, NLM_F_REQUEST | NLM_F_ACK);
		add_str(&q, FASTMAP_A_NAME, name);
		begin(t, "GET %s", name);
	} else {
		uint8_t cmd = pct(t, 60) ? FASTMAP_CMD_GET : FASTMAP_CMD_FILE_GET;

		req_init(t, &q, cmd, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
		begin(t, "%s dump", cmd_names[cmd]);
	}
	q.valid_op = true;
	nl_run(t, &q, K_NL_VALID, &r);
	end(t);
}

/* ---- nodes: open/close, ioctls, I/O, mappings ----------------------------- */

static void slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void node_open(struct thr *t)
{
	struct slot *s = &t->fds[below(t, 2)];
	char path[64], name[8];
	struct fastmap_info info;
	bool control = pct(t, 15);
	int flags = pct(t, 85) ? O_RDWR : O_RDONLY;
	int fd;

	fz_name(t, name);
	snprintf(path, sizeof(path), "/dev/fastmap/%s", control ? "control" : name);
	begin(t, "open %s", path);
	t->n_kind[K_OPEN]++;
	slot_close(s);
	fd = open(path, flags | O_CLOEXEC);
	count_err(t, fd < 0 ? errno : 0);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
			oracle(t, "open %s: errno %d", path, errno);
		end(t);
		return;
	}
	s->fd = fd;
	s->control = control;
	s->size = 0;
	snprintf(s->name, sizeof(s->name), "%s", control ? "control" : name);
	if (!control) {
		memset(&info, 0, sizeof(info));
		if (ioctl(fd, FASTMAP_IOC_GET_INFO, &info))
			oracle(t, "GET_INFO on a fresh fd: errno %d", errno);
		else
			s->size = info.size_bytes;
	}
	end(t);
}

static void node_close(struct thr *t)
{
	struct slot *s = &t->fds[below(t, 2)];

	begin(t, "close %s", s->fd >= 0 ? s->name : "-");
	t->n_kind[K_CLOSE]++;
	slot_close(s);
	end(t);
}

enum ptr_class { PTR_OK, PTR_RO, PTR_BAD, PTR_ANY };

static void *pick_ptr(struct thr *t, void *good, size_t need, enum ptr_class *c)
{
	static const uint64_t kernelish[] = {
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xffffffffff600000ULL, 0xfffffffffffff000ULL, UINT64_MAX,
		0x8000000000000000ULL, 0x0000800000000000ULL,
		0x00007ffffffff000ULL,
	};

	switch (below(t, 10)) {
	case 0:
		*c = PTR_BAD;
		return NULL;
	case 1:		/* below mmap_min_addr, or a reserved PROT_NONE page */
		*c = PTR_BAD;
		return pct(t, 50) ? (void *)(uintptr_t)(PG + below(t, 8 * PG)) :
				    unmapped + below(t, PG);
	case 2:
		*c = PTR_RO;
		return ro_page + below(t, PG - need);
	case 3:
		*c = PTR_BAD;
		return (void *)(uintptr_t)kernelish[below(t, ARRAY_SIZE(kernelish))];
	case 4:		/* straddles into the guard page */
		*c = need > 1 ? PTR_BAD : PTR_OK;
		return guard_rw + PG - 1 - below(t, need > 1 ? need - 1 : 1);
	case 5:
		*c = PTR_BAD;
		return none_page + below(t, PG);
	case 6:
		*c = PTR_ANY;
		return (void *)(uintptr_t)(pct(t, 50) ? below(t, 65536) : rnd(t));
	default:
		*c = PTR_OK;
		return good;
	}
}

static void fill_range(struct thr *t, struct fastmap_range *rg, uint64_t size)
{
	uint64_t offs[] = { 0, size - 1, size, size + 1, below(t, size ? size : 1),
			    UINT64_MAX, UINT64_MAX - 4095, 1ULL << 63, rnd(t) };
	uint64_t lens[] = { 0, 1, PG, size, UINT64_MAX, UINT64_MAX - below(t, 8192),
			    below(t, 1 << 22), rnd(t) };

	rg->offset = offs[below(t, ARRAY_SIZE(offs))];
	rg->length = lens[below(t, ARRAY_SIZE(lens))];
	rg->flags = pct(t, 85) ? (uint32_t)below(t, 4) : pick_u32(t);
	rg->reserved = pct(t, 90) ? 0 : pick_u32(t);
}

static void ioctl_fuzz(struct thr *t)
{
	static const unsigned int known[] = {
		FASTMAP_IOC_GET_INFO, FASTMAP_IOC_GET_STATS, FASTMAP_IOC_SYNC_RANGE,
	};
	uint64_t buf[4096 / 8];
	struct slot *s = &t->fds[below(t, 2)];
	int fd = s->fd >= 0 ? s->fd : ctl_fd;
	bool control = s->fd >= 0 ? s->control : true;
	uint64_t size = s->size;
	unsigned int cmd, nr, dir, sz, i;
	enum ptr_class pc;
	size_t need;
	void *arg;
	int ret, e;

	if (pct(t, 50)) {
		cmd = known[below(t, 3)];
	} else {
		nr = pct(t, 60) ? 1 + (unsigned int)below(t, 3) :
				  (unsigned int)below(t, 256);
		dir = (unsigned int)below(t, 4);
		sz = pct(t, 50) ? (unsigned int)(pct(t, 50) ? sizeof(struct fastmap_info) :
			sizeof(struct fastmap_range)) :
			(unsigned int)below(t, 1 << _IOC_SIZEBITS);
		cmd = _IOC(dir, FASTMAP_IOC_MAGIC, nr, sz);
	}
	for (i = 0; i < ARRAY_SIZE(buf); i++)
		buf[i] = rnd(t);
	need = _IOC_SIZE(cmd) ? _IOC_SIZE(cmd) : 1;
	if (need > PG)
		need = PG;
	if (cmd == FASTMAP_IOC_SYNC_RANGE && pct(t, 70))
		fill_range(t, (struct fastmap_range *)buf, size);
	/* the read-only page holds zeros: a valid {0, 0, 0, 0} range */
	arg = pick_ptr(t, buf, need, &pc);
	begin(t, "ioctl %s 0x%x arg %p", s->fd >= 0 ? s->name : "control", cmd, arg);
	t->n_kind[control ? K_IOC_CTL : K_IOC_NODE]++;
	ret = ioctl(fd, cmd, arg);
	e = ret < 0 ? errno : 0;
	count_err(t, e);
	end(t);
	if (control) {
		if (ret >= 0)
			close(ret);	/* a FILE_OPEN that worked */
		if (cmd == FASTMAP_IOC_FILE_OPEN) {
			if (e && e != EFAULT && e != EINVAL && e != EBADF && e != ENOENT &&
			    e != EACCES && e != EOPNOTSUPP && e != EBUSY)
				oracle(t, "control FILE_OPEN: errno %d, not documented", e);
		} else if (e != ENOTTY) {
			oracle(t, "control node ioctl: errno %d, want ENOTTY", e);
		}
		return;
	}
	if (cmd != known[0] && cmd != known[1] && cmd != known[2]) {
		if (e != ENOTTY)
			oracle(t, "unknown ioctl 0x%x: errno %d, want ENOTTY", cmd, e);
		return;
	}
	if (pc == PTR_BAD || (pc == PTR_RO && cmd != FASTMAP_IOC_SYNC_RANGE)) {
		if (e != EFAULT)
			oracle(t, "ioctl 0x%x with a bad pointer: errno %d, want EFAULT",
			       cmd, e);
		return;
	}
	if (pc == PTR_ANY)
		return;
	if (cmd == FASTMAP_IOC_GET_INFO) {
		const struct fastmap_info *in = arg;

		if (e)
			oracle(t, "GET_INFO: errno %d", e);
		else if (in->page_size != PG || in->size_bytes != size ||
			 strncmp(in->name, s->name, FASTMAP_NAME_MAX) ||
			 in->cache_bytes < FASTMAP_CACHE_MIN ||
			 in->batch_pages < 1 || in->batch_pages > FASTMAP_BATCH_MAX ||
			 in->dirty_ratio < 1 || in->dirty_ratio > 100)
			oracle(t, "GET_INFO: page %u size %llu name %.32s cache %llu batch %u ratio %u",
			       in->page_size, (unsigned long long)in->size_bytes,
			       in->name, (unsigned long long)in->cache_bytes,
			       in->batch_pages, in->dirty_ratio);
	} else if (cmd == FASTMAP_IOC_GET_STATS) {
		const struct fastmap_stats *st = arg;

		if (e)
			oracle(t, "GET_STATS: errno %d", e);
		else if (st->cache_pages < FASTMAP_CACHE_MIN / PG)
			oracle(t, "GET_STATS: cache_pages %llu",
			       (unsigned long long)st->cache_pages);
	} else {
		struct fastmap_range rg;
		int want;

		memcpy(&rg, arg, sizeof(rg));
		if (rg.reserved || (rg.flags & ~FASTMAP_SYNC_ALL) ||
		    rg.offset >= size)
			want = EINVAL;
		else if (rg.length && rg.offset + rg.length < rg.offset)
			want = EOVERFLOW;
		else
			want = 0;
		if (e != want && !(want == 0 && (e == EIO || e == EINTR)))
			oracle(t, "SYNC_RANGE {%llu, %llu, 0x%x, %u}: errno %d, want %d",
			       (unsigned long long)rg.offset,
			       (unsigned long long)rg.length, rg.flags,
			       rg.reserved, e, want);
	}
}

static void node_rw(struct thr *t)
{
	struct slot *s = &t->fds[below(t, 2)];
	unsigned char buf[8192];
	uint64_t size = s->size, off;
	size_t n;
	ssize_t ret;
	int e;

	if (s->fd < 0 || s->control) {
		node_open(t);
		return;
	}
	{
		uint64_t offs[] = { 0, size - 1, size, size + 1, size - PG,
				    below(t, size), (uint64_t)INT64_MAX, PG - 1 };

		off = offs[below(t, ARRAY_SIZE(offs))];
	}
	n = pct(t, 10) ? 0 : 1 + below(t, sizeof(buf));
	t->n_kind[K_RW]++;
	switch (below(t, 6)) {
	case 0:
		begin(t, "pread %s %zu@%llu", s->name, n, (unsigned long long)off);
		ret = pread(s->fd, buf, n, (off_t)off);
		e = ret < 0 ? errno : 0;
		if (off >= size && ret != 0 && off + n <= INT64_MAX)
			oracle(t, "pread at %llu >= size %llu: %zd (errno %d)",
			       (unsigned long long)off, (unsigned long long)size, ret, e);
		break;
	case 1:
		begin(t, "pwrite %s %zu@%llu", s->name, n, (unsigned long long)off);
		memset(buf, (int)t->idx, n);
		ret = pwrite(s->fd, buf, n, (off_t)off);
		e = ret < 0 ? errno : 0;
		if (off >= size && off + n <= INT64_MAX && n &&
		    !(ret < 0 && (e == ENOSPC || e == EBADF)))
			oracle(t, "pwrite at %llu >= size %llu: %zd (errno %d), want ENOSPC",
			       (unsigned long long)off, (unsigned long long)size, ret, e);
		break;
	case 2:
		begin(t, "pread %s into a bad buffer", s->name);
		ret = pread(s->fd, pct(t, 50) ? NULL : (void *)ro_page, n, 0);
		e = ret < 0 ? errno : 0;
		break;
	case 3:
		begin(t, "lseek %s SEEK_END", s->name);
		ret = lseek(s->fd, 0, SEEK_END);
		e = ret < 0 ? errno : 0;
		if (ret != (ssize_t)size)
			oracle(t, "SEEK_END -> %zd, want %llu", ret,
			       (unsigned long long)size);
		break;
	case 4:
		begin(t, "lseek %s random", s->name);
		ret = lseek(s->fd, (off_t)rnd(t), (int)below(t, 5));
		e = ret < 0 ? errno : 0;
		break;
	default:
		begin(t, "fsync %s", s->name);
		ret = pct(t, 50) ? fsync(s->fd) : fdatasync(s->fd);
		e = ret < 0 ? errno : 0;
		if (e && e != EIO && e != EINTR)
			oracle(t, "fsync: errno %d", e);
	}
	count_err(t, e);
	end(t);
}

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_jmp)
		siglongjmp(*bus_jmp, 1);
	abort();
}

/* Touch @n random pages of [p, p + len): reads and writes. */
static void touch(struct thr *t, unsigned char *p, size_t len, unsigned int n)
{
	sigjmp_buf jb;
	volatile unsigned int i;

	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		t->n_sigbus++;
		return;
	}
	bus_jmp = &jb;
	for (i = 0; i < n; i++) {
		volatile unsigned char *q = p + below(t, len / PG) * PG +
					    below(t, PG);

		if (pct(t, 50))
			*q = (unsigned char)i;
		else
			(void)*q;
	}
	bus_jmp = NULL;
}

static void drop_map(struct thr *t)
{
	if (t->map)
		munmap(t->map, t->map_len);
	t->map = NULL;
}

static void node_mmap(struct thr *t)
{
	struct slot *s = &t->fds[below(t, 2)];
	uint64_t pages, off, npg;
	unsigned char *p;
	int e;

	if (s->fd < 0 || s->control || s->size < PG) {
		node_open(t);
		return;
	}
	pages = s->size / PG;
	off = below(t, pages);
	npg = 1 + below(t, pages - off < 512 ? pages - off : 512);
	t->n_kind[K_MMAP]++;
	if (pct(t, 8)) {
		begin(t, "mmap %s MAP_PRIVATE", s->name);
		p = mmap(NULL, npg * PG, PROT_READ, MAP_PRIVATE, s->fd, (off_t)(off * PG));
		e = p == MAP_FAILED ? errno : 0;
		count_err(t, e);
		if (e != EINVAL)
			oracle(t, "MAP_PRIVATE: errno %d, want EINVAL", e);
		if (p != MAP_FAILED)
			munmap(p, npg * PG);
		end(t);
		return;
	}
	begin(t, "mmap %s %llu pages at %llu", s->name, (unsigned long long)npg,
	      (unsigned long long)off);
	p = mmap(NULL, npg * PG, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		 (off_t)(off * PG));
	e = p == MAP_FAILED ? errno : 0;
	count_err(t, e);
	if (p == MAP_FAILED) {
		if (e != EACCES && e != ENOMEM)	/* EACCES: O_RDONLY descriptor */
			oracle(t, "mmap MAP_SHARED: errno %d", e);
		end(t);
		return;
	}
	touch(t, p, npg * PG, 1 + (unsigned int)below(t, 64));
	if (pct(t, 20))
		msync(p, npg * PG, pct(t, 50) ? MS_SYNC : MS_ASYNC);
	if (pct(t, 10))
		madvise(p, npg * PG, MADV_DONTNEED);
	if (pct(t, 5)) {
		void *q = mremap(p, npg * PG, (npg + 1) * PG, MREMAP_MAYMOVE);

		if (q != MAP_FAILED) {
			oracle(t, "growing mremap succeeded");
			p = q;
			npg++;
		} else if (errno != EFAULT) {
			oracle(t, "growing mremap: errno %d, want EFAULT", errno);
		}
	}
	if (pct(t, 50)) {	/* keep it: faults later, while SET resizes */
		drop_map(t);
		t->map = p;
		t->map_len = npg * PG;
	} else {
		munmap(p, npg * PG);
	}
	end(t);
}

static void map_touch(struct thr *t)
{
	if (!t->map) {
		node_mmap(t);
		return;
	}
	begin(t, "fault on a kept mapping of %zu bytes", t->map_len);
	t->n_kind[K_TOUCH]++;
	touch(t, t->map, t->map_len, 1 + (unsigned int)below(t, 256));
	if (pct(t, 10))
		drop_map(t);
	end(t);
}

/* ---- threads -------------------------------------------------------------- */

static bool take_call(void)
{
	if (atomic_load(&stopping))
		return false;
	return atomic_fetch_add(&calls_taken, 1) < cfg.calls;
}

static void *worker(void *arg)
{
	struct thr *t = arg;
	unsigned int i;

	for (i = 0; i < 2; i++)
		t->fds[i].fd = -1;
	t->nl = nl_socket(0);
	if (t->nl < 0) {
		fprintf(stderr, "fm_fuzz: thread %u: netlink socket: %s\n", t->idx,
			strerror(errno));
		atomic_fetch_add(&oracle_fails, 1);
		return NULL;
	}
	while (take_call()) {
		unsigned int x = (unsigned int)below(t, 100);

		if (t->unpriv || x < 42)
			nl_fuzz(t);
		else if (x < 56)
			nl_valid(t);
		else if (x < 72)
			ioctl_fuzz(t);
		else if (x < 79)
			node_open(t);
		else if (x < 81)
			node_close(t);
		else if (x < 88)
			node_mmap(t);
		else if (x < 94)
			map_touch(t);
		else
			node_rw(t);
	}
	drop_map(t);
	for (i = 0; i < 2; i++)
		slot_close(&t->fds[i]);
	close(t->nl);
	return NULL;
}

/* The events multicast group: every event has a known type and a name. */
static void *event_listener(void *arg)
{
	struct thr *t = arg;
	int fd = nl_socket((int)fm_mcgrp);

	if (fd < 0) {
		fprintf(stderr, "fm_fuzz: events socket: %s\n", strerror(errno));
		return NULL;
	}
	snprintf(t->what, sizeof(t->what), "events listener");
	while (!atomic_load(&stopping)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		const unsigned char *p;
		size_t left;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(fd, t->rbuf, sizeof(t->rbuf), MSG_DONTWAIT);
		if (n < 0)
			continue;	/* ENOBUFS: the group overran us */
		p = (const unsigned char *)t->rbuf;
		left = n;
		while (left >= NLMSG_HDRLEN) {
			const struct nlmsghdr *nlh = (const void *)p;
			const struct genlmsghdr *g = NLMSG_DATA(nlh);
			const struct nlattr *ev, *nm;
			const void *attrs;
			size_t len;
			uint64_t v = 0;

			if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > left)
				break;
			attrs = genl_attrs(nlh, &len);
			t->n_events++;
			ev = attrs ? nla_find(attrs, len, FASTMAP_A_EVENT) : NULL;
			nm = attrs ? nla_find(attrs, len, FASTMAP_A_NAME) : NULL;
			if (nlh->nlmsg_type != fm_family || !attrs ||
			    g->cmd != FASTMAP_CMD_EVENT || !get_uint(ev, &v) ||
			    v < FASTMAP_EVENT_ATTACHED ||
			    v > FASTMAP_EVENT_CACHE_PRESSURE || !nm)
				oracle(t, "malformed event (type %u cmd %u event %llu)",
				       nlh->nlmsg_type, g->cmd, (unsigned long long)v);
			if (NLMSG_ALIGN(nlh->nlmsg_len) >= left)
				break;
			p += NLMSG_ALIGN(nlh->nlmsg_len);
			left -= NLMSG_ALIGN(nlh->nlmsg_len);
		}
	}
	close(fd);
	return NULL;
}

static void *watchdog(void *arg)
{
	unsigned int i;

	(void)arg;
	while (!atomic_load(&stopping)) {
		long long now = now_ms();

		for (i = 0; i < cfg.threads; i++) {
			long long st = atomic_load(&thr[i]->op_start_ms);

			if (st && now - st > (long long)cfg.stall * 1000) {
				printf("ORACLE: fm_fuzz: thread %u stuck for %lld s in [%s] (seed %llu): the module hangs\n",
				       i, (now - st) / 1000, thr[i]->what,
				       (unsigned long long)cfg.seed);
				fflush(stdout);
				_exit(3);
			}
		}
		sleep(1);
	}
	return NULL;
}

/* ---- the unprivileged child ------------------------------------------------ */

static int run_unpriv(void)
{
	struct thr *t = calloc(1, sizeof(*t));
	struct result r;
	unsigned long i;
	int fd;

	if (!t)
		return 2;
	prog_role = "fm_fuzz(unpriv)";
	t->idx = 99;
	t->unpriv = true;
	t->rng = cfg.seed ^ 0x5555555555555555ULL;
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534)) {
		perror("fm_fuzz: drop privileges");
		return 2;
	}
	t->nl = nl_socket(0);
	if (t->nl < 0)
		return 2;
	for (i = 0; i < cfg.unpriv; i++) {
		struct req q;

		fill_fuzz(t, &q);
		begin(t, "unprivileged netlink cmd %u flags 0x%x", q.cmd,
		      q.nlh->nlmsg_flags);
		nl_run(t, &q, K_NL_FUZZ, &r);
		end(t);
	}
	/*
	 * The control node is 0666 (per-file mode): anyone may open it, and its
	 * FILE_OPEN only serves what the caller's own fd allows.
	 */
	fd = open("/dev/fastmap/control", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		oracle(t, "unprivileged open of /dev/fastmap/control: errno %d",
		       errno);
	} else {
		struct fastmap_file_open fo = { .fd = fd };
		int ret = ioctl(fd, FASTMAP_IOC_FILE_OPEN, &fo);

		if (ret >= 0 || errno != EINVAL)
			oracle(t, "unprivileged FILE_OPEN of a character device: %d/%d, want EINVAL",
			       ret, ret < 0 ? errno : 0);
		if (ret >= 0)
			close(ret);
		close(fd);
	}
	printf("# fm_fuzz(unpriv): %lu calls, %u oracle failures\n", cfg.unpriv,
	       atomic_load(&oracle_fails));
	return atomic_load(&oracle_fails) ? 1 : 0;
}

/* ---- cleanup and summary --------------------------------------------------- */

struct names {
	unsigned int n;
	char name[64][FASTMAP_NAME_MAX];
};

static void collect_name(struct thr *t, const struct nlmsghdr *nlh, void *arg)
{
	struct names *ns = arg;
	size_t len;
	const void *attrs = genl_attrs(nlh, &len);
	const struct nlattr *a = attrs ? nla_find(attrs, len, FASTMAP_A_NAME) : NULL;

	(void)t;
	if (a && ns->n < 64)
		get_str(a, ns->name[ns->n++], FASTMAP_NAME_MAX);
}

struct files {
	unsigned int n;
	uint32_t dev[4096];
	uint64_t ino[4096];
};

static void collect_file(struct thr *t, const struct nlmsghdr *nlh, void *arg)
{
	struct files *fs = arg;
	size_t len;
	const void *attrs = genl_attrs(nlh, &len);
	uint64_t d, i;

	(void)t;
	if (attrs && fs->n < 4096 &&
	    get_uint(nla_find(attrs, len, FASTMAP_A_FILE_DEV), &d) &&
	    get_uint(nla_find(attrs, len, FASTMAP_A_FILE_INO), &i)) {
		fs->dev[fs->n] = (uint32_t)d;
		fs->ino[fs->n++] = i;
	}
}

static void dump(struct thr *t, uint8_t cmd, data_fn fn, void *arg,
		 struct result *r)
{
	struct req q;

	req_init(t, &q, cmd, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	nl_xfer(t, q.buf, q.nlh->nlmsg_len, q.nlh->nlmsg_seq, true, r, fn, arg);
}

/* Detach every instance, empty the file table; the dump must then be empty. */
static void cleanup(struct thr *t)
{
	static struct names ns;
	static struct files fs;
	struct result r;
	unsigned int i, round;
	struct req q;

	snprintf(t->what, sizeof(t->what), "final cleanup");
	for (round = 0; round < 20; round++) {
		memset(&ns, 0, sizeof(ns));
		dump(t, FASTMAP_CMD_GET, collect_name, &ns, &r);
		if (r.err) {
			oracle(t, "GET dump: errno %d", r.err);
			return;
		}
		if (!ns.n)
			break;
		for (i = 0; i < ns.n; i++) {
			req_init(t, &q, FASTMAP_CMD_DETACH, NLM_F_REQUEST | NLM_F_ACK);
			add_str(&q, FASTMAP_A_NAME, ns.name[i]);
			nl_xfer(t, q.buf, q.nlh->nlmsg_len, q.nlh->nlmsg_seq, true,
				&r, NULL, NULL);
			printf("# cleanup: detach %s -> %d%s%s\n", ns.name[i], r.err,
			       r.msg[0] ? " " : "", r.msg);
		}
		usleep(200 * 1000);
	}
	if (ns.n)
		oracle(t, "%u instance(s) left after cleanup (first \"%s\")", ns.n,
		       ns.name[0]);
	memset(&fs, 0, sizeof(fs));
	dump(t, FASTMAP_CMD_FILE_GET, collect_file, &fs, &r);
	if (r.err)
		oracle(t, "FILE_GET dump: errno %d", r.err);
	for (i = 0; i < fs.n; i++) {
		req_init(t, &q, FASTMAP_CMD_FILE_DEL, NLM_F_REQUEST | NLM_F_ACK);
		add_u32(&q, FASTMAP_A_FILE_DEV, fs.dev[i]);
		add_u64(&q, FASTMAP_A_FILE_INO, fs.ino[i]);
		nl_xfer(t, q.buf, q.nlh->nlmsg_len, q.nlh->nlmsg_seq, true, &r,
			NULL, NULL);
		if (r.err)
			oracle(t, "FILE_DEL of a listed entry: errno %d", r.err);
	}
	printf("# cleanup: %u enabled file(s) removed\n", fs.n);
}

static const char *errname(int e)
{
	static const struct { int e; const char *n; } tab[] = {
		{ 0, "ok" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { ENOTBLK, "ENOTBLK" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
		{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
		{ ERANGE, "ERANGE" }, { EMSGSIZE, "EMSGSIZE" }, { EPROTO, "EPROTO" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EOVERFLOW, "EOVERFLOW" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { ENOBUFS, "ENOBUFS" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { ELOOP, "ELOOP" },
		{ ENODATA, "ENODATA" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		if (tab[i].e == e)
			return tab[i].n;
	return NULL;
}

static void summary(double secs)
{
	unsigned long cmd[CMD_SLOTS] = { 0 }, cmd_ok[CMD_SLOTS] = { 0 };
	unsigned long kind[K_NR] = { 0 };
	unsigned long err[ERR_SLOTS] = { 0 }, total = 0, sigbus = 0;
	unsigned int i, j;

	for (i = 0; i < cfg.threads; i++) {
		for (j = 0; j < CMD_SLOTS; j++) {
			cmd[j] += thr[i]->n_cmd[j];
			cmd_ok[j] += thr[i]->n_cmd_ok[j];
		}
		for (j = 0; j < K_NR; j++)
			kind[j] += thr[i]->n_kind[j];
		for (j = 0; j < ERR_SLOTS; j++)
			err[j] += thr[i]->n_err[j];
		total += thr[i]->n_calls;
		sigbus += thr[i]->n_sigbus;
	}
	printf("fm_fuzz: seed %llu, %u threads, %lu calls in %.1f s: %.0f calls/s\n",
	       (unsigned long long)cfg.seed, cfg.threads, total, secs,
	       secs > 0 ? total / secs : 0.0);
	printf("fm_fuzz: netlink commands:");
	for (j = 0; j < CMD_SLOTS; j++)
		printf(" %s=%lu", cmd_names[j], cmd[j]);
	printf("\nfm_fuzz: netlink successes:");
	for (j = 1; j < FASTMAP_CMD_EVENT; j++)
		printf(" %s=%lu", cmd_names[j], cmd_ok[j]);
	printf("\nfm_fuzz: calls by kind:");
	for (j = 0; j < K_NR; j++)
		printf(" %s=%lu", kind_names[j], kind[j]);
	printf("\nfm_fuzz: events received=%lu, SIGBUS on mappings=%lu\n",
	       listener.n_events, sigbus);
	printf("fm_fuzz: errno histogram:");
	for (j = 0; j < ERR_SLOTS; j++) {
		const char *n = errname((int)j);

		if (!err[j])
			continue;
		if (j == ERR_SLOTS - 1)
			printf(" other=%lu", err[j]);
		else if (n)
			printf(" %s=%lu", n, err[j]);
		else
			printf(" %u=%lu", j, err[j]);
	}
	printf("\n");
}

/* ---- deterministic cases ---------------------------------------------------- */

static int usage(void);

struct race_arg {
	struct thr *t;
	pthread_barrier_t *bar;
	const char *name;
	uint8_t cmd;		/* DETACH or SET */
	struct result r;
};

static void *race_detach(void *arg)
{
	struct race_arg *ra = arg;
	struct req q;

	req_init(ra->t, &q, ra->cmd, NLM_F_REQUEST | NLM_F_ACK);
	add_str(&q, FASTMAP_A_NAME, ra->name);
	if (ra->cmd == FASTMAP_CMD_SET)
		add_u32(&q, FASTMAP_A_BATCH_PAGES, 64);
	pthread_barrier_wait(ra->bar);
	nl_xfer(ra->t, q.buf, q.nlh->nlmsg_len, q.nlh->nlmsg_seq, true, &ra->r,
		NULL, NULL);
	return NULL;
}

/*
 * --case detach-race: two DETACHes of the same instance at once, with dirty
 * cache so that the first one spends a while tearing down. Exactly one may
 * succeed; the other must fail (ENOENT, or EBUSY) without touching the
 * instance the first one is tearing down.
 * --case set-detach-race: a DETACH and a SET at once: the SET is done before
 * (both 0), holds the instance (DETACH: EBUSY) or comes too late (ENOENT).
 */
static int case_detach_race(unsigned int rounds, uint8_t other)
{
	static const char name[] = "fzrace";
	static unsigned char page[1 << 16];
	struct race_arg ra[2];
	pthread_barrier_t bar;
	pthread_t tid[2];
	struct thr *t;
	struct req q;
	struct result r;
	unsigned int i, k, ok_n, bad = 0;
	int fd;

	if (!cfg.ndevs)
		return usage();
	memset(page, 0xa5, sizeof(page));
	for (i = 0; i < rounds; i++) {
		t = thr[0];
		req_init(t, &q, FASTMAP_CMD_ATTACH, NLM_F_REQUEST | NLM_F_ACK);
		add_str(&q, FASTMAP_A_DEVICE, cfg.dev[0]);
		add_str(&q, FASTMAP_A_NAME, name);
		add_u64(&q, FASTMAP_A_CACHE_BYTES, 64 << 20);
		add_u32(&q, FASTMAP_A_DIRTY_RATIO, 100);
		add_u32(&q, FASTMAP_A_WB_INTERVAL_MS, 0);
		nl_xfer(t, q.buf, q.nlh->nlmsg_len, q.nlh->nlmsg_seq, true, &r,
			NULL, NULL);
		if (r.err) {
			fprintf(stderr, "fm_fuzz: detach-race: attach %s: %s (%s)\n",
				cfg.dev[0], strerror(r.err), r.msg);
			return 2;
		}
		fd = -1;
		for (k = 0; k < 50 && fd < 0; k++) {
			fd = open("/dev/fastmap/fzrace", O_RDWR | O_CLOEXEC);
			if (fd < 0)
				usleep(20000);
		}
		if (fd < 0) {
			perror("fm_fuzz: detach-race: open /dev/fastmap/fzrace");
			return 2;
		}
		/* populate the cache: the detach walks it (close writes back) */
		for (k = 0; k < 128; k++)
			if (pwrite(fd, page, sizeof(page), (off_t)k * sizeof(page)) < 0)
				break;
		close(fd);
		pthread_barrier_init(&bar, NULL, 2);
		for (k = 0; k < 2; k++) {
			memset(&ra[k], 0, sizeof(ra[k]));
			ra[k].t = thr[k];
			ra[k].bar = &bar;
			ra[k].name = name;
			ra[k].cmd = k ? other : FASTMAP_CMD_DETACH;
			pthread_create(&tid[k], NULL, race_detach, &ra[k]);
		}
		for (k = 0; k < 2; k++)
			pthread_join(tid[k], NULL);
		pthread_barrier_destroy(&bar);
		ok_n = !ra[0].r.err + !ra[1].r.err;
		if (other == FASTMAP_CMD_SET) {
			/* D=0 with S=0 (SET done first) or ENOENT; or D=EBUSY, S=0 */
			if ((ra[1].r.err && ra[1].r.err != ENOENT) ||
			    (ra[0].r.err && ra[0].r.err != EBUSY) ||
			    (ra[0].r.err == EBUSY && ra[1].r.err)) {
				printf("ORACLE: set-detach-race round %u: DETACH %d \"%s\", SET %d \"%s\"\n",
				       i, ra[0].r.err, ra[0].r.msg, ra[1].r.err,
				       ra[1].r.msg);
				bad++;
			}
		} else if (ok_n != 1 ||
		    (ra[0].r.err && ra[0].r.err != ENOENT && ra[0].r.err != EBUSY) ||
		    (ra[1].r.err && ra[1].r.err != ENOENT && ra[1].r.err != EBUSY)) {
			printf("ORACLE: detach-race round %u: DETACH results %d \"%s\" and %d \"%s\" (want one 0, one ENOENT/EBUSY)\n",
			       i, ra[0].r.err, ra[0].r.msg, ra[1].r.err, ra[1].r.msg);
			bad++;
		}
		/* an EBUSY loser leaves nothing; make sure it is gone */
		req_init(t, &q, FASTMAP_CMD_DETACH, NLM_F_REQUEST | NLM_F_ACK);
		add_str(&q, FASTMAP_A_NAME, name);
		nl_xfer(t, q.buf, q.nlh->nlmsg_len, q.nlh->nlmsg_seq, true, &r,
			NULL, NULL);
	}
	printf("fm_fuzz: %s: %u rounds, %u bad\n",
	       other == FASTMAP_CMD_SET ? "set-detach-race" : "detach-race",
	       rounds, bad);
	return bad ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------ */

static int usage(void)
{
	fprintf(stderr,
		"usage: fm_fuzz --seed S --calls N [--threads T] [--dev BLOCKDEV]...\n"
		"               [--unpriv N] [--max-seconds SEC] [--stall SEC] [--verbose]\n"
		"       fm_fuzz --case detach-race|set-detach-race [--calls ROUNDS] --dev BLOCKDEV\n");
	return 2;
}

static bool parse_num(const char *s, unsigned long long *v)
{
	char *e;

	errno = 0;
	*v = strtoull(s, &e, 0);
	return !errno && e != s && !*e;
}

static int setup_pages(void)
{
	unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, 4 * PG);
	ro_page = p;
	guard_rw = p + PG;
	none_page = p + 2 * PG;
	unmapped = p + 3 * PG;
	/* (not munmap()ed: a later mmap could reuse the hole) */
	if (mprotect(ro_page, PG, PROT_READ) ||
	    mprotect(none_page, PG, PROT_NONE) ||
	    mprotect(unmapped, PG, PROT_NONE))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	pthread_t wd, lt;
	struct sysinfo si;
	struct thr *t0;
	long long t_start;
	pid_t child = -1;
	int i, status = 0, err;
	unsigned long long v;
	const char *test_case = NULL;
	unsigned int k;
	double secs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--verbose")) {
			cfg.verbose = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(a, "--case")) {
			test_case = argv[++i];
			continue;
		}
		if (!strcmp(a, "--dev")) {
			if (cfg.ndevs == MAX_DEVS)
				return usage();
			cfg.dev[cfg.ndevs++] = argv[++i];
			continue;
		}
		if (!parse_num(argv[++i], &v))
			return usage();
		if (!strcmp(a, "--seed"))
			cfg.seed = v;
		else if (!strcmp(a, "--calls"))
			cfg.calls = v;
		else if (!strcmp(a, "--threads") && v >= 1 && v <= MAX_THREADS)
			cfg.threads = (unsigned int)v;
		else if (!strcmp(a, "--unpriv"))
			cfg.unpriv = v;
		else if (!strcmp(a, "--max-seconds"))
			cfg.max_seconds = (unsigned int)v;
		else if (!strcmp(a, "--stall") && v >= 1)
			cfg.stall = (unsigned int)v;
		else
			return usage();
	}
	for (k = 0; k < cfg.ndevs; k++) {
		struct stat st;

		if (stat(cfg.dev[k], &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "fm_fuzz: %s is not a block device\n", cfg.dev[k]);
			return 2;
		}
		cfg.rdev[k] = st.st_rdev;
	}
	if (sysinfo(&si))
		return 2;
	half_ram_pages = (uint64_t)si.totalram * si.mem_unit / PG / 2;
	if (setup_pages()) {
		perror("fm_fuzz: mmap");
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);

	t0 = calloc(1, sizeof(*t0));
	if (!t0)
		return 2;
	t0->nl = nl_socket(0);
	err = t0->nl < 0 ? errno : resolve_family(t0);
	if (err) {
		fprintf(stderr, "fm_fuzz: no generic netlink family \"%s\" (%s): is fastmap.ko loaded?\n",
			FASTMAP_GENL_NAME, strerror(err));
		return 2;
	}
	ctl_fd = open("/dev/fastmap/control", O_RDONLY | O_CLOEXEC);
	if (ctl_fd < 0) {
		perror("fm_fuzz: /dev/fastmap/control");
		return 2;
	}
	if (test_case) {
		for (k = 0; k < 2; k++) {
			thr[k] = calloc(1, sizeof(struct thr));
			if (!thr[k])
				return 2;
			thr[k]->idx = k;
			thr[k]->nl = nl_socket(0);
			if (thr[k]->nl < 0)
				return 2;
		}
		k = cfg.calls < 1000 ? (unsigned int)cfg.calls : 1000;
		if (!strcmp(test_case, "detach-race"))
			return case_detach_race(k, FASTMAP_CMD_DETACH);
		if (!strcmp(test_case, "set-detach-race"))
			return case_detach_race(k, FASTMAP_CMD_SET);
		return usage();
	}
	printf("# fm_fuzz: seed %llu, %lu calls, %u threads, family %u, events group %u, %u devices, RAM/2 %llu pages\n",
	       (unsigned long long)cfg.seed, cfg.calls, cfg.threads, fm_family,
	       fm_mcgrp, cfg.ndevs, (unsigned long long)half_ram_pages);

	if (cfg.unpriv) {
		fflush(stdout);
		child = fork();
		if (child == 0)
			_exit(run_unpriv());
	}
	t_start = now_ms();
	for (k = 0; k < cfg.threads; k++) {
		thr[k] = calloc(1, sizeof(struct thr));
		if (!thr[k])
			return 2;
		thr[k]->idx = k;
		thr[k]->rng = cfg.seed * 0x2545f4914f6cdd1dULL + k * 0x9e3779b97f4a7c15ULL + 1;
	}
	listener.idx = 100;
	if (fm_mcgrp)
		pthread_create(&lt, NULL, event_listener, &listener);
	pthread_create(&wd, NULL, watchdog, NULL);
	for (k = 0; k < cfg.threads; k++)
		pthread_create(&thr[k]->tid, NULL, worker, thr[k]);
	if (cfg.max_seconds) {
		while (atomic_load(&calls_taken) < cfg.calls &&
		       now_ms() - t_start < cfg.max_seconds * 1000LL)
			usleep(100 * 1000);
		if (atomic_load(&calls_taken) < cfg.calls) {
			printf("# fm_fuzz: --max-seconds %u reached: stopping early\n",
			       cfg.max_seconds);
			atomic_store(&stopping, true);
		}
	}
	for (k = 0; k < cfg.threads; k++)
		pthread_join(thr[k]->tid, NULL);
	secs = (now_ms() - t_start) / 1000.0;
	atomic_store(&stopping, true);
	pthread_join(wd, NULL);
	if (fm_mcgrp)
		pthread_join(lt, NULL);
	t0->idx = 98;
	cleanup(t0);
	if (child > 0) {
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			printf("ORACLE: fm_fuzz: the unprivileged child failed (status 0x%x)\n",
			       status);
			atomic_fetch_add(&oracle_fails, 1);
		}
	}
	summary(secs);
	printf("fm_fuzz: %u oracle failure(s)\n", atomic_load(&oracle_fails));
	return atomic_load(&oracle_fails) ? 1 : 0;
}
