// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_stress: concurrency stress of one instance by several processes.
 *
 *   fm_stress PATH [--procs P] [--threads T] [--seconds S] [--pages N]
 *
 * The device must hold the fm_integrity "prefill" pattern. P processes each
 * run T writer threads and one chaos thread for S seconds. Every thread is a
 * writer that owns the pages p with p % (P * (T + 1)) == its id and records
 * the versions it writes in shared memory. Writers write and check their own
 * pages and check the header of any page through the process's big mapping.
 * The chaos thread meanwhile forks short-lived children that read and exit,
 * maps small windows and splits them (munmap of a middle part, mprotect),
 * moves them with mremap, and writes its own pages through those windows.
 * At the end every process msyncs; the parent then verifies every page
 * through a fresh mapping. Exit 0 if all data is right, 1 otherwise.
 */
#include "fmtest.h"
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

#define WIN 64UL	/* window size in pages */

static uint64_t pages;
static unsigned int procs = 2, threads = 2, seconds = 10, nwriters;
static int fd;
static uint8_t *map;
static volatile uint32_t *versions;	/* shared between processes */
static volatile int *bad;		/* shared */
static volatile int stop;
static uint64_t chaos_ops[8];

static void report(const char *what, uint64_t p, uint64_t got)
{
	if (__sync_fetch_and_add(bad, 1) < 10)
		fprintf(stderr, "fm_stress[%d]: %s page %llu (got %llu)\n",
			getpid(), what, (unsigned long long)p,
			(unsigned long long)got);
}

static int header_ok(const uint8_t *pg, uint64_t p)
{
	const volatile uint64_t *w = (const void *)pg;

	if (w[0] != FMT_MAGIC || w[1] != p) {
		report("wrong header in", p, w[1]);
		return 0;
	}
	return 1;
}

static uint64_t owned_page(unsigned int id, uint64_t r)
{
	uint64_t n = (pages - id + nwriters - 1) / nwriters;

	return (r % n) * nwriters + id;
}

static void write_page(uint8_t *pg, uint64_t p)
{
	uint32_t v = versions[p] + 1;

	fmt_fill(pg, p, v);
	versions[p] = v;
}

static void *writer(void *arg)
{
	unsigned int id = (uintptr_t)arg;
	uint64_t seed = fmt_mix(id + 77) | 1;

	while (!stop) {
		uint64_t r = fmt_rand(&seed), p = owned_page(id, r);
		uint8_t *pg = map + p * FMT_PAGE;
		unsigned int w;

		switch ((r >> 50) % 3) {
		case 0:
			w = fmt_check(pg, p, versions[p]);
			if (w)
				report("stale data in own", p, w);
			break;
		case 1:
			header_ok(map + ((r >> 10) % pages) * FMT_PAGE,
				  (r >> 10) % pages);
			break;
		default:
			write_page(pg, p);
		}
	}
	return NULL;
}

/* Map WIN pages of the node starting at a random window. */
static uint8_t *map_window(uint64_t *first, uint64_t r)
{
	uint8_t *w;

	*first = (r % (pages / WIN)) * WIN;
	w = mmap(NULL, WIN * FMT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 *first * FMT_PAGE);
	if (w == MAP_FAILED)
		fmt_die("mmap window");
	return w;
}

/* Check headers of the window and write this thread's pages through it. */
static void use_window(uint8_t *w, uint64_t first, uint64_t from, uint64_t to,
		       unsigned int id)
{
	uint64_t i;

	for (i = from; i < to; i++) {
		uint64_t p = first + i;

		if (!header_ok(w + i * FMT_PAGE, p))
			return;
		if (p % nwriters == id)
			write_page(w + i * FMT_PAGE, p);
	}
}

