// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_filemap: per-file mode tests (tests/vm/suites/perfile.sh).
 *
 * An ordinary, dynamically linked program: the suite runs it under
 * `fastmapctl run` (LD_PRELOAD of libfastmap-preload.so), which routes its
 * MAP_SHARED mappings and read/write/pread/pwrite/fsync of enabled files
 * through fastmap; without the preload the same calls use the page cache.
 * It never talks to fastmap itself, except in `probe`.
 *
 * Page records: word 0 magic, 1 page index, 2 generation, 3 checksum of the
 * other words, 4..511 a function of (page, generation, word). Generation 0
 * is what `create` writes. Pages of the --hole range are never written and
 * must read as zeros.
 *
 *   create FILE --pages N [--hole A:B]
 *        write generation 0 of every page outside [A, B) with plain pwrite
 *        (the hole is left unallocated), size N pages, fsync.
 *   write FILE --state F [--threads T] [--ops N] [--seed S] [--hole A:B]
 *        mmap the whole file MAP_SHARED; T threads (thread t owns the pages
 *        p with p % T == t) do N random operations each: write the next
 *        generation of a page through the mapping (most), pwrite it and
 *        check that the mapping shows it, store it through the mapping and
 *        check that pread returns it, verify an own page, check the header
 *        of any page, read hole pages (zeros). Then msync(MS_SYNC) + fsync,
 *        verify every page through the mapping and through pread, and save
 *        the generations to F (a later run continues from F).
 *   verify FILE [--state F] [--hole A:B] [--pread] [--sparse]
 *        check every page through a read-only MAP_SHARED mapping (and pread
 *        with --pread) against F (without F: generation 0); hole pages must
 *        be zeros; --sparse: SEEK_DATA finds no data in the hole.
 *   zeros FILE --hole A:B        pages [A, B) read zeros through mmap and pread
 *   check FILE --page P --version V     pread page P: generation V
 *   poke FILE --page P --version V [--fsync]   pwrite generation V of page P
 *   extend FILE --page P --version V
 *        pwrite generation V of page P at or past EOF, fsync; the size must
 *        grow to P + 1 pages; pread and a new mapping show it, pages between
 *        the old EOF and P read zeros.
 *   watch FILE --page P --version V --ready R --go G [--state F] [--timeout S]
 *         [--dirty W]
 *        mmap the whole file, read every page (checked against F if given),
 *        read page P last; with --dirty, store generation V of page W through
 *        the mapping (left dirty: no msync); create R, wait for G to exist
 *        (someone else writes page P meanwhile), then poll the mapping until
 *        page P holds generation V (at most S seconds, default 10); the other
 *        pages must keep their data (W: generation V); pread must agree.
 *   truncwait FILE --eof-pages K --ready R --go G [--state F] [--timeout S]
 *        like watch, but after G the file has been truncated to K pages:
 *        accesses to pages >= K must raise SIGBUS (polled up to S seconds),
 *        pages < K keep their data.
 *   hold FILE --ready R --go G   map and read the file, create R, wait for G
 *   probe FILE   FASTMAP_IOC_FILE_OPEN on /dev/fastmap/control, directly;
 *                prints "probe: FILE: ok name=N size=S" or the errno name
 *   info         dynamic linking (PT_INTERP) and whether a fastmap preload
 *                library is loaded; exit 1 if statically linked
 *
 * Exit 0 on success, 1 on a data mismatch / failed expectation, 2 on a usage
 * or system error (probe: 1 when the ioctl failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fastmap.h"

#define PG 4096UL
#define WORDS (PG / 8)
#define MAGIC 0x21656c69666d6621ULL /* "!fmfile!" */

struct opts {
	const char *path, *state, *ready, *go;
	unsigned int threads;
	uint64_t ops, pages, seed, page, version, eof_pages, timeout;
	uint64_t hole_a, hole_b;
	uint64_t dirty;
	int have_page, have_version, have_dirty, pread_too, sparse, sync;
};

static struct opts o = { .threads = 3, .ops = 6000, .seed = 1, .timeout = 10 };
static uint32_t *gens;
static uint8_t *map;
static uint64_t npages;
static int fd = -1;
static int full_check; /* holders: check pages fully against gens[], not only the header */
static atomic_int failed;
static atomic_ullong n_mwrites, n_pwrites, n_checks, n_hole_reads;

/* --- helpers -------------------------------------------------------------- */

static void die(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fm_filemap: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(2);
}

#define usage_die(...)         \
	do {                   \
		errno = 0;     \
		die(__VA_ARGS__); \
	} while (0)

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return mix(*s);
}

