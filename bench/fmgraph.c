// SPDX-License-Identifier: GPL-2.0-only
/*
 * fmgraph: graph analytics over a memory-mapped CSR graph, the application
 * benchmark of docs/benchmarks.md (the FastMap paper evaluates Ligra's BFS
 * and PageRank over mmap).
 *
 *   fmgraph gen PATH --vertices N --degree D [--seed S]
 *       write a directed graph in CSR form to PATH (a block device or file):
 *       4 KiB header, u64 offsets[N + 1], u32 edges[M], each part 4 KiB
 *       aligned. Out-degrees are skewed (1 .. 4D, mean D) and destinations
 *       follow a power law (a few hubs, a long tail), as in social graphs.
 *   fmgraph bfs PATH [--sources K] [--threads T]
 *       K breadth-first searches from vertices spread over the graph; T
 *       threads expand each frontier level (top-down, atomic claims).
 *   fmgraph pagerank PATH [--iters I] [--threads T]
 *       I push-style PageRank iterations (every edge read once per iteration).
 *
 * The graph is read through a MAP_SHARED mapping of PATH (a raw block
 * device for stock Linux mmap, /dev/fastmap/NAME for fastmap); vertex arrays
 * live in anonymous memory. Prints one JSON line: app, seconds, edges
 * traversed, million traversed edges per second, and a checksum of the
 * result (equal between runs on the same graph: both systems must compute
 * the same answer).
 *
 * --random: madvise(MADV_RANDOM) on the mapping (stock mmap then reads only
 * the faulting page instead of reading around it; fastmap never reads ahead).
 * --seconds S bounds a run: work stops at the deadline, the line then says
 * "complete": false and the rate (mteps) is over the edges traversed so far;
 * the checksum is only meaningful for complete runs. Under a tight memory
 * limit stock mmap can be slower by orders of magnitude (refault storms), so
 * a benchmark needs the bound to finish at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define MAGIC		"FMGRAPH1"
#define HDR		4096UL
#define ALIGN(x)	(((x) + 4095UL) & ~4095UL)
#define MAX_THREADS	64


struct hdr {
	char magic[8];
	uint64_t n, m, off_pos, edge_pos, seed;
};

struct graph {
	uint64_t n, m;
	const uint64_t *off;
	const uint32_t *edge;
	void *map;
	size_t map_len;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "fmgraph: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "%s%s\n", errno ? ": " : "", errno ? strerror(errno) : "");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double deadline;		/* 0: none */
static int advise_random;	/* --random: madvise(MADV_RANDOM) the mapping */
static atomic_int expired;

static int past_deadline(void)
{
	if (atomic_load_explicit(&expired, memory_order_relaxed))
		return 1;
	if (deadline && now() > deadline) {
		atomic_store(&expired, 1);
		return 1;
	}
	return 0;
}

static uint64_t rng(uint64_t *s)	/* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Power-law destination: u^3 concentrates on low ids; then scatter the ids. */
static uint32_t dest(uint64_t *s, uint64_t n)
{
	double u = (double)(rng(s) >> 11) / (double)(1ULL << 53);
	uint64_t r = (uint64_t)(u * u * u * (double)n);

	return (uint32_t)((r * 2654435761ULL) % n);
}

static uint64_t dev_size(int fd)
{
	struct stat st;
	uint64_t b = 0;

	if (fstat(fd, &st))
		return 0;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, &b) ? 0 : b;
	return (uint64_t)st.st_size;
}

static int is_blk(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISBLK(st.st_mode);
}

static void xpwrite(int fd, const void *buf, size_t len, uint64_t pos)
{
	const char *p = buf;

	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)pos);

		if (w <= 0)
			die("write %s failed", "graph");
		p += w;
		len -= (size_t)w;
		pos += (uint64_t)w;
	}
}

