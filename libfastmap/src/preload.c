/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libfastmap-preload.so: LD_PRELOAD it (`fastmapctl run -- COMMAND`) and an unmodified,
 * dynamically linked program uses fastmap for the files an administrator enabled:
 *
 *   mmap/mmap64 (MAP_SHARED)          mapped from the file's fastmap fd, recorded
 *   munmap, mprotect                  bookkeeping of the recorded mappings
 *   mremap                            emulated for recorded mappings (fm_mremap)
 *   read/pread/pread64/readv/preadv/preadv64/preadv2/preadv64v2    through the fastmap fd
 *   (and __read_chk/__pread_chk/__pread64_chk, which _FORTIFY_SOURCE builds call)
 *   write/pwrite/pwrite64/writev/pwritev/pwritev64/pwritev2/pwritev64v2
 *   fsync/fdatasync/sync_file_range   on the fastmap fd (the kernel writes back to the file)
 *   close/dup2/dup3/close_range/closefrom   forget a fastmap fd the program closes itself
 *
 * Everything else (open, lseek, ftruncate, fstat, fallocate, ...) goes to the file as usual:
 * the kernel notices size changes made outside fastmap. Calls libc makes internally (stdio's
 * fread/fwrite, sendfile, copy_file_range) are not interposable and reach the file directly.
 *
 * Every interposer first checks a thread-local guard: calls made while the preload is at work
 * (from dlsym(), malloc(), a signal handler that interrupted it ...) go straight to the real
 * function, and the real functions are resolved lazily with dlsym(RTLD_NEXT), falling back to
 * the raw system call while that is not done yet. Without a usable control node (module not
 * loaded) everything passes through after one clock read; the node is looked for again every
 * second. FASTMAP_PRELOAD_DEBUG=1 prints one line per file it routes (or cannot route for a
 * reason other than "not enabled") on stderr.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fm_core.h"
#include "fm_sys.h"

#define FM_EXPORT __attribute__((visibility("default")))

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x00000001
#endif
#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif
#ifndef RWF_SYNC
#define RWF_SYNC 0x00000004
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x00000010
#endif
#ifndef SYNC_FILE_RANGE_WAIT_AFTER
#define SYNC_FILE_RANGE_WAIT_AFTER 4
#endif

/* Non-zero while this thread is inside the preload: nested calls pass straight through. */
static __thread int fm_guard __attribute__((tls_model("initial-exec")));

/* ---- the real functions ---------------------------------------------------------------- */

static struct {
    ssize_t (*read)(int, void*, size_t);
    ssize_t (*write)(int, const void*, size_t);
    ssize_t (*pread)(int, void*, size_t, off_t);
    ssize_t (*pwrite)(int, const void*, size_t, off_t);
    ssize_t (*readv)(int, const struct iovec*, int);
    ssize_t (*writev)(int, const struct iovec*, int);
    ssize_t (*preadv)(int, const struct iovec*, int, off_t);
    ssize_t (*pwritev)(int, const struct iovec*, int, off_t);
    ssize_t (*preadv2)(int, const struct iovec*, int, off_t, int);
    ssize_t (*pwritev2)(int, const struct iovec*, int, off_t, int);
    void* (*mmap)(void*, size_t, int, int, int, off_t);
    int (*munmap)(void*, size_t);
    void* (*mremap)(void*, size_t, size_t, int, ...);
    int (*mprotect)(void*, size_t, int);
    int (*fsync)(int);
    int (*fdatasync)(int);
    int (*sync_file_range)(int, off_t, off_t, unsigned int);
    int (*close)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*close_range)(unsigned int, unsigned int, int);
    void (*closefrom)(int);
} real;

static int fm_resolved;
static int fm_debug;

#define RESOLVE(name) \
    __atomic_store_n((void**)&real.name, dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE)

static void fm_resolve(void) {
    if (__atomic_load_n(&fm_resolved, __ATOMIC_ACQUIRE)) {
        return;
    }
    fm_guard++; /* dlsym() may call back into us (malloc -> mmap ...): pass those through */
    RESOLVE(read);
    RESOLVE(write);
    RESOLVE(pread);
    RESOLVE(pwrite);
    RESOLVE(readv);
    RESOLVE(writev);
    RESOLVE(preadv);
    RESOLVE(pwritev);
    RESOLVE(preadv2);
    RESOLVE(pwritev2);
    RESOLVE(mmap);
    RESOLVE(munmap);
    RESOLVE(mremap);
    RESOLVE(mprotect);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    RESOLVE(sync_file_range);
    RESOLVE(close);
    RESOLVE(dup2);
    RESOLVE(dup3);
    RESOLVE(close_range);
    RESOLVE(closefrom);
    const char* debug = getenv("FASTMAP_PRELOAD_DEBUG");
    fm_debug = debug != NULL && debug[0] == '1';
    fm_guard--;
    __atomic_store_n(&fm_resolved, 1, __ATOMIC_RELEASE);
}