static uint64_t body(uint64_t p, uint64_t gen, unsigned int i)
{
	return mix((p << 24) ^ (gen << 44) ^ (gen >> 20) ^ i);
}

/* Checksum of words 1..511 except word 3, position-weighted. */
static uint64_t csum(const volatile uint64_t *w)
{
	uint64_t c = 0x6a09e667f3bcc908ULL;
	unsigned int i;

	for (i = 1; i < WORDS; i++)
		if (i != 3)
			c += w[i] * (2 * i + 1);
	return mix(c);
}

static void fill(void *page, uint64_t p, uint64_t gen)
{
	uint64_t *w = page;
	unsigned int i;

	for (i = 4; i < WORDS; i++)
		w[i] = body(p, gen, i);
	w[0] = MAGIC;
	w[1] = p;
	w[2] = gen;
	w[3] = csum(w);
}

/* NULL if @page is generation @gen of page @p, else what is wrong. */
static const char *check(const void *page, uint64_t p, uint64_t gen)
{
	static __thread char why[160];
	const volatile uint64_t *w = page;
	unsigned int i;

	if (w[0] != MAGIC) {
		for (i = 0; i < WORDS && !w[i]; i++)
			;
		if (i == WORDS)
			return "page is all zeros";
		snprintf(why, sizeof(why), "bad magic %#llx", (unsigned long long)w[0]);
		return why;
	}
	if (w[1] != p) {
		snprintf(why, sizeof(why), "holds page %llu", (unsigned long long)w[1]);
		return why;
	}
	if (w[2] != gen) {
		snprintf(why, sizeof(why), "generation %llu, want %llu",
			 (unsigned long long)w[2], (unsigned long long)gen);
		return why;
	}
	if (w[3] != csum(w))
		return "checksum mismatch";
	for (i = 4; i < WORDS; i++)
		if (w[i] != body(p, gen, i)) {
			snprintf(why, sizeof(why), "word %u wrong", i);
			return why;
		}
	return NULL;
}

static int is_zero(const void *page)
{
	const volatile uint64_t *w = page;
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		if (w[i])
			return 0;
	return 1;
}

static int in_hole(uint64_t p)
{
	return p >= o.hole_a && p < o.hole_b;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void *page_buf(void)
{
	void *b;

	if (posix_memalign(&b, PG, PG))
		die("posix_memalign");
	return b;
}

static void xpwrite(const void *buf, uint64_t p)
{
	ssize_t n;

	errno = 0;
	n = pwrite(fd, buf, PG, p * PG);
	if (n != (ssize_t)PG)
		die("pwrite page %llu (%zd)", (unsigned long long)p, n);
}

static void xpread(void *buf, uint64_t p)
{
	ssize_t n;

	errno = 0;
	n = pread(fd, buf, PG, p * PG);
	if (n != (ssize_t)PG)
		die("pread page %llu (%zd)", (unsigned long long)p, n);
}

static uint64_t file_size(void)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat %s", o.path);
	return st.st_size;
}

static void open_file(int flags)
{
	fd = open(o.path, flags, 0644);
	if (fd < 0)
		die("open %s", o.path);
	npages = file_size() / PG;
	if (o.pages && o.pages < npages)
		npages = o.pages;
}

