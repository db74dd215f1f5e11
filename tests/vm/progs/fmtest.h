/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the in-VM data-path tests: a self-describing page
 * pattern (every word depends on the page offset and a version), argument
 * parsing and a tiny xorshift PRNG.
 */
#ifndef FMTEST_H
#define FMTEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#define FMT_PAGE 4096UL
#define FMT_WORDS (FMT_PAGE / 8)
#define FMT_MAGIC 0x666173746d617021ULL /* "fastmap!" */

static inline uint64_t fmt_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline uint64_t fmt_word(uint64_t off, uint64_t ver, unsigned int i)
{
	return fmt_mix((off << 20) ^ (ver << 44) ^ i);
}

static inline void fmt_fill(void *page, uint64_t off, uint64_t ver)
{
	uint64_t *w = page;
	unsigned int i;

	for (i = 3; i < FMT_WORDS; i++)
		w[i] = fmt_word(off, ver, i);
	w[2] = ver;
	w[1] = off;
	w[0] = FMT_MAGIC;
}

/* 0 if @page holds version @ver of page @off; else the first bad word + 1. */
static inline unsigned int fmt_check(const void *page, uint64_t off,
				     uint64_t ver)
{
	const volatile uint64_t *w = page;
	unsigned int i;

	if (w[0] != FMT_MAGIC)
		return 1;
	if (w[1] != off)
		return 2;
	if (w[2] != ver)
		return 3;
	for (i = 3; i < FMT_WORDS; i++)
		if (w[i] != fmt_word(off, ver, i))
			return i + 1;
	return 0;
}

static inline uint64_t fmt_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static inline void fmt_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	exit(2);
}

static inline uint64_t fmt_dev_size(int fd)
{
	struct stat st;
	uint64_t sz = 0;

	if (fstat(fd, &st))
		fmt_die("fstat");
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz))
			fmt_die("BLKGETSIZE64");
		return sz;
	}
	if (S_ISREG(st.st_mode))
		return st.st_size;
	/* a fastmap node: its size is where SEEK_END lands */
	sz = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	return sz;
}

#endif /* FMTEST_H */