static void *chaos(void *arg)
{
	unsigned int id = (uintptr_t)arg;
	uint64_t seed = fmt_mix(id * 31 + 5) | 1;

	while (!stop) {
		uint64_t r = fmt_rand(&seed), first;
		unsigned int op = (r >> 56) % 5;
		uint8_t *w, *n;
		pid_t pid;

		switch (op) {
		case 0:	/* fork a reader that exits */
			pid = fork();
			if (pid == 0) {
				uint64_t i, s = r | 1;

				for (i = 0; i < 200; i++) {
					uint64_t p = fmt_rand(&s) % pages;

					header_ok(map + p * FMT_PAGE, p);
				}
				_exit(0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
			break;
		case 1:	/* split by munmap of the middle */
			w = map_window(&first, r);
			use_window(w, first, 0, WIN, id);
			munmap(w + 16 * FMT_PAGE, 16 * FMT_PAGE);
			use_window(w, first, 0, 16, id);
			use_window(w, first, 32, WIN, id);
			munmap(w, 16 * FMT_PAGE);
			munmap(w + 32 * FMT_PAGE, (WIN - 32) * FMT_PAGE);
			break;
		case 2:	/* split by mprotect */
			w = map_window(&first, r);
			use_window(w, first, 0, WIN, id);
			mprotect(w + 8 * FMT_PAGE, 8 * FMT_PAGE, PROT_READ);
			use_window(w, first, 16, WIN, id);
			munmap(w, WIN * FMT_PAGE);
			break;
		case 3: /* move with mremap, keep writing through it */
			w = map_window(&first, r);
			use_window(w, first, 0, WIN, id);
			n = mmap(NULL, 2 * WIN * FMT_PAGE, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (n == MAP_FAILED)
				fmt_die("reserve");
			n = mremap(w, WIN * FMT_PAGE, WIN * FMT_PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   n + WIN * FMT_PAGE);
			if (n == MAP_FAILED)
				fmt_die("mremap");
			use_window(n, first, 0, WIN, id);
			munmap(n - WIN * FMT_PAGE, 2 * WIN * FMT_PAGE);
			break;
		default: /* shrink in place with mremap */
			w = map_window(&first, r);
			use_window(w, first, 0, WIN, id);
			n = mremap(w, WIN * FMT_PAGE, 8 * FMT_PAGE, 0);
			if (n == MAP_FAILED)
				fmt_die("mremap shrink");
			use_window(n, first, 0, 8, id);
			munmap(n, 8 * FMT_PAGE);
			break;
		}
		chaos_ops[op]++;
	}
	return NULL;
}

static void run_process(unsigned int proc)
{
	pthread_t th[64];
	unsigned int t, base = proc * (threads + 1);

	for (t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)(base + t));
	pthread_create(&th[threads], NULL, chaos,
		       (void *)(uintptr_t)(base + threads));
	sleep(seconds);
	stop = 1;
	for (t = 0; t <= threads; t++)
		pthread_join(th[t], NULL);
	if (msync(map, pages * FMT_PAGE, MS_SYNC))
		fmt_die("msync");
	printf("fm_stress[%u]: chaos fork %llu split %llu mprotect %llu mremap %llu shrink %llu\n",
	       proc, (unsigned long long)chaos_ops[0],
	       (unsigned long long)chaos_ops[1], (unsigned long long)chaos_ops[2],
	       (unsigned long long)chaos_ops[3], (unsigned long long)chaos_ops[4]);
}

int main(int argc, char **argv)
{
	uint64_t p, wrong = 0;
	unsigned int i;
	void *shm;

	if (argc < 2)
		fmt_die("usage: %s PATH [--procs P] [--threads T] [--seconds S] [--pages N]",
			argv[0]);
	for (i = 2; i + 1 < (unsigned int)argc; i += 2) {
		unsigned long v = strtoul(argv[i + 1], NULL, 0);

		if (!strcmp(argv[i], "--procs"))
			procs = v;
		else if (!strcmp(argv[i], "--threads"))
			threads = v;
		else if (!strcmp(argv[i], "--seconds"))
			seconds = v;
		else if (!strcmp(argv[i], "--pages"))
			pages = v;
		else
			fmt_die("unknown option %s", argv[i]);
	}
	if (!procs || !threads || threads > 63)
		fmt_die("bad --procs/--threads");
	nwriters = procs * (threads + 1);
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		fmt_die("open %s", argv[1]);
	if (!pages || pages > fmt_dev_size(fd) / FMT_PAGE)
		pages = fmt_dev_size(fd) / FMT_PAGE;
	pages -= pages % WIN;
	shm = mmap(NULL, pages * 4 + 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		fmt_die("shared state");
	bad = shm;
	versions = (uint32_t *)((char *)shm + 4096);
	map = mmap(NULL, pages * FMT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		fmt_die("mmap");
	for (i = 1; i < procs; i++) {
		if (fork() == 0) {
			run_process(i);
			_exit(0);
		}
	}
	run_process(0);
	while (wait(NULL) > 0)
		;
	munmap(map, pages * FMT_PAGE);
	map = mmap(NULL, pages * FMT_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		fmt_die("mmap verify");
	for (p = 0; p < pages; p++) {
		unsigned int w = fmt_check(map + p * FMT_PAGE, p, versions[p]);

		if (w && wrong++ < 10)
			fprintf(stderr, "fm_stress: page %llu: want v%u, bad word %u\n",
				(unsigned long long)p, versions[p], w - 1);
	}
	printf("fm_stress: %u procs x %u writers, %llu pages: %llu bad pages, %d errors during run\n",
	       procs, threads + 1, (unsigned long long)pages,
	       (unsigned long long)wrong, *bad);
	return wrong || *bad ? 1 : 0;
}
