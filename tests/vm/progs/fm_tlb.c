// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_tlb: catches a missing or late TLB shootdown after eviction.
 *
 *   fm_tlb PATH [--seconds S] [--hot K] [--evictions N]
 *
 * The device must hold the fm_integrity "prefill" pattern (page p says p).
 * A reader pinned to CPU 0 keeps re-reading K hot pages through the mapping,
 * so their translations stay in its TLB without faulting. A streamer pinned
 * to CPU 1 touches every other page, so the cache keeps evicting - the hot
 * pages too - and recycling their frames for other offsets. If eviction ever
 * left a stale translation on CPU 0, the reader would read another page's
 * data from a recycled frame and see the wrong offset in its header.
 * It runs S seconds and then on until the cache has evicted N pages (at most
 * 20 * S seconds in all), so that a slow (debug) kernel gets as many chances
 * as a fast one. Exit 0 if every read saw the right page, 1 otherwise.
 */
#include "fmtest.h"
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include "fastmap.h"

static const uint8_t *map;
static uint64_t pages, hot = 4;
static volatile int stop;
static uint64_t reads, wrong, streamed;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "fm_tlb: cannot pin to CPU %d (%s)\n", cpu,
			strerror(errno));
}

static void *reader(void *arg)
{
	(void)arg;
	pin(0);
	while (!stop) {
		uint64_t p;

		for (p = 0; p < hot; p++) {
			const volatile uint64_t *w = (const void *)(map + p * FMT_PAGE);
			uint64_t off = w[1];

			reads++;
			if (off != p && wrong++ < 5)
				fprintf(stderr, "fm_tlb: page %llu read as page %llu\n",
					(unsigned long long)p,
					(unsigned long long)off);
		}
	}
	return NULL;
}

static void *streamer(void *arg)
{
	uint64_t p = hot;
	volatile uint64_t sink = 0;

	(void)arg;
	pin(1);
	while (!stop) {
		sink += *(const volatile uint64_t *)(map + p * FMT_PAGE + 8);
		streamed++;
		if (++p == pages)
			p = hot;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct fastmap_stats st0 = { 0 }, st1 = { 0 };
	unsigned int seconds = 10, waited = 0;
	uint64_t min_evictions = 0;
	pthread_t r, s;
	int i, fd;

	if (argc < 2)
		fmt_die("usage: %s PATH [--seconds S] [--hot K] [--evictions N]", argv[0]);
	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--hot"))
			hot = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--evictions"))
			min_evictions = strtoull(argv[i + 1], NULL, 0);
		else
			fmt_die("unknown option %s", argv[i]);
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		fmt_die("open %s", argv[1]);
	pages = fmt_dev_size(fd) / FMT_PAGE;
	if (pages <= hot * 2)
		fmt_die("device too small");
	map = mmap(NULL, pages * FMT_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		fmt_die("mmap");
	ioctl(fd, FASTMAP_IOC_GET_STATS, &st0);
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&s, NULL, streamer, NULL);
	sleep(seconds);
	for (waited = seconds; waited < 20 * seconds; waited++) {
		if (ioctl(fd, FASTMAP_IOC_GET_STATS, &st1) ||
		    st1.evictions - st0.evictions >= min_evictions)
			break;
		sleep(1);
	}
	stop = 1;
	pthread_join(r, NULL);
	pthread_join(s, NULL);
	ioctl(fd, FASTMAP_IOC_GET_STATS, &st1);
	printf("fm_tlb: %u s, %llu hot reads, %llu wrong, %llu streamed pages, %llu evictions, %llu shootdowns\n",
	       waited, (unsigned long long)reads, (unsigned long long)wrong,
	       (unsigned long long)streamed,
	       (unsigned long long)(st1.evictions - st0.evictions),
	       (unsigned long long)(st1.shootdowns - st0.shootdowns));
	if (st1.evictions == st0.evictions)
		fmt_die("no eviction happened: the test proved nothing");
	return wrong ? 1 : 0;
}