#define REAL(name) __atomic_load_n(&real.name, __ATOMIC_ACQUIRE)

/* The real calls, with the raw system call until dlsym() answered. */
static ssize_t call_read(int fd, void* buf, size_t n) {
    ssize_t (*f)(int, void*, size_t) = REAL(read);
    return f ? f(fd, buf, n) : syscall(SYS_read, fd, buf, n);
}
static ssize_t call_write(int fd, const void* buf, size_t n) {
    ssize_t (*f)(int, const void*, size_t) = REAL(write);
    return f ? f(fd, buf, n) : syscall(SYS_write, fd, buf, n);
}
static ssize_t call_pread(int fd, void* buf, size_t n, off_t off) {
    ssize_t (*f)(int, void*, size_t, off_t) = REAL(pread);
    return f ? f(fd, buf, n, off) : syscall(SYS_pread64, fd, buf, n, off);
}
static ssize_t call_pwrite(int fd, const void* buf, size_t n, off_t off) {
    ssize_t (*f)(int, const void*, size_t, off_t) = REAL(pwrite);
    return f ? f(fd, buf, n, off) : syscall(SYS_pwrite64, fd, buf, n, off);
}
static ssize_t call_readv(int fd, const struct iovec* iov, int cnt) {
    ssize_t (*f)(int, const struct iovec*, int) = REAL(readv);
    return f ? f(fd, iov, cnt) : syscall(SYS_readv, fd, iov, cnt);
}
static ssize_t call_writev(int fd, const struct iovec* iov, int cnt) {
    ssize_t (*f)(int, const struct iovec*, int) = REAL(writev);
    return f ? f(fd, iov, cnt) : syscall(SYS_writev, fd, iov, cnt);
}
/* preadv/pwritev(2) take the offset as two longs (low, high), like glibc's LO_HI_LONG. */
#define LO_HI(off) (long)(off), (long)((uint64_t)(off) >> 32)
static ssize_t call_preadv(int fd, const struct iovec* iov, int cnt, off_t off) {
    ssize_t (*f)(int, const struct iovec*, int, off_t) = REAL(preadv);
    return f ? f(fd, iov, cnt, off) : syscall(SYS_preadv, fd, iov, cnt, LO_HI(off));
}
static ssize_t call_pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
    ssize_t (*f)(int, const struct iovec*, int, off_t) = REAL(pwritev);
    return f ? f(fd, iov, cnt, off) : syscall(SYS_pwritev, fd, iov, cnt, LO_HI(off));
}
static ssize_t call_preadv2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
    ssize_t (*f)(int, const struct iovec*, int, off_t, int) = REAL(preadv2);
    return f ? f(fd, iov, cnt, off, flags) : syscall(SYS_preadv2, fd, iov, cnt, LO_HI(off), flags);
}
static ssize_t call_pwritev2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
    ssize_t (*f)(int, const struct iovec*, int, off_t, int) = REAL(pwritev2);
    return f ? f(fd, iov, cnt, off, flags) : syscall(SYS_pwritev2, fd, iov, cnt, LO_HI(off), flags);
}
static void* call_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
    void* (*f)(void*, size_t, int, int, int, off_t) = REAL(mmap);
    return f ? f(addr, len, prot, flags, fd, off)
             : (void*)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}
static int call_munmap(void* addr, size_t len) {
    int (*f)(void*, size_t) = REAL(munmap);
    return f ? f(addr, len) : (int)syscall(SYS_munmap, addr, len);
}
static void* call_mremap(void* old, size_t old_len, size_t new_len, int flags, void* new_addr) {
    void* (*f)(void*, size_t, size_t, int, ...) = REAL(mremap);
    return f ? f(old, old_len, new_len, flags, new_addr)
             : (void*)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}