static int cmd_gen(const char *path, uint64_t n, uint64_t d, uint64_t seed)
{
	uint64_t *off, m = 0, s = seed, i, cap;
	uint32_t *buf;
	struct hdr h = { .n = n, .seed = seed };
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	double t0 = now();

	if (fd < 0)
		die("cannot open %s", path);
	if (!n || n > UINT32_MAX || !d)
		die("bad %s", "--vertices/--degree");
	off = malloc((n + 1) * sizeof(*off));
	if (!off)
		die("%s", "out of memory");
	for (i = 0; i < n; i++) {	/* degrees 1..4d-3, mean ~d, skewed */
		double u = (double)(rng(&s) >> 11) / (double)(1ULL << 53);

		off[i] = m;
		m += 1 + (uint64_t)(u * u * u * 4.0 * (double)(d - 1));
	}
	off[n] = m;
	memcpy(h.magic, MAGIC, 8);
	h.m = m;
	h.off_pos = HDR;
	h.edge_pos = ALIGN(HDR + (n + 1) * sizeof(*off));
	cap = dev_size(fd);
	if (is_blk(fd) && cap < h.edge_pos + m * 4) {
		fprintf(stderr, "fmgraph: %s holds %" PRIu64 " bytes, the graph needs %" PRIu64 "\n",
			path, cap, h.edge_pos + m * 4);
		return 2;
	}
	xpwrite(fd, &h, sizeof(h), 0);
	xpwrite(fd, off, (n + 1) * sizeof(*off), HDR);
	buf = malloc(1 << 22);
	if (!buf)
		die("%s", "out of memory");
	s = seed ^ 0x5eed;
	for (i = 0; i < m;) {
		uint64_t k, chunk = m - i < (1 << 20) ? m - i : (1 << 20);

		for (k = 0; k < chunk; k++)
			buf[k] = dest(&s, n);
		xpwrite(fd, buf, chunk * 4, h.edge_pos + i * 4);
		i += chunk;
	}
	if (fsync(fd))
		die("fsync %s", path);
	close(fd);
	printf("{\"app\": \"gen\", \"vertices\": %" PRIu64 ", \"edges\": %" PRIu64
	       ", \"bytes\": %" PRIu64 ", \"seconds\": %.3f}\n",
	       n, m, h.edge_pos + m * 4, now() - t0);
	free(buf);
	free(off);
	return 0;
}

static void open_graph(const char *path, struct graph *g)
{
	int fd = open(path, O_RDONLY);
	struct hdr h;
	uint64_t len;

	if (fd < 0)
		die("cannot open %s", path);
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || memcmp(h.magic, MAGIC, 8))
		die("%s holds no fmgraph graph (run fmgraph gen)", path);
	len = h.edge_pos + h.m * 4;
	g->map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (g->map == MAP_FAILED)
		die("cannot map %s", path);
	close(fd);
	/* Stock mmap reads around each miss; MADV_RANDOM turns that off. */
	if (advise_random && madvise(g->map, len, MADV_RANDOM))
		die("madvise %s", path);
	g->map_len = len;
	g->n = h.n;
	g->m = h.m;
	g->off = (const uint64_t *)((char *)g->map + h.off_pos);
	g->edge = (const uint32_t *)((char *)g->map + h.edge_pos);
}

/* ---- BFS ------------------------------------------------------------------ */

struct bfs {
	const struct graph *g;
	_Atomic int32_t *level;
	uint32_t *cur, *next;
	atomic_uint_fast64_t ncur, nnext, edges;
	int32_t depth;
	unsigned int nthreads;
	pthread_barrier_t bar;
	atomic_int done;
};

struct bfs_arg {
	struct bfs *b;
	unsigned int id;
};

static void *bfs_worker(void *p)
{
	struct bfs_arg *a = p;
	struct bfs *b = a->b;
	const struct graph *g = b->g;

	for (;;) {
		uint64_t i, ncur, edges = 0;

		pthread_barrier_wait(&b->bar);
		if (atomic_load(&b->done))
			return NULL;
		ncur = atomic_load(&b->ncur);
		for (i = a->id; i < ncur; i += b->nthreads) {
			uint32_t u = b->cur[i];
			uint64_t e;

			if ((i & 255) == a->id && past_deadline())
				break;
			for (e = g->off[u]; e < g->off[u + 1]; e++) {
				uint32_t v = g->edge[e];
				int32_t unseen = -1;

				edges++;
				if (atomic_load_explicit(&b->level[v], memory_order_relaxed) == -1 &&
				    atomic_compare_exchange_strong(&b->level[v], &unseen,
								   b->depth + 1))
					b->next[atomic_fetch_add(&b->nnext, 1)] = v;
			}
		}
		atomic_fetch_add(&b->edges, edges);
		pthread_barrier_wait(&b->bar);
	}
}