static void map_file(int prot)
{
	if (!npages)
		usage_die("%s is empty", o.path);
	map = mmap(NULL, npages * PG, prot, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap %s (%llu pages)", o.path, (unsigned long long)npages);
}

static int load_state(int must)
{
	int sfd;
	size_t n = npages * sizeof(uint32_t);

	gens = calloc(npages ? npages : 1, sizeof(uint32_t));
	if (!gens)
		die("calloc");
	if (!o.state) {
		if (must)
			usage_die("--state is required");
		return -1;
	}
	sfd = open(o.state, O_RDONLY);
	if (sfd < 0) {
		if (must)
			die("open state %s", o.state);
		return -1;
	}
	if (read(sfd, gens, n) != (ssize_t)n)
		die("short state file %s (want %llu pages)", o.state,
		    (unsigned long long)npages);
	close(sfd);
	return 0;
}

static void save_state(void)
{
	int sfd = open(o.state, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t n = npages * sizeof(uint32_t);

	if (sfd < 0 || write(sfd, gens, n) != (ssize_t)n)
		die("write state %s", o.state);
	close(sfd);
}

static void wait_file(const char *path, uint64_t timeout_s)
{
	uint64_t end = now_ms() + timeout_s * 1000;

	while (access(path, F_OK)) {
		if (now_ms() > end)
			usage_die("%s did not appear within %llu s", path,
			    (unsigned long long)timeout_s);
		usleep(10000);
	}
}

static void touch_file(const char *path)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (f < 0)
		die("create %s", path);
	close(f);
}

/* --- create / verify ------------------------------------------------------ */

static int do_create(void)
{
	uint8_t *buf = page_buf();
	uint64_t p, written = 0;

	if (!o.pages)
		usage_die("--pages is required");
	fd = open(o.path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create %s", o.path);
	if (ftruncate(fd, o.pages * PG))
		die("ftruncate");
	for (p = 0; p < o.pages; p++) {
		if (in_hole(p))
			continue;
		fill(buf, p, 0);
		xpwrite(buf, p);
		written++;
	}
	if (fsync(fd))
		die("fsync");
	printf("create: %s: %llu pages, %llu written, hole [%llu, %llu)\n", o.path,
	       (unsigned long long)o.pages, (unsigned long long)written,
	       (unsigned long long)o.hole_a, (unsigned long long)o.hole_b);
	return 0;
}

/* Every page through the mapping (and pread); returns the number of bad pages. */
static uint64_t verify_all(const char *tag, int with_pread)
{
	uint8_t *buf = page_buf();
	uint64_t p, bad = 0;
	const char *why;

	for (p = 0; p < npages; p++) {
		const uint8_t *pg = map + p * PG;

		if (in_hole(p))
			why = is_zero(pg) ? NULL : "hole page is not zeros (mmap)";
		else
			why = check(pg, p, gens[p]);
		if (!why && with_pread) {
			xpread(buf, p);
			if (in_hole(p))
				why = is_zero(buf) ? NULL : "hole page is not zeros (pread)";
			else if ((why = check(buf, p, gens[p])))
				why = "pread differs from the mapping";
		}
		if (why && bad++ < 10)
			fprintf(stderr, "%s: page %llu (want generation %u): %s\n", tag,
				(unsigned long long)p, gens[p], why);
	}
	free(buf);
	return bad;
}

static int sparse_ok(void)
{
	off_t d;

	if (o.hole_b <= o.hole_a)
		return 1;
	d = lseek(fd, o.hole_a * PG, SEEK_DATA);
	if (d < 0 && errno == ENXIO)
		return 1;
	if (d < 0)
		die("lseek SEEK_DATA");
	if ((uint64_t)d >= o.hole_b * PG)
		return 1;
	fprintf(stderr, "verify: data at offset %lld (page %lld) inside the hole [%llu, %llu)\n",
		(long long)d, (long long)d / (long long)PG,
		(unsigned long long)o.hole_a, (unsigned long long)o.hole_b);
	return 0;
}

static int do_verify(void)
{
	uint64_t bad;
	int sparse = 1;

	open_file(O_RDONLY);
	load_state(o.state != NULL); /* without --state: generation 0 everywhere */
	map_file(PROT_READ);
	bad = verify_all("verify", o.pread_too);
	if (o.sparse)
		sparse = sparse_ok();
	printf("verify: %s: %llu pages%s, %llu bad%s\n", o.path,
	       (unsigned long long)npages, o.pread_too ? " (mmap + pread)" : " (mmap)",
	       (unsigned long long)bad,
	       o.sparse ? (sparse ? ", hole still sparse" : ", HOLE ALLOCATED") : "");
	return bad || !sparse ? 1 : 0;
}

static int do_zeros(void)
{
	uint8_t *buf = page_buf();
	uint64_t p, bad = 0;

	open_file(O_RDONLY);
	if (o.hole_b <= o.hole_a || o.hole_b > npages)
		usage_die("--hole A:B within the file is required");
	map_file(PROT_READ);
	for (p = o.hole_a; p < o.hole_b; p++) {
		int z = is_zero(map + p * PG);

		xpread(buf, p);
		if ((!z || !is_zero(buf)) && bad++ < 10)
			fprintf(stderr, "zeros: page %llu not zero through %s\n",
				(unsigned long long)p, z ? "pread" : "mmap");
	}
	printf("zeros: %s: pages [%llu, %llu): %llu not zero\n", o.path,
	       (unsigned long long)o.hole_a, (unsigned long long)o.hole_b,
	       (unsigned long long)bad);
	return bad ? 1 : 0;
}

/* --- write ---------------------------------------------------------------- */

static void bad_page(unsigned int t, const char *what, uint64_t p, const char *why)
{
	fprintf(stderr, "write: thread %u: %s page %llu (generation %u): %s\n", t,
		what, (unsigned long long)p, gens[p], why);
	failed = 1;
}

static void *writer(void *arg)
{
	unsigned int t = (uintptr_t)arg, T = o.threads;
	uint64_t s = mix(o.seed * 1000003 + t + 1), i;
	uint64_t owned = (npages + T - 1 - t) / T;
	uint8_t *buf = page_buf();
	const char *why;

	for (i = 0; i < o.ops && !failed && owned; i++) {
		uint64_t r = rnd(&s), p = (r % owned) * T + t, q;
		uint8_t *pg = map + p * PG;
		const volatile uint64_t *w;

		if (in_hole(p)) {
			if (!is_zero(pg))
				bad_page(t, "hole", p, "not zeros through the mapping");
			n_hole_reads++;
			continue;
		}
		switch ((r >> 32) % 10) {
		case 0:
		case 1: /* an own page is what this thread last wrote */
			if ((why = check(pg, p, gens[p])))
				bad_page(t, "own", p, why);
			n_checks++;
			break;
		case 2: /* the header of any page: always its own */
			q = (r >> 8) % npages;
			w = (const volatile uint64_t *)(map + q * PG);
			if (in_hole(q) ? w[0] != 0 : (w[0] != MAGIC || w[1] != q)) {
				fprintf(stderr, "write: thread %u: page %llu header %#llx/%llu\n",
					t, (unsigned long long)q, (unsigned long long)w[0],
					(unsigned long long)w[1]);
				failed = 1;
			}
			n_checks++;
			break;
		case 3: /* pwrite, then the mapping must show it */
			fill(buf, p, gens[p] + 1);
			xpwrite(buf, p);
			gens[p]++;
			n_pwrites++;
			if ((why = check(pg, p, gens[p])))
				bad_page(t, "pwrite -> mmap", p, why);
			n_checks++;
			break;
		case 4: /* store through the mapping, then pread must return it */
			fill(pg, p, gens[p] + 1);
			gens[p]++;
			n_mwrites++;
			xpread(buf, p);
			if ((why = check(buf, p, gens[p])))
				bad_page(t, "mmap -> pread", p, why);
			n_checks++;
			break;
		default:
			fill(pg, p, gens[p] + 1);
			gens[p]++;
			n_mwrites++;
			break;
		}
	}
	free(buf);
	return NULL;
}

static int do_write(void)
{
	pthread_t *th;
	unsigned int t;
	uint64_t bad, t0 = now_ms(), t1;

	if (!o.threads)
		usage_die("--threads must be > 0");
	if (!o.state)
		usage_die("--state is required");
	open_file(O_RDWR);
	load_state(0); /* continues an earlier run if the state file exists */
	map_file(PROT_READ | PROT_WRITE);
	th = calloc(o.threads, sizeof(*th));
	for (t = 0; t < o.threads; t++)
		if (pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)t))
			die("pthread_create");
	for (t = 0; t < o.threads; t++)
		pthread_join(th[t], NULL);
	if (msync(map, npages * PG, MS_SYNC))
		die("msync");
	if (fsync(fd))
		die("fsync");
	t1 = now_ms();
	bad = verify_all("write: final verify", 1);
	save_state();
	printf("write: %s: %u threads x %llu ops on %llu pages in %llu ms: %llu page writes "
	       "(%llu mmap, %llu pwrite), %llu checks, %llu hole reads; "
	       "final verify (mmap + pread): %llu bad\n",
	       o.path, o.threads, (unsigned long long)o.ops, (unsigned long long)npages,
	       (unsigned long long)(t1 - t0),
	       (unsigned long long)(n_mwrites + n_pwrites), (unsigned long long)n_mwrites,
	       (unsigned long long)n_pwrites, (unsigned long long)n_checks,
	       (unsigned long long)n_hole_reads, (unsigned long long)bad);
	return failed || bad ? 1 : 0;
}