static int call_mprotect(void* addr, size_t len, int prot) {
    int (*f)(void*, size_t, int) = REAL(mprotect);
    return f ? f(addr, len, prot) : (int)syscall(SYS_mprotect, addr, len, prot);
}
static int call_fsync(int fd) {
    int (*f)(int) = REAL(fsync);
    return f ? f(fd) : (int)syscall(SYS_fsync, fd);
}
static int call_fdatasync(int fd) {
    int (*f)(int) = REAL(fdatasync);
    return f ? f(fd) : (int)syscall(SYS_fdatasync, fd);
}
static int call_close(int fd) {
    int (*f)(int) = REAL(close);
    return f ? f(fd) : (int)syscall(SYS_close, fd);
}
static int call_dup3(int oldfd, int newfd, int flags) {
    int (*f)(int, int, int) = REAL(dup3);
    return f ? f(oldfd, newfd, flags) : (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

/* ---- the core's view of the system ------------------------------------------------------- */

static int sys_file_open(int fd, char* name) {
    return fm_sys_file_open_with(fd, name, call_close);
}

/* FASTMAP_PRELOAD_DEBUG=1: "fastmap: /path -> fastmap instance NAME" once per file. */
static void sys_note(int fd, const char* name, int err) {
    if (!fm_debug) {
        return;
    }
    char link[64];
    char path[1024];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n < 0) {
        snprintf(path, sizeof(path), "fd %d", fd);
    } else {
        path[n] = '\0';
    }
    char line[1200];
    int len;
    if (err == 0) {
        len = snprintf(line, sizeof(line), "fastmap: %s -> fastmap instance %s\n", path, name);
    } else {
        len = snprintf(line, sizeof(line), "fastmap: %s: not served by fastmap: %s\n", path,
                       strerror(err));
    }
    if (len > 0) {
        call_write(STDERR_FILENO, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line));
    }
}

static const struct fm_sys preload_sys = {
    .file_open = sys_file_open,
    .identify = fm_sys_identify,
    .sync_range = fm_sys_sync_range,
    .close = call_close,
    .dup3 = call_dup3,
    .fstat = fstat,
    .getfl = fm_sys_getfl,
    .lseek = lseek,
    .pread = call_pread,
    .pwrite = call_pwrite,
    .preadv = call_preadv,
    .pwritev = call_pwritev,
    .fsync = call_fsync,
    .fdatasync = call_fdatasync,
    .mmap = call_mmap,
    .munmap = call_munmap,
    .now_ms = fm_sys_now_ms,
    .note = sys_note,
};

static struct fm_state state = FM_STATE_INITIALIZER(&preload_sys);

static void preload_prepare(void) {
    fm_state_atfork_prepare(&state);
}
static void preload_parent(void) {
    fm_state_atfork_parent(&state);
}
static void preload_child(void) {
    fm_state_atfork_child(&state);
}

__attribute__((constructor)) static void preload_init(void) {
    fm_resolve();
    pthread_atfork(preload_prepare, preload_parent, preload_child);
    fm_guard++;
    if (!fm_sys_control_present()) {
        fm_set_absent(&state);
    }
    fm_guard--;
}

/* Enters the preload for routing: 0 when the call must pass straight through. */
static int fm_enter(void) {
    if (fm_guard) {
        return 0;
    }
    fm_resolve();
    if (fm_module_absent(&state)) {
        return 0;
    }
    fm_guard++;
    return 1;
}

static void fm_leave(void) {
    fm_guard--;
}

/* ---- I/O ---------------------------------------------------------------------------------- */

/* Runs a routing attempt: returns from the interposer with its result when it was served,
 * else restores errno and falls through to the real call. */
#define TRY_ROUTE(ret, call)          \
    do {                              \
        if (fm_enter()) {             \
            const int saved_ = errno; \
            const int done_ = (call); \
            fm_leave();               \
            if (done_) {              \
                return (ret);         \
            }                         \
            errno = saved_;           \
        }                             \
    } while (0)

FM_EXPORT ssize_t read(int fd, void* buf, size_t n) {
    ssize_t r;
    TRY_ROUTE(r, fm_read(&state, fd, buf, n, -1, &r));
    return call_read(fd, buf, n);
}

/* _FORTIFY_SOURCE builds (Debian's packages) call these instead of read() and pread(); glibc's
 * own versions call its internal read, which is not interposable. */
extern void __chk_fail(void) __attribute__((noreturn));

FM_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
    if (n > buflen) {
        __chk_fail();
    }
    return read(fd, buf, n);
}

FM_EXPORT ssize_t write(int fd, const void* buf, size_t n) {
    ssize_t r;
    TRY_ROUTE(r, fm_write(&state, fd, buf, n, -1, 0, &r));
    return call_write(fd, buf, n);
}

FM_EXPORT ssize_t pread(int fd, void* buf, size_t n, off_t off) {
    ssize_t r;
    if (off >= 0) { /* a negative offset is the real call's EINVAL */
        TRY_ROUTE(r, fm_read(&state, fd, buf, n, off, &r));
    }
    return call_pread(fd, buf, n, off);
}

