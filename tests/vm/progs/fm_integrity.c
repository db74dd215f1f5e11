// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_integrity: data integrity through a fastmap mapping.
 *
 *   prefill DEV [--pages N]            O_DIRECT-write version 0 of every page
 *   write PATH --state F [--threads T] [--ops N] [--pages N] [--seed S]
 *        T threads write random pages through a MAP_SHARED mapping (thread t
 *        owns the pages p with p % T == t, so it knows their versions), check
 *        their own pages on read and the header of any page, then
 *        msync(MS_SYNC) and save the version of every page to F.
 *   verify PATH --state F [--direct] [--pages N]
 *        check every page against F, through mmap or (--direct) O_DIRECT pread.
 *   touch PATH --pages P [--write]   read (or write) page P through mmap
 *   writesync PATH --pages N         write pages [0, N) through mmap, then
 *        msync(MS_SYNC); exit 5 if msync failed with EIO
 *   coherence PATH                   read()/write() and the mapping agree
 * Exit 0 on success, 1 on a data mismatch, 2 on a usage/system error.
 */
#include "fmtest.h"
#include <pthread.h>

struct opts {
	const char *path, *state;
	unsigned int threads;
	uint64_t ops, pages, seed;
	int direct, write;
};

static uint32_t *versions;
static uint8_t *map;
static struct opts o = { .threads = 2, .ops = 20000, .seed = 1 };
static volatile int failed;

static void parse(int argc, char **argv, int first)
{
	int i;

	for (i = first; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--direct") || !strcmp(a, "--write")) {
			*(a[2] == 'd' ? &o.direct : &o.write) = 1;
			continue;
		}
		if (!v)
			fmt_die("%s needs a value", a);
		if (!strcmp(a, "--state"))
			o.state = v;
		else if (!strcmp(a, "--threads"))
			o.threads = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--ops"))
			o.ops = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--pages"))
			o.pages = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--seed"))
			o.seed = strtoull(v, NULL, 0);
		else
			fmt_die("unknown option %s", a);
		i++;
	}
	if (!o.threads)
		fmt_die("--threads must be > 0");
}

static int open_sized(int flags)
{
	int fd = open(o.path, flags);
	uint64_t pages;

	if (fd < 0)
		fmt_die("open %s", o.path);
	pages = fmt_dev_size(fd) / FMT_PAGE;
	if (!o.pages || o.pages > pages)
		o.pages = pages;
	return fd;
}

static int prefill(void)
{
	int fd = open_sized(O_WRONLY | O_DIRECT);
	uint8_t *buf;
	uint64_t p, chunk = 256;

	if (posix_memalign((void **)&buf, FMT_PAGE, chunk * FMT_PAGE))
		fmt_die("memalign");
	for (p = 0; p < o.pages; p += chunk) {
		uint64_t n = o.pages - p < chunk ? o.pages - p : chunk, i;

		for (i = 0; i < n; i++)
			fmt_fill(buf + i * FMT_PAGE, p + i, 0);
		if (pwrite(fd, buf, n * FMT_PAGE, p * FMT_PAGE) != (ssize_t)(n * FMT_PAGE))
			fmt_die("pwrite at page %llu", (unsigned long long)p);
	}
	if (fsync(fd))
		fmt_die("fsync");
	close(fd);
	printf("prefill: %llu pages\n", (unsigned long long)o.pages);
	return 0;
}