/* --- single pages ---------------------------------------------------------- */

static void need_page_version(void)
{
	if (!o.have_page || !o.have_version)
		usage_die("--page and --version are required");
}

static int do_check(void)
{
	uint8_t *buf = page_buf();
	const char *why;

	need_page_version();
	open_file(O_RDONLY);
	if (o.page >= npages) {
		printf("check: %s: page %llu is past EOF (%llu pages)\n", o.path,
		       (unsigned long long)o.page, (unsigned long long)npages);
		return 1;
	}
	xpread(buf, o.page);
	why = check(buf, o.page, o.version);
	printf("check: %s: page %llu generation %llu: %s\n", o.path,
	       (unsigned long long)o.page, (unsigned long long)o.version, why ? why : "ok");
	return why ? 1 : 0;
}

static int do_poke(void)
{
	uint8_t *buf = page_buf();

	need_page_version();
	open_file(O_RDWR); /* readable too: the preload routes only such fds */
	fill(buf, o.page, o.version);
	xpwrite(buf, o.page);
	if (o.sync && fsync(fd))
		die("fsync");
	printf("poke: %s: page %llu now generation %llu (pwrite)\n", o.path,
	       (unsigned long long)o.page, (unsigned long long)o.version);
	return 0;
}

static int do_extend(void)
{
	uint8_t *buf = page_buf();
	uint64_t old, sz, p, bad = 0;
	const char *why;

	need_page_version();
	open_file(O_RDWR);
	old = file_size();
	if (o.page * PG < old)
		usage_die("page %llu is not past EOF (%llu bytes)", (unsigned long long)o.page,
		    (unsigned long long)old);
	fill(buf, o.page, o.version);
	xpwrite(buf, o.page);
	if (fsync(fd))
		die("fsync");
	sz = file_size();
	if (sz != (o.page + 1) * PG) {
		fprintf(stderr, "extend: size %llu after pwrite, want %llu\n",
			(unsigned long long)sz, (unsigned long long)(o.page + 1) * PG);
		bad++;
	}
	memset(buf, 0, PG);
	xpread(buf, o.page);
	if ((why = check(buf, o.page, o.version))) {
		fprintf(stderr, "extend: pread of page %llu: %s\n",
			(unsigned long long)o.page, why);
		bad++;
	}
	npages = o.page + 1;
	map_file(PROT_READ);
	if ((why = check(map + o.page * PG, o.page, o.version))) {
		fprintf(stderr, "extend: mapping of page %llu: %s\n",
			(unsigned long long)o.page, why);
		bad++;
	}
	for (p = (old + PG - 1) / PG; p < o.page; p++)
		if (!is_zero(map + p * PG) && bad++ < 10)
			fprintf(stderr, "extend: page %llu between old EOF and the write not zero\n",
				(unsigned long long)p);
	printf("extend: %s: %llu -> %llu bytes, page %llu generation %llu: %s\n", o.path,
	       (unsigned long long)old, (unsigned long long)sz, (unsigned long long)o.page,
	       (unsigned long long)o.version, bad ? "BAD" : "ok");
	return bad ? 1 : 0;
}