FM_EXPORT ssize_t pread64(int fd, void* buf, size_t n, off64_t off) {
    return pread(fd, buf, n, (off_t)off);
}

FM_EXPORT ssize_t __pread_chk(int fd, void* buf, size_t n, off_t off, size_t buflen) {
    if (n > buflen) {
        __chk_fail();
    }
    return pread(fd, buf, n, off);
}

FM_EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t off, size_t buflen) {
    if (n > buflen) {
        __chk_fail();
    }
    return pread(fd, buf, n, (off_t)off);
}

FM_EXPORT ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
    ssize_t r;
    if (off >= 0) {
        TRY_ROUTE(r, fm_write(&state, fd, buf, n, off, 0, &r));
    }
    return call_pwrite(fd, buf, n, off);
}

FM_EXPORT ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
    return pwrite(fd, buf, n, (off_t)off);
}

FM_EXPORT ssize_t readv(int fd, const struct iovec* iov, int cnt) {
    ssize_t r;
    TRY_ROUTE(r, fm_readv(&state, fd, iov, cnt, -1, &r));
    return call_readv(fd, iov, cnt);
}

FM_EXPORT ssize_t writev(int fd, const struct iovec* iov, int cnt) {
    ssize_t r;
    TRY_ROUTE(r, fm_writev(&state, fd, iov, cnt, -1, 0, &r));
    return call_writev(fd, iov, cnt);
}

FM_EXPORT ssize_t preadv(int fd, const struct iovec* iov, int cnt, off_t off) {
    ssize_t r;
    if (off >= 0) {
        TRY_ROUTE(r, fm_readv(&state, fd, iov, cnt, off, &r));
    }
    return call_preadv(fd, iov, cnt, off);
}

FM_EXPORT ssize_t preadv64(int fd, const struct iovec* iov, int cnt, off64_t off) {
    return preadv(fd, iov, cnt, (off_t)off);
}

FM_EXPORT ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
    ssize_t r;
    if (off >= 0) {
        TRY_ROUTE(r, fm_writev(&state, fd, iov, cnt, off, 0, &r));
    }
    return call_pwritev(fd, iov, cnt, off);
}

FM_EXPORT ssize_t pwritev64(int fd, const struct iovec* iov, int cnt, off64_t off) {
    return pwritev(fd, iov, cnt, (off_t)off);
}

/* The RWF_* flags fastmap can honour (HIPRI and NOWAIT are hints: the call may block). */
#define ROUTED_RWF (RWF_HIPRI | RWF_NOWAIT | RWF_DSYNC | RWF_SYNC | RWF_APPEND)

FM_EXPORT ssize_t preadv2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
    ssize_t r;
    if (off >= -1 && (flags & ~(RWF_HIPRI | RWF_NOWAIT)) == 0) { /* -1: the file position */
        TRY_ROUTE(r, fm_readv(&state, fd, iov, cnt, off, &r));
    }
    return call_preadv2(fd, iov, cnt, off, flags);
}

FM_EXPORT ssize_t preadv64v2(int fd, const struct iovec* iov, int cnt, off64_t off, int flags) {
    return preadv2(fd, iov, cnt, (off_t)off, flags);
}

FM_EXPORT ssize_t pwritev2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
    ssize_t r;
    if (off >= -1 && (flags & ~ROUTED_RWF) == 0) {
        const int xflags = ((flags & RWF_APPEND) ? O_APPEND : 0) |
                           ((flags & (RWF_DSYNC | RWF_SYNC)) ? O_DSYNC : 0);
        TRY_ROUTE(r, fm_writev(&state, fd, iov, cnt, off, xflags, &r));
    }
    return call_pwritev2(fd, iov, cnt, off, flags);
}

FM_EXPORT ssize_t pwritev64v2(int fd, const struct iovec* iov, int cnt, off64_t off, int flags) {
    return pwritev2(fd, iov, cnt, (off_t)off, flags);
}

FM_EXPORT int fsync(int fd) {
    int r;
    TRY_ROUTE(r, fm_fsync(&state, fd, 0, &r));
    return call_fsync(fd);
}

FM_EXPORT int fdatasync(int fd) {
    int r;
    TRY_ROUTE(r, fm_fsync(&state, fd, 1, &r));
    return call_fdatasync(fd);
}

FM_EXPORT int sync_file_range(int fd, off64_t off, off64_t nbytes, unsigned int flags) {
    int r;
    TRY_ROUTE(r, fm_sync_range(&state, fd, (off_t)off, (off_t)nbytes,
                               (flags & SYNC_FILE_RANGE_WAIT_AFTER) != 0, &r));
    int (*f)(int, off_t, off_t, unsigned int) = REAL(sync_file_range);
    if (f != NULL) {
        return f(fd, (off_t)off, (off_t)nbytes, flags);
    }
    return (int)syscall(SYS_sync_file_range, fd, off, nbytes, flags);
}

