// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_crash: the guest side of the crash-consistency harness (tests/vm/crash/).
 *
 *   write PATH [--pages N] [--threads T] [--seconds S] [--seed X]
 *              [--extent E] [--ack FILE] [--flushstat FILE]
 *        T threads write whole-page records through a MAP_SHARED mapping of
 *        PATH (a fastmap node). Thread t owns the pages [t*N/T, (t+1)*N/T)
 *        and keeps their generations. One round: a random extent of 1..E
 *        pages of its own, every page at its next generation, then
 *        msync(MS_SYNC) of exactly that extent; only after msync returned 0
 *        one line goes to FILE (default /dev/console) with a single write(2):
 *            FMC-ACK <thread> <round> <n> <page>:<gen> ... END
 *        Every 8th round is not synced (left to eviction and background
 *        writeback, never acknowledged). With --flushstat (the device's
 *        /sys/block/X/stat) an msync must also see the device's count of
 *        completed flushes grow, or the line is FMC-NOFLUSH instead.
 *        Runs S seconds (the host normally kills the VM long before).
 *        --async is the harness's negative control: msync(MS_ASYNC), which
 *        does not wait for anything, and still FMC-ACK lines; a crash must
 *        then lose acknowledged writes, or the harness cannot see a loss.
 *   verify PATH --acks FILE [--pages N] [--direct]
 *        FILE: lines "<page> <gen>", one per acknowledged write. Reads every
 *        page of [0, N) (through mmap, or O_DIRECT pread with --direct),
 *        applies the rule below and counts the acknowledged writes that are
 *        lost: those whose generation is above the oldest word of the page.
 *
 * Records: word i of page p at generation g (g >= 1) is
 *     g << 40 | (mix(p, g, i) & (2^40 - 1))
 * so every 8-byte word says which generation wrote it and that it belongs to
 * word i of page p. An all-zero word is generation 0 (never written: the
 * image starts sparse).
 *
 * Rule, per page p with highest acknowledged generation A (0 if none):
 *   - every word must be valid (zero or a correct record word), else CORRUPT;
 *   - every word's generation must be >= A, else LOST.
 * A page whose words come from different generations (all >= A) is torn by
 * an unacknowledged write in progress (the application was filling the page
 * when writeback took it, or the kill hit): allowed, and counted.
 *
 * Exit 0 on success, 1 on a lost or corrupt page (verify) or a failed msync
 * (write), 2 on a usage/system error.
 */
#include "fmtest.h"
#include <pthread.h>
#include <time.h>

#define FMC_GEN_SHIFT	40
#define FMC_CHECK_MASK	((1ULL << FMC_GEN_SHIFT) - 1)
#define FMC_MAX_EXTENT	64

struct opts {
	const char *path, *ack, *acks, *flushstat;
	unsigned int threads, extent;
	uint64_t pages, seed, seconds;
	int direct, async;
};

static struct opts o = {
	.threads = 3, .extent = 16, .seed = 1, .seconds = 600,
	.ack = "/dev/console",
};
static uint8_t *map;
static uint32_t *gens;		/* per page; a page is owned by one thread */
static int ack_fd;
static pthread_mutex_t ack_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop, failed;
static uint64_t nr_acks, nr_acked_pages, nr_noflush;

static inline uint64_t fmc_word(uint64_t page, uint64_t gen, unsigned int i)
{
	return gen << FMC_GEN_SHIFT |
	       (fmt_mix(page * 0x9e3779b97f4a7c15ULL ^ gen << 44 ^ i) & FMC_CHECK_MASK);
}

static void fmc_fill(void *pg, uint64_t page, uint64_t gen)
{
	uint64_t *w = pg;
	unsigned int i;

	for (i = 0; i < FMT_WORDS; i++)
		w[i] = fmc_word(page, gen, i);
}

static void parse(int argc, char **argv, int first)
{
	int i;

	for (i = first; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--direct") || !strcmp(a, "--async")) {
			*(a[2] == 'd' ? &o.direct : &o.async) = 1;
			continue;
		}
		if (!v)
			fmt_die("%s needs a value", a);
		if (!strcmp(a, "--pages"))
			o.pages = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--threads"))
			o.threads = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seconds"))
			o.seconds = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--seed"))
			o.seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--extent"))
			o.extent = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--ack"))
			o.ack = v;
		else if (!strcmp(a, "--acks"))
			o.acks = v;
		else if (!strcmp(a, "--flushstat"))
			o.flushstat = v;
		else
			fmt_die("unknown option %s", a);
		i++;
	}
	if (!o.threads || !o.extent || o.extent > FMC_MAX_EXTENT)
		fmt_die("need --threads > 0 and --extent 1..%d", FMC_MAX_EXTENT);
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

/* One line to the ack channel with a single write(2), never buffered. */
static void say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf))
		fmt_die("ack line too long");
	pthread_mutex_lock(&ack_lock);
	if (write(ack_fd, buf, n) != n)
		fmt_die("write %s", o.ack);
	pthread_mutex_unlock(&ack_lock);
}