/* --- holders: watch / truncwait / hold -------------------------------------- */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

/* 1 if reading (or, with @wr, writing) a byte of page @p raises SIGBUS. */
static int faults_sigbus(uint64_t p, int wr)
{
	volatile uint8_t *b = map + p * PG + 8;

	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		return 1;
	}
	bus_armed = 1;
	if (wr)
		*b = 1;
	else
		(void)*b;
	bus_armed = 0;
	return 0;
}

/* What is wrong with page @p now (NULL: fine), by the state file or, without one, the header. */
static const char *page_state(uint64_t p)
{
	const volatile uint64_t *w = (const volatile uint64_t *)(map + p * PG);

	if (in_hole(p))
		return is_zero(map + p * PG) ? NULL : "hole not zeros";
	if (full_check)
		return check(map + p * PG, p, gens[p]);
	return w[0] == MAGIC && w[1] == p ? NULL : "bad header";
}

/* Map and read the file, page @last last (if < npages); the known data must be right. */
static void map_and_read(uint64_t last)
{
	uint64_t p, bad = 0;
	const char *why;

	if (!o.ready || !o.go)
		usage_die("--ready and --go are required");
	open_file(O_RDWR);
	full_check = load_state(o.state != NULL) == 0;
	map_file(PROT_READ | PROT_WRITE);
	for (p = 0; p < npages; p++)
		if (p != last && (why = page_state(p)) && bad++ < 10)
			fprintf(stderr, "%s: page %llu before the change: %s\n", o.path,
				(unsigned long long)p, why);
	if (last < npages && (why = page_state(last)) && bad++ < 10)
		fprintf(stderr, "%s: page %llu before the change: %s\n", o.path,
			(unsigned long long)last, why);
	if (bad)
		usage_die("%llu bad pages before the change", (unsigned long long)bad);
}