static int cmd_bfs(const char *path, unsigned int sources, unsigned int nthreads)
{
	struct graph g;
	struct bfs b = { .g = &g, .nthreads = nthreads };
	struct bfs_arg args[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	uint64_t reached = 0, check = 0, i;
	unsigned int s, t;
	double t0;

	open_graph(path, &g);
	b.level = malloc(g.n * sizeof(*b.level));
	b.cur = malloc(g.n * sizeof(*b.cur));
	b.next = malloc(g.n * sizeof(*b.next));
	if (!b.level || !b.cur || !b.next)
		die("%s", "out of memory");
	pthread_barrier_init(&b.bar, NULL, nthreads + 1);
	for (t = 0; t < nthreads; t++) {
		args[t] = (struct bfs_arg){ .b = &b, .id = t };
		pthread_create(&th[t], NULL, bfs_worker, &args[t]);
	}
	t0 = now();
	for (s = 0; s < sources && !past_deadline(); s++) {
		uint32_t src = (uint32_t)(((uint64_t)s * 2654435761ULL + 1) % g.n);

		for (i = 0; i < g.n; i++)
			atomic_store_explicit(&b.level[i], -1, memory_order_relaxed);
		b.level[src] = 0;
		b.cur[0] = src;
		atomic_store(&b.ncur, 1);
		b.depth = 0;
		while (atomic_load(&b.ncur) && !past_deadline()) {
			uint32_t *tmp;

			atomic_store(&b.nnext, 0);
			pthread_barrier_wait(&b.bar);	/* expand */
			pthread_barrier_wait(&b.bar);	/* level done */
			tmp = b.cur;
			b.cur = b.next;
			b.next = tmp;
			atomic_store(&b.ncur, atomic_load(&b.nnext));
			b.depth++;
		}
		for (i = 0; i < g.n; i++)
			if (b.level[i] >= 0) {
				reached++;
				check += (uint64_t)b.level[i] * (i % 7 + 1);
			}
	}
	t0 = now() - t0;
	atomic_store(&b.done, 1);
	pthread_barrier_wait(&b.bar);
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	printf("{\"app\": \"bfs\", \"sources\": %u, \"threads\": %u, \"seconds\": %.3f, "
	       "\"edges\": %" PRIu64 ", \"mteps\": %.5f, \"reached\": %" PRIu64
	       ", \"checksum\": %" PRIu64 ", \"complete\": %s}\n",
	       sources, nthreads, t0, (uint64_t)atomic_load(&b.edges),
	       (double)atomic_load(&b.edges) / t0 / 1e6, reached, check,
	       atomic_load(&expired) ? "false" : "true");
	return 0;
}

/* ---- PageRank ------------------------------------------------------------- */

struct pr {
	const struct graph *g;
	const double *rank;
	_Atomic uint64_t *next;		/* fixed point 2^-40, summed atomically */
	atomic_uint_fast64_t edges;
	unsigned int nthreads;
};

struct pr_arg {
	struct pr *p;
	unsigned int id;
};

#define PR_FIX	1099511627776.0	/* 2^40 */

static void *pr_worker(void *a)
{
	struct pr_arg *pa = a;
	const struct graph *g = pa->p->g;
	uint64_t u, lo = g->n * pa->id / pa->p->nthreads,
		 hi = g->n * (pa->id + 1) / pa->p->nthreads;

	for (u = lo; u < hi; u++) {
		uint64_t e, deg;

		if (!(u & 255) && past_deadline())
			break;
		deg = g->off[u + 1] - g->off[u];
		uint64_t share = (uint64_t)(pa->p->rank[u] / (double)deg * PR_FIX);

		for (e = g->off[u]; e < g->off[u + 1]; e++)
			atomic_fetch_add_explicit(&pa->p->next[g->edge[e]], share,
						  memory_order_relaxed);
		atomic_fetch_add_explicit(&pa->p->edges, deg, memory_order_relaxed);
	}
	return NULL;
}

static int cmd_pagerank(const char *path, unsigned int iters, unsigned int nthreads)
{
	struct graph g;
	struct pr p = { .g = &g, .nthreads = nthreads };
	struct pr_arg args[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	double *rank, t0, sum = 0, top = 0;
	unsigned int it, t;
	uint64_t i;

	open_graph(path, &g);
	rank = malloc(g.n * sizeof(*rank));
	p.next = malloc(g.n * sizeof(*p.next));
	if (!rank || !p.next)
		die("%s", "out of memory");
	for (i = 0; i < g.n; i++)
		rank[i] = 1.0 / (double)g.n;
	p.rank = rank;
	t0 = now();
	for (it = 0; it < iters && !past_deadline(); it++) {
		for (i = 0; i < g.n; i++)
			atomic_store_explicit(&p.next[i], 0, memory_order_relaxed);
		for (t = 0; t < nthreads; t++) {
			args[t] = (struct pr_arg){ .p = &p, .id = t };
			pthread_create(&th[t], NULL, pr_worker, &args[t]);
		}
		for (t = 0; t < nthreads; t++)
			pthread_join(th[t], NULL);
		for (i = 0; i < g.n; i++)
			rank[i] = 0.15 / (double)g.n +
				  0.85 * (double)atomic_load(&p.next[i]) / PR_FIX;
	}
	t0 = now() - t0;
	for (i = 0; i < g.n; i++) {
		sum += rank[i];
		if (rank[i] > top)
			top = rank[i];
	}
	printf("{\"app\": \"pagerank\", \"iterations\": %u, \"threads\": %u, \"seconds\": %.3f, "
	       "\"edges\": %" PRIu64 ", \"mteps\": %.5f, \"checksum\": %" PRIu64
	       ", \"complete\": %s}\n",
	       iters, nthreads, t0, (uint64_t)atomic_load(&p.edges),
	       (double)atomic_load(&p.edges) / t0 / 1e6,
	       (uint64_t)llround(top * 1e12) ^ (uint64_t)llround(sum * 1e6),
	       atomic_load(&expired) ? "false" : "true");
	return 0;
}

static uint64_t num(const char *v, const char *name)
{
	char *end;
	unsigned long long x;

	if (!v)
		die("%s needs a value", name);
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || end == v)
		die("bad value for %s", name);
	return x;
}

int main(int argc, char **argv)
{
	uint64_t n = 1 << 20, d = 16, seed = 1, sources = 4, iters = 3, threads = 2, secs = 0;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: fmgraph gen|bfs|pagerank PATH [--vertices N] [--degree D] "
				"[--seed S] [--sources K] [--iters I] [--threads T] [--seconds S] [--random]\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--vertices"))
			n = num(v, a);
		else if (!strcmp(a, "--degree"))
			d = num(v, a);
		else if (!strcmp(a, "--seed"))
			seed = num(v, a);
		else if (!strcmp(a, "--sources"))
			sources = num(v, a);
		else if (!strcmp(a, "--iters"))
			iters = num(v, a);
		else if (!strcmp(a, "--threads"))
			threads = num(v, a);
		else if (!strcmp(a, "--seconds"))
			secs = num(v, a);
		else if (!strcmp(a, "--random"))
			advise_random = 1;
		else
			die("unknown option %s", a);
		if (strcmp(a, "--random"))
			i++;	/* the others take a value */
	}
	if (!threads || threads > MAX_THREADS)
		die("%s: 1-64", "--threads");
	errno = 0;
	if (secs)	/* measured from here: mapping and setup count too */
		deadline = now() + (double)secs;
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argv[2], n, d, seed);
	if (!strcmp(argv[1], "bfs"))
		return cmd_bfs(argv[2], (unsigned int)sources, (unsigned int)threads);
	if (!strcmp(argv[1], "pagerank"))
		return cmd_pagerank(argv[2], (unsigned int)iters, (unsigned int)threads);
	die("unknown command %s", argv[1]);
	return 2;
}