static void *writer(void *arg)
{
	unsigned int t = (uintptr_t)arg;
	uint64_t seed = fmt_mix(o.seed * 1000003 + t + 1) | 1, i;
	uint64_t owned = (o.pages - t + o.threads - 1) / o.threads;

	for (i = 0; i < o.ops && !failed; i++) {
		uint64_t r = fmt_rand(&seed);
		uint64_t p = (r % owned) * o.threads + t;
		uint8_t *pg = map + p * FMT_PAGE;
		unsigned int bad;

		if (p >= o.pages)
			continue;
		switch ((r >> 40) % 4) {
		case 0:	/* verify an owned page */
			bad = fmt_check(pg, p, versions[p]);
			if (bad) {
				fprintf(stderr, "thread %u: page %llu v%u bad word %u\n",
					t, (unsigned long long)p, versions[p], bad - 1);
				failed = 1;
			}
			break;
		case 1: { /* header of any page: never torn, always its own */
			uint64_t q = (r >> 8) % o.pages;
			const volatile uint64_t *w = (void *)(map + q * FMT_PAGE);

			if (w[0] != FMT_MAGIC || w[1] != q) {
				fprintf(stderr, "thread %u: page %llu holds header of %llu\n",
					t, (unsigned long long)q,
					(unsigned long long)w[1]);
				failed = 1;
			}
			break;
		}
		default: /* write the next version */
			fmt_fill(pg, p, versions[p] + 1);
			versions[p]++;
			break;
		}
	}
	return NULL;
}

static int load_state(void)
{
	int fd = open(o.state, O_RDONLY);
	size_t n = o.pages * sizeof(uint32_t);

	versions = calloc(o.pages, sizeof(uint32_t));
	if (!versions)
		fmt_die("calloc");
	if (fd < 0)
		return -1;
	if (read(fd, versions, n) != (ssize_t)n)
		fmt_die("short state file %s", o.state);
	close(fd);
	return 0;
}

static void save_state(void)
{
	int fd = open(o.state, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t n = o.pages * sizeof(uint32_t);

	if (fd < 0 || write(fd, versions, n) != (ssize_t)n || fsync(fd))
		fmt_die("write state %s", o.state);
	close(fd);
}

static int do_write(void)
{
	int fd = open_sized(O_RDWR);
	pthread_t *th = calloc(o.threads, sizeof(*th));
	unsigned int t;

	if (!o.state)
		fmt_die("--state is required");
	load_state();	/* continue from an earlier run if the file exists */
	map = mmap(NULL, o.pages * FMT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		fmt_die("mmap %s", o.path);
	for (t = 0; t < o.threads; t++)
		if (pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)t))
			fmt_die("pthread_create");
	for (t = 0; t < o.threads; t++)
		pthread_join(th[t], NULL);
	if (msync(map, o.pages * FMT_PAGE, MS_SYNC))
		fmt_die("msync");
	save_state();
	munmap(map, o.pages * FMT_PAGE);
	close(fd);
	printf("write: %u threads x %llu ops over %llu pages: %s\n", o.threads,
	       (unsigned long long)o.ops, (unsigned long long)o.pages,
	       failed ? "MISMATCH" : "ok");
	return failed ? 1 : 0;
}