static uint64_t check_others(uint64_t from, uint64_t to, uint64_t skip, const char *tag)
{
	uint64_t p, bad = 0;
	const char *why;

	for (p = from; p < to; p++)
		if (p != skip && (why = page_state(p)) && bad++ < 10)
			fprintf(stderr, "%s: page %llu: %s\n", tag, (unsigned long long)p, why);
	return bad;
}

static int do_watch(void)
{
	uint8_t *buf = page_buf();
	uint64_t t0, end, ms, bad;
	const char *why = "never checked";

	need_page_version();
	map_and_read(o.page);
	if (o.page >= npages || (o.have_dirty && (o.dirty >= npages || o.dirty == o.page)))
		usage_die("--page/--dirty past EOF, or the same page");
	if (o.have_dirty) {
		fill(map + o.dirty * PG, o.dirty, o.version);
		gens[o.dirty] = o.version;
		full_check = 1; /* other pages: generation 0 unless --state says otherwise */
	}
	touch_file(o.ready);
	wait_file(o.go, 120);
	t0 = now_ms();
	end = t0 + o.timeout * 1000;
	for (;;) {
		why = check(map + o.page * PG, o.page, o.version);
		if (!why || now_ms() > end)
			break;
		usleep(5000);
	}
	ms = now_ms() - t0;
	if (why) {
		printf("watch: %s: page %llu still not generation %llu after %llu ms: %s\n",
		       o.path, (unsigned long long)o.page, (unsigned long long)o.version,
		       (unsigned long long)ms, why);
		return 1;
	}
	xpread(buf, o.page);
	if ((why = check(buf, o.page, o.version)))
		fprintf(stderr, "watch: pread of page %llu: %s\n", (unsigned long long)o.page, why);
	bad = check_others(0, npages, o.page, "watch: other page") + (why != NULL);
	printf("watch: %s: outside write of page %llu visible through the mapping after %llu ms; "
	       "%llu other pages checked, %llu bad\n", o.path, (unsigned long long)o.page,
	       (unsigned long long)ms, (unsigned long long)(npages - 1),
	       (unsigned long long)bad);
	return bad ? 1 : 0;
}