/* ---- mappings ----------------------------------------------------------------------------- */

FM_EXPORT void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
    void* p = MAP_FAILED;
    if (fd >= 0 && (flags & MAP_ANONYMOUS) == 0) {
        TRY_ROUTE(p, fm_mmap(&state, addr, len, prot, flags, fd, off, 1, &p));
    }
    p = call_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && (flags & MAP_FIXED) != 0 && state.any_maps && !fm_guard) {
        fm_guard++;
        fm_note_unmapped(&state, p, len); /* replaced whatever was mapped there */
        fm_guard--;
    }
    return p;
}

FM_EXPORT void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off64_t off) {
    return mmap(addr, len, prot, flags, fd, (off_t)off);
}

FM_EXPORT int munmap(void* addr, size_t len) {
    if (!fm_guard && state.any_maps) {
        fm_guard++;
        const int r = fm_munmap(&state, addr, len);
        fm_guard--;
        return r;
    }
    return call_munmap(addr, len);
}

FM_EXPORT int mprotect(void* addr, size_t len, int prot) {
    const int r = call_mprotect(addr, len, prot);
    if (r == 0 && !fm_guard && state.any_maps) {
        const int saved = errno;
        fm_guard++;
        fm_note_protect(&state, addr, len, prot);
        fm_guard--;
        errno = saved;
    }
    return r;
}

FM_EXPORT void* mremap(void* old, size_t old_len, size_t new_len, int flags, ...) {
    void* new_addr = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        new_addr = va_arg(ap, void*);
        va_end(ap);
    }
    void* p = MAP_FAILED;
    if (!fm_guard && state.any_maps) {
        fm_resolve();
        const int saved = errno;
        fm_guard++;
        const int done = fm_mremap(&state, old, old_len, new_len, flags, new_addr, &p);
        fm_guard--;
        if (done) {
            return p;
        }
        errno = saved;
    }
    p = call_mremap(old, old_len, new_len, flags, new_addr);
    if (p != MAP_FAILED && !fm_guard && state.any_maps) {
        const int saved = errno;
        fm_guard++;
        if (p != old || new_len < old_len) {
            fm_note_unmapped(&state, p == old ? (char*)old + new_len : old,
                             p == old ? old_len - new_len : old_len);
        }
        if (flags & MREMAP_FIXED) {
            fm_note_unmapped(&state, p, new_len);
        }
        fm_guard--;
        errno = saved;
    }
    return p;
}

/* ---- descriptors -------------------------------------------------------------------------- */

FM_EXPORT int close(int fd) {
    if (!fm_guard && state.any_positive) {
        fm_guard++;
        fm_forget_fd(&state, fd);
        fm_guard--;
    }
    return call_close(fd);
}

FM_EXPORT int dup2(int oldfd, int newfd) {
    if (!fm_guard && state.any_positive && oldfd != newfd) {
        fm_guard++;
        fm_forget_fd(&state, newfd);
        fm_guard--;
    }
    int (*f)(int, int) = REAL(dup2);
    if (f != NULL) {
        return f(oldfd, newfd);
    }
    if (oldfd == newfd) {
        return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
    }
    return (int)syscall(SYS_dup3, oldfd, newfd, 0);
}

FM_EXPORT int dup3(int oldfd, int newfd, int flags) {
    if (!fm_guard && state.any_positive && oldfd != newfd) {
        fm_guard++;
        fm_forget_fd(&state, newfd);
        fm_guard--;
    }
    return call_dup3(oldfd, newfd, flags);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

FM_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
    if (!fm_guard && state.any_positive && (flags & CLOSE_RANGE_CLOEXEC) == 0) {
        fm_guard++;
        fm_forget_range(&state, first, last);
        fm_guard--;
    }
    int (*f)(unsigned int, unsigned int, int) = REAL(close_range);
    if (f != NULL) {
        return f(first, last, flags);
    }
#ifdef SYS_close_range
    return (int)syscall(SYS_close_range, first, last, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

FM_EXPORT void closefrom(int lowfd) {
    if (!fm_guard && state.any_positive && lowfd >= 0) {
        fm_guard++;
        fm_forget_range(&state, (unsigned)lowfd, ~0U);
        fm_guard--;
    }
    void (*f)(int) = REAL(closefrom);
    if (f != NULL) {
        f(lowfd);
        return;
    }
#ifdef SYS_close_range
    syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0);
#endif
}
