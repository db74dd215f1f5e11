/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libfastmap: per-file mode of fastmap for programs that want it explicitly.
 *
 * An administrator enables a regular file on ext4 or xfs (`fastmapctl enable FILE`); a program
 * then maps and accesses it through the file's fastmap instance instead of the page cache. The
 * kernel side is FASTMAP_IOC_FILE_OPEN on the control node /dev/fastmap/control (see
 * <linux/fastmap.h> and docs/interfaces.md). Unmodified programs get the same through the
 * LD_PRELOAD library libfastmap-preload.so (`fastmapctl run -- COMMAND`).
 *
 * Link with -lfastmap (pkg-config fastmap). Every function is thread-safe and sets errno on
 * failure. Only Linux; C11 or C++.
 */
#ifndef FASTMAP_FASTMAP_H
#define FASTMAP_FASTMAP_H

#include <linux/fastmap.h> /* struct fastmap_stats, FASTMAP_CONTROL_NODE */
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FASTMAP_API __attribute__((visibility("default")))
#else
#define FASTMAP_API
#endif

/* The soname's major version: libfastmap.so.1. */
#define FASTMAP_LIB_SOVERSION 1

/*
 * Opens the fastmap instance of the regular file open at fd (created at its first use, named
 * "f<dev>.<ino>" in hex) and returns a new descriptor on it, O_CLOEXEC, with fd's access mode:
 * mmap(MAP_SHARED), read/write/pread/pwrite/readv/writev (coherent with the mappings), lseek
 * (SEEK_END is the file size), fsync/fdatasync (write back to the file and fsync it) and the
 * instance ioctls of <linux/fastmap.h> work on it; a write past the end extends the file. The
 * caller owns the descriptor (close() it). fd must be open for reading.
 *
 * Returns -1 with errno: ENOENT the file is not enabled (the normal "not fastmap" answer);
 * ENODEV no usable control node (the module is not loaded, or too old for per-file mode);
 * EINVAL not a regular file; EOPNOTSUPP the file system is not ext4 or xfs; EBUSY the file is
 * mapped by someone without fastmap; EACCES fd is not open for reading; EBADF bad fd.
 */
FASTMAP_API int fastmap_file_open(int fd);

/*
 * Whether the file open at fd is served by fastmap: 1 yes (this may create its instance), 0 not
 * enabled or no fastmap module, -1 with errno for the other errors of fastmap_file_open()
 * (EBUSY, EOPNOTSUPP, EINVAL, EACCES, EBADF ...): the file cannot be served now.
 */
FASTMAP_API int fastmap_file_enabled(int fd);

/*
 * mmap() that goes through fastmap when it can: when fd is a regular file that is enabled and
 * flags maps it MAP_SHARED (or MAP_SHARED_VALIDATE), the mapping is made from the file's
 * fastmap instance; otherwise (MAP_PRIVATE, MAP_ANONYMOUS, a file that is not enabled, no
 * module) this is plain mmap(). Arguments, result and errors are mmap()'s; a fastmap mapping
 * that fails is not retried through the page cache (the two would not be coherent).
 *
 * The process keeps one fastmap descriptor per file (by st_dev and st_ino) for these mappings,
 * opened at first use and kept open; answers "not enabled" are asked again after a second, so
 * a file enabled while the program runs is picked up. A fastmap mapping is unmapped with
 * munmap(); it cannot be grown with mremap() (the kernel refuses: EFAULT) — the preload library
 * emulates that for unmodified programs.
 */
FASTMAP_API void* fastmap_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off);

/*
 * The counters of the fastmap instance of the file open at fd (FASTMAP_IOC_GET_STATS), using
 * the process's fastmap descriptor for it (opened if needed, as fastmap_mmap() does). fd may
 * also be a fastmap descriptor itself (from fastmap_file_open(), or an instance node). Returns
 * 0, or -1 with errno as fastmap_file_open() (ENOENT: the file is not enabled).
 */
FASTMAP_API int fastmap_file_stats(int fd, struct fastmap_stats* out);

/* The library's version, e.g. "0.1.0". */
FASTMAP_API const char* fastmap_version(void);

#ifdef __cplusplus
}
#endif

#endif /* FASTMAP_FASTMAP_H */