static int do_truncwait(void)
{
	uint64_t t0, end, ms, bad = 0, old_pages;
	int got_read, got_last, got_write;

	if (!o.eof_pages)
		usage_die("--eof-pages is required");
	map_and_read(npages);
	old_pages = npages;
	if (o.eof_pages >= npages)
		usage_die("--eof-pages must be below the size (%llu pages)", (unsigned long long)npages);
	touch_file(o.ready);
	wait_file(o.go, 120);
	signal(SIGBUS, on_sigbus);
	t0 = now_ms();
	end = t0 + o.timeout * 1000;
	while (!(got_read = faults_sigbus(o.eof_pages, 0)) && now_ms() <= end)
		usleep(5000);
	ms = now_ms() - t0;
	got_last = faults_sigbus(old_pages - 1, 0);
	got_write = faults_sigbus(o.eof_pages, 1);
	if (!got_read || !got_last || !got_write) {
		printf("truncwait: %s: after truncate to %llu pages: SIGBUS on read of page %llu: %s, "
		       "of page %llu: %s, on write: %s (waited %llu ms)\n", o.path,
		       (unsigned long long)o.eof_pages, (unsigned long long)o.eof_pages,
		       got_read ? "yes" : "NO", (unsigned long long)(old_pages - 1),
		       got_last ? "yes" : "NO", got_write ? "yes" : "NO", (unsigned long long)ms);
		bad++;
	}
	bad += check_others(0, o.eof_pages, UINT64_MAX, "truncwait: below EOF");
	printf("truncwait: %s: truncated %llu -> %llu pages: SIGBUS beyond EOF %s after %llu ms; "
	       "%llu pages below EOF checked; %s\n", o.path,
	       (unsigned long long)old_pages, (unsigned long long)o.eof_pages,
	       got_read && got_last && got_write ? "yes" : "NO", (unsigned long long)ms,
	       (unsigned long long)o.eof_pages, bad ? "FAILED" : "ok");
	return bad ? 1 : 0;
}

static int do_hold(void)
{
	map_and_read(UINT64_MAX);
	touch_file(o.ready);
	wait_file(o.go, 300);
	printf("hold: %s: released\n", o.path);
	return 0;
}

/* --- probe / info ---------------------------------------------------------- */

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	case EPERM: return "EPERM";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case ENOMEM: return "ENOMEM";
	case EIO: return "EIO";
	default:
		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
}

