// SPDX-License-Identifier: GPL-2.0-only
/*
 * fm_hog: take anonymous memory for the memory-pressure suite.
 *
 *   fm_hog hold MIB   touch MIB MiB, print "held MIB", then sleep until killed
 *   fm_hog grow       touch memory 4 MiB at a time until the OOM killer comes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define STEP (4UL << 20)

static int touch(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0xa5, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mib, done = 0;

	if (argc == 3 && !strcmp(argv[1], "hold")) {
		mib = strtoul(argv[2], NULL, 10);
		while (done < mib) {
			if (touch(STEP)) {
				perror("fm_hog: mmap");
				return 2;
			}
			done += STEP >> 20;
		}
		printf("held %lu\n", done);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc == 2 && !strcmp(argv[1], "grow")) {
		for (;;) {
			if (touch(STEP))
				usleep(1000);	/* mmap refused: keep trying */
			else
				done += STEP >> 20;
		}
	}
	fprintf(stderr, "usage: fm_hog hold MIB | fm_hog grow\n");
	return 2;
}