/* Completed flush requests of the device (field 16 of /sys/block/X/stat). */
static uint64_t flushes(void)
{
	unsigned long long v[17] = { 0 };
	char buf[512];
	ssize_t n;
	int fd, i, off = 0, len;

	fd = open(o.flushstat, O_RDONLY);
	if (fd < 0)
		fmt_die("open %s", o.flushstat);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		fmt_die("read %s", o.flushstat);
	buf[n] = 0;
	for (i = 0; i < 17; i++) {
		if (sscanf(buf + off, "%llu%n", &v[i], &len) != 1)
			fmt_die("%s has no flush counters", o.flushstat);
		off += len;
	}
	return v[15];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
	unsigned int t = (uintptr_t)arg;
	uint64_t lo = o.pages * t / o.threads, hi = o.pages * (t + 1) / o.threads;
	uint64_t seed = fmt_mix(o.seed * 1000003 + t + 1) | 1, round;
	char line[2048];

	for (round = 1; !stop && !failed; round++) {
		uint64_t r = fmt_rand(&seed), n, first, p, f0 = 0;
		int len, synced = round % 8 != 0;

		n = 1 + r % o.extent;
		if (n > hi - lo)
			n = hi - lo;
		first = lo + (r >> 16) % (hi - lo - n + 1);

		/* Now and then check a page of our own through the mapping. */
		if ((r >> 48) % 4 == 0) {
			p = lo + (r >> 8) % (hi - lo);
			if (gens[p]) {
				const volatile uint64_t *w = (void *)(map + p * FMT_PAGE);
				unsigned int i;

				for (i = 0; i < FMT_WORDS; i++)
					if (w[i] != fmc_word(p, gens[p], i))
						break;
				if (i < FMT_WORDS) {
					say("FMC-ERROR thread %u page %llu gen %u: bad word %u in the mapping\n",
					    t, (unsigned long long)p, gens[p], i);
					failed = 1;
					break;
				}
			}
		}

		for (p = first; p < first + n; p++)
			fmc_fill(map + p * FMT_PAGE, p, ++gens[p]);
		if (!synced)
			continue;

		if (o.flushstat && !o.async)
			f0 = flushes();
		if (msync(map + first * FMT_PAGE, n * FMT_PAGE,
			  o.async ? MS_ASYNC : MS_SYNC)) {
			say("FMC-ERROR thread %u: msync of pages %llu+%llu: %s\n",
			    t, (unsigned long long)first, (unsigned long long)n,
			    strerror(errno));
			failed = 1;
			break;
		}
		if (o.flushstat && !o.async && flushes() == f0) {
			/* acknowledged without a device flush: fail the trial */
			say("FMC-NOFLUSH thread %u round %llu pages %llu+%llu\n", t,
			    (unsigned long long)round, (unsigned long long)first,
			    (unsigned long long)n);
			__atomic_add_fetch(&nr_noflush, 1, __ATOMIC_RELAXED);
			continue;
		}
		len = snprintf(line, sizeof(line), "FMC-ACK %u %llu %llu", t,
			       (unsigned long long)round, (unsigned long long)n);
		for (p = first; p < first + n; p++)
			len += snprintf(line + len, sizeof(line) - len, " %llu:%u",
					(unsigned long long)p, gens[p]);
		say("%s END\n", line);
		__atomic_add_fetch(&nr_acks, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&nr_acked_pages, n, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int do_write(void)
{
	int fd = open_sized(O_RDWR);
	pthread_t *th = calloc(o.threads, sizeof(*th));
	double t0, next;
	unsigned int t;

	if (o.pages < o.threads)
		fmt_die("--pages must be >= --threads");
	ack_fd = open(o.ack, O_WRONLY | O_NOCTTY);
	if (ack_fd < 0)
		fmt_die("open %s", o.ack);
	gens = calloc(o.pages, sizeof(*gens));
	if (!th || !gens)
		fmt_die("calloc");
	map = mmap(NULL, o.pages * FMT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		fmt_die("mmap %s", o.path);
	if (o.flushstat)
		flushes();	/* fail early if the counters are missing */
	say("FMC-START seed=%llu pages=%llu threads=%u extent=%u%s\n",
	    (unsigned long long)o.seed, (unsigned long long)o.pages, o.threads,
	    o.extent, o.async ? " async (negative control)" : "");
	for (t = 0; t < o.threads; t++)
		if (pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)t))
			fmt_die("pthread_create");
	t0 = now();
	next = t0 + 5;
	while (!failed && now() - t0 < o.seconds) {
		usleep(100000);
		if (now() >= next) {
			say("FMC-STAT t=%.0f acks=%llu pages=%llu noflush=%llu\n",
			    now() - t0, (unsigned long long)nr_acks,
			    (unsigned long long)nr_acked_pages,
			    (unsigned long long)nr_noflush);
			next += 5;
		}
	}
	stop = 1;
	for (t = 0; t < o.threads; t++)
		pthread_join(th[t], NULL);
	say("FMC-DONE acks=%llu pages=%llu noflush=%llu failed=%d\n",
	    (unsigned long long)nr_acks, (unsigned long long)nr_acked_pages,
	    (unsigned long long)nr_noflush, failed);
	munmap(map, o.pages * FMT_PAGE);
	close(fd);
	return failed || nr_noflush ? 1 : 0;
}

/* Generation of word @w (word @i of page @page), or -1 if it is invalid. */
static int64_t word_gen(uint64_t w, uint64_t page, unsigned int i)
{
	uint64_t g = w >> FMC_GEN_SHIFT;

	if (!w)
		return 0;
	if (!g || w != fmc_word(page, g, i))
		return -1;
	return g;
}

static int do_verify(void)
{
	int fd = open_sized(O_RDONLY | (o.direct ? O_DIRECT : 0));
	uint64_t chunk = 256, base, p, acked = 0, lost = 0, corrupt = 0;
	uint64_t torn = 0, newer = 0, written = 0, reported = 0;
	uint64_t writes = 0, lost_writes = 0;
	uint32_t *ack;
	int64_t *oldest;	/* per page: oldest generation on the device */
	uint8_t *buf = NULL, *src;
	unsigned long long pg;
	unsigned int g;
	FILE *f;

	if (!o.acks)
		fmt_die("--acks is required");
	ack = calloc(o.pages, sizeof(*ack));
	oldest = calloc(o.pages, sizeof(*oldest));
	if (!ack || !oldest)
		fmt_die("calloc");
	f = fopen(o.acks, "r");
	if (!f)
		fmt_die("open %s", o.acks);
	while (fscanf(f, "%llu %u", &pg, &g) == 2) {
		if (pg >= o.pages)
			fmt_die("%s: page %llu beyond %llu pages", o.acks, pg,
				(unsigned long long)o.pages);
		if (g > ack[pg])
			ack[pg] = g;
		writes++;
	}
	for (p = 0; p < o.pages; p++)
		acked += ack[p] != 0;

	if (o.direct) {
		if (posix_memalign((void **)&buf, FMT_PAGE, chunk * FMT_PAGE))
			fmt_die("memalign");
	} else {
		map = mmap(NULL, o.pages * FMT_PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			fmt_die("mmap %s", o.path);
	}
	for (base = 0; base < o.pages; base += chunk) {
		uint64_t n = o.pages - base < chunk ? o.pages - base : chunk;

		if (o.direct) {
			if (pread(fd, buf, n * FMT_PAGE, base * FMT_PAGE) !=
			    (ssize_t)(n * FMT_PAGE))
				fmt_die("pread at page %llu", (unsigned long long)base);
			src = buf;
		} else {
			src = map + base * FMT_PAGE;
		}
		for (p = base; p < base + n; p++) {
			const uint64_t *w = (const void *)(src + (p - base) * FMT_PAGE);
			int64_t gmin = INT64_MAX, gmax = -1, gw;
			unsigned int i, bad = 0, first_bad = 0;

			for (i = 0; i < FMT_WORDS; i++) {
				gw = word_gen(w[i], p, i);
				if (gw < 0) {
					if (!bad++)
						first_bad = i;
					continue;
				}
				if (gw < gmin)
					gmin = gw;
				if (gw > gmax)
					gmax = gw;
			}
			oldest[p] = bad ? -1 : gmin;
			if (gmax > 0)
				written++;
			if (bad) {
				corrupt++;
				if (reported++ < 20)
					printf("CORRUPT page %llu: %u invalid words, first %u = %016llx (acked gen %u)\n",
					       (unsigned long long)p, bad, first_bad,
					       (unsigned long long)w[first_bad], ack[p]);
				continue;
			}
			if (gmin < ack[p]) {
				lost++;
				if (reported++ < 20)
					printf("LOST page %llu: acked gen %u, device has gens %lld..%lld\n",
					       (unsigned long long)p, ack[p],
					       (long long)gmin, (long long)gmax);
				continue;
			}
			if (gmin != gmax)
				torn++;
			if (gmax > ack[p])
				newer++;
		}
	}
	rewind(f);
	while (fscanf(f, "%llu %u", &pg, &g) == 2)
		lost_writes += (int64_t)g > oldest[pg];
	fclose(f);
	printf("verify %s%s: %llu acked writes, %llu lost writes; pages: %llu, %llu written, %llu acked, %llu lost, %llu corrupt, %llu torn (unacked), %llu newer than acked\n",
	       o.path, o.direct ? " (O_DIRECT)" : " (mmap)",
	       (unsigned long long)writes, (unsigned long long)lost_writes,
	       (unsigned long long)o.pages, (unsigned long long)written,
	       (unsigned long long)acked, (unsigned long long)lost,
	       (unsigned long long)corrupt, (unsigned long long)torn,
	       (unsigned long long)newer);
	close(fd);
	return lost || corrupt || lost_writes ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		fmt_die("usage: fm_crash write|verify PATH [options] (see the source)");
	o.path = argv[2];
	parse(argc, argv, 3);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "write"))
		return do_write();
	if (!strcmp(argv[1], "verify"))
		return do_verify();
	fmt_die("unknown command %s", argv[1]);
	return 2;
}