static int do_probe(void)
{
	struct fastmap_file_open a;
	int ctl, r, e;

	fd = open(o.path, O_RDWR);
	if (fd < 0)
		fd = open(o.path, O_RDONLY);
	if (fd < 0)
		die("open %s", o.path);
	ctl = open(FASTMAP_CONTROL_NODE, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("open %s", FASTMAP_CONTROL_NODE);
	memset(&a, 0, sizeof(a));
	a.fd = fd;
	r = ioctl(ctl, FASTMAP_IOC_FILE_OPEN, &a);
	e = errno;
	if (r < 0) {
		printf("probe: %s: FILE_OPEN failed: %s (%s)\n", o.path, errno_name(e),
		       strerror(e));
		return 1;
	}
	a.name[sizeof(a.name) - 1] = 0;
	printf("probe: %s: ok name=%s size=%llu\n", o.path, a.name,
	       (unsigned long long)a.size_bytes);
	close(r);
	return 0;
}

struct info_state {
	int interp;
	const char *preload;
};

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct info_state *st = data;
	int i;

	(void)size;
	if (!info->dlpi_name || !info->dlpi_name[0]) { /* the executable */
		for (i = 0; i < info->dlpi_phnum; i++)
			if (info->dlpi_phdr[i].p_type == PT_INTERP)
				st->interp = 1;
	} else if (strstr(info->dlpi_name, "fastmap")) {
		st->preload = info->dlpi_name;
	}
	return 0;
}

static int do_info(void)
{
	struct info_state st = { 0, NULL };

	dl_iterate_phdr(phdr_cb, &st);
	printf("info: dynamic=%s preload=%s\n", st.interp ? "yes" : "no",
	       st.preload ? st.preload : "none");
	return st.interp ? 0 : 1;
}

/* --- main ------------------------------------------------------------------- */

static uint64_t num(const char *a, const char *v)
{
	char *end;
	uint64_t n;

	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || end == v)
		usage_die("%s: bad number '%s'", a, v);
	return n;
}

static void parse(int argc, char **argv, int first)
{
	int i;

	for (i = first; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--pread")) {
			o.pread_too = 1;
			continue;
		}
		if (!strcmp(a, "--sparse")) {
			o.sparse = 1;
			continue;
		}
		if (!strcmp(a, "--fsync")) {
			o.sync = 1;
			continue;
		}
		if (!v)
			usage_die("%s needs a value", a);
		i++;
		if (!strcmp(a, "--state"))
			o.state = v;
		else if (!strcmp(a, "--ready"))
			o.ready = v;
		else if (!strcmp(a, "--go"))
			o.go = v;
		else if (!strcmp(a, "--threads"))
			o.threads = num(a, v);
		else if (!strcmp(a, "--ops"))
			o.ops = num(a, v);
		else if (!strcmp(a, "--pages"))
			o.pages = num(a, v);
		else if (!strcmp(a, "--seed"))
			o.seed = num(a, v);
		else if (!strcmp(a, "--page")) {
			o.page = num(a, v);
			o.have_page = 1;
		} else if (!strcmp(a, "--version")) {
			o.version = num(a, v);
			o.have_version = 1;
		} else if (!strcmp(a, "--dirty")) {
			o.dirty = num(a, v);
			o.have_dirty = 1;
		} else if (!strcmp(a, "--eof-pages"))
			o.eof_pages = num(a, v);
		else if (!strcmp(a, "--timeout"))
			o.timeout = num(a, v);
		else if (!strcmp(a, "--hole")) {
			char *c = strchr(v, ':');

			if (!c)
				usage_die("--hole wants A:B (pages)");
			*c = 0;
			o.hole_a = num(a, v);
			o.hole_b = num(a, c + 1);
			if (o.hole_b < o.hole_a)
				usage_die("--hole: B < A");
		} else
			usage_die("unknown option %s", a);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} modes[] = {
		{ "create", do_create }, { "write", do_write },
		{ "verify", do_verify }, { "zeros", do_zeros },
		{ "check", do_check },	 { "poke", do_poke },
		{ "extend", do_extend }, { "watch", do_watch },
		{ "truncwait", do_truncwait }, { "hold", do_hold },
		{ "probe", do_probe },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return do_info();
	if (argc < 3)
		usage_die("usage: fm_filemap MODE FILE [options] (see the source)");
	o.path = argv[2];
	parse(argc, argv, 3);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn();
	usage_die("unknown mode %s", argv[1]);
	return 2;
}