static int do_verify(void)
{
	int fd = open_sized(O_RDONLY | (o.direct ? O_DIRECT : 0));
	uint64_t p, bad = 0;
	uint8_t *buf = NULL;

	if (!o.state || load_state())
		fmt_die("cannot read --state %s", o.state ? o.state : "(none)");
	if (o.direct) {
		if (posix_memalign((void **)&buf, FMT_PAGE, FMT_PAGE))
			fmt_die("memalign");
	} else {
		map = mmap(NULL, o.pages * FMT_PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			fmt_die("mmap %s", o.path);
	}
	for (p = 0; p < o.pages; p++) {
		const uint8_t *pg = map ? map + p * FMT_PAGE : buf;
		unsigned int w;

		if (buf && pread(fd, buf, FMT_PAGE, p * FMT_PAGE) != FMT_PAGE)
			fmt_die("pread page %llu", (unsigned long long)p);
		w = fmt_check(pg, p, versions[p]);
		if (w && bad++ < 10)
			fprintf(stderr, "verify: page %llu: want v%u, bad word %u (has off %llu v%llu)\n",
				(unsigned long long)p, versions[p], w - 1,
				(unsigned long long)((const uint64_t *)pg)[1],
				(unsigned long long)((const uint64_t *)pg)[2]);
	}
	printf("verify%s: %llu pages, %llu bad\n", o.direct ? " (O_DIRECT)" : "",
	       (unsigned long long)o.pages, (unsigned long long)bad);
	return bad ? 1 : 0;
}

static uint8_t *map_all(int fd, uint64_t n)
{
	uint8_t *m = mmap(NULL, n * FMT_PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		fmt_die("mmap %s", o.path);
	return m;
}

/* A device error must reach only this process, as SIGBUS. */
static int do_touch(void)
{
	int fd = open(o.path, O_RDWR);
	uint64_t p = o.pages;
	volatile uint8_t *m;

	if (fd < 0)
		fmt_die("open %s", o.path);
	m = map_all(fd, p + 1);
	if (o.write)
		m[p * FMT_PAGE] = 1;
	else
		(void)m[p * FMT_PAGE];
	printf("touch: page %llu %s ok\n", (unsigned long long)p,
	       o.write ? "write" : "read");
	return 0;
}

static int do_writesync(void)
{
	int fd = open(o.path, O_RDWR);
	uint64_t p;
	uint8_t *m;

	if (fd < 0 || !o.pages)
		fmt_die("open %s / --pages", o.path);
	m = map_all(fd, o.pages);
	for (p = 0; p < o.pages; p++)
		fmt_fill(m + p * FMT_PAGE, p, 1);
	if (msync(m, o.pages * FMT_PAGE, MS_SYNC)) {
		printf("writesync: msync: %s\n", strerror(errno));
		return errno == EIO ? 5 : 2;
	}
	printf("writesync: %llu pages, msync ok\n", (unsigned long long)o.pages);
	return 0;
}

/* write() is seen by the mapping and stores to the mapping by read(). */
static int do_coherence(void)
{
	int fd = open_sized(O_RDWR);
	uint8_t *m, *buf = malloc(FMT_PAGE);
	uint64_t p, n = o.pages < 64 ? o.pages : 64, bad = 0;

	m = map_all(fd, n);
	for (p = 0; p < n; p++) {
		fmt_fill(buf, p, 1000 + p);
		if (pwrite(fd, buf, FMT_PAGE, p * FMT_PAGE) != FMT_PAGE)
			fmt_die("pwrite");
		bad += fmt_check(m + p * FMT_PAGE, p, 1000 + p) != 0;
		fmt_fill(m + p * FMT_PAGE, p, 2000 + p);
		if (pread(fd, buf, FMT_PAGE, p * FMT_PAGE) != FMT_PAGE)
			fmt_die("pread");
		bad += fmt_check(buf, p, 2000 + p) != 0;
		/* an unaligned write across a page boundary */
		if (p + 1 < n && pwrite(fd, "XYZW", 4, (p + 1) * FMT_PAGE - 2) != 4)
			fmt_die("pwrite unaligned");
		if (p + 1 < n && (m[(p + 1) * FMT_PAGE - 2] != 'X' ||
				  m[(p + 1) * FMT_PAGE + 1] != 'W'))
			bad++;
	}
	if (fsync(fd))
		fmt_die("fsync");
	printf("coherence: %llu pages, %llu mismatches\n",
	       (unsigned long long)n, (unsigned long long)bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		fmt_die("usage: %s prefill|write|verify PATH [options]", argv[0]);
	o.path = argv[2];
	parse(argc, argv, 3);
	if (!strcmp(argv[1], "prefill"))
		return prefill();
	if (!strcmp(argv[1], "write"))
		return do_write();
	if (!strcmp(argv[1], "verify"))
		return do_verify();
	if (!strcmp(argv[1], "touch"))
		return do_touch();
	if (!strcmp(argv[1], "writesync"))
		return do_writesync();
	if (!strcmp(argv[1], "coherence"))
		return do_coherence();
	fmt_die("unknown mode %s", argv[1]);
	return 2;
}
