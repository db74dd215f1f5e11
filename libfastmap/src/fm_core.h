/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The logic shared by libfastmap.so and libfastmap-preload.so, with every system call injected
 * (struct fm_sys) so that the unit tests can run it without the kernel module:
 *
 *   - the file table: (st_dev, st_ino) -> the process's fastmap fd for that file, or a "not
 *     fastmap" answer that is asked again after FM_RETRY_MS;
 *   - routing of read/write/pread/pwrite/readv/writev/fsync through that fd, with the file
 *     position of the caller's fd kept as the kernel would;
 *   - the mapping table of fastmap mappings and the mremap() emulation they need (the kernel
 *     cannot grow a fastmap mapping: VM_PFNMAP | VM_DONTEXPAND).
 *
 * Nothing here trusts a descriptor number across calls: the caller's fd is fstat()ed on every
 * call (its (dev, ino) is the key), and a cached fastmap fd is re-identified (fm_sys.identify)
 * before each use, since a program may close it (close_range(), closefrom() and libc internals
 * bypass interposition) and get the number back for something else.
 */
#ifndef FASTMAP_FM_CORE_H
#define FASTMAP_FM_CORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FM_RETRY_MS 1000     /* "not fastmap" and "no module" answers are asked again after this */
#define FM_NEGATIVE_MAX 4096 /* remembered "not fastmap" files; older ones are dropped beyond */
#define FM_NAME_MAX 32       /* FASTMAP_NAME_MAX */
#define FM_BUCKETS 256
#define FM_POS_LOCKS 16

/* What identifies an open fastmap fd (fm_sys.identify): equal identities = the same file. */
struct fm_fdid {
    dev_t dev;
    ino_t ino;
    dev_t rdev;
    mode_t mode;
    char name[FM_NAME_MAX]; /* the instance's name, when the identity comes from the kernel */
};

/* The system calls the core makes (the real ones: not the preload's interposers). */
struct fm_sys {
    /* FASTMAP_IOC_FILE_OPEN for fd: a new fastmap fd (O_CLOEXEC, fd's access mode) or -1 with
     * errno: ENOENT not enabled; ENODEV no usable control node (module not loaded or too old);
     * EINVAL, EOPNOTSUPP, EBUSY, EACCES as the ioctl says. name (FM_NAME_MAX bytes, may be
     * NULL) receives the instance name. */
    int (*file_open)(int fd, char* name);
    /* Fills *id for an open fastmap fd; -1 when fd is not (or no longer) one. */
    int (*identify)(int fd, struct fm_fdid* id);
    /* FASTMAP_IOC_SYNC_RANGE on a fastmap fd (len 0: to the end). */
    int (*sync_range)(int fmfd, uint64_t off, uint64_t len, int wait);
    int (*close)(int fd);
    int (*dup3)(int oldfd, int newfd, int flags);
    int (*fstat)(int fd, struct stat* st);
    int (*getfl)(int fd); /* fcntl(fd, F_GETFL) */
    off_t (*lseek)(int fd, off_t off, int whence);
    ssize_t (*pread)(int fd, void* buf, size_t n, off_t off);
    ssize_t (*pwrite)(int fd, const void* buf, size_t n, off_t off);
    ssize_t (*preadv)(int fd, const struct iovec* iov, int cnt, off_t off);
    ssize_t (*pwritev)(int fd, const struct iovec* iov, int cnt, off_t off);
    int (*fsync)(int fd);
    int (*fdatasync)(int fd);
    void* (*mmap)(void* addr, size_t len, int prot, int flags, int fd, off_t off);
    int (*munmap)(void* addr, size_t len);
    uint64_t (*now_ms)(void); /* monotonic milliseconds */
    /* Optional (NULL: nothing): a file got its fastmap fd (err 0, name the instance), or was
     * found not to be servable for a reason other than "not enabled" (err the errno). */
    void (*note)(int fd, const char* name, int err);
};

struct fm_file {
    struct fm_file* next; /* hash chain */
    dev_t dev;
    ino_t ino;
    int fmfd;            /* -1: not fastmap (a negative answer) */
    int writable;        /* fmfd is open read-write */
    int sync;            /* fmfd carries O_DSYNC (the kernel copies it from the fd it came from) */
    int err;             /* negative answer: why (errno) */
    uint64_t checked_ms; /* negative answer: when */
    struct fm_fdid id;   /* of fmfd, at open */
};

/* A fastmap mapping made through the core: [addr, addr + len) maps the file at off. */
struct fm_map {
    uintptr_t addr;
    size_t len;
    uint64_t off;
    int prot;
    dev_t dev;
    ino_t ino;
};

struct fm_state {
    const struct fm_sys* sys;
    pthread_mutex_t lock;                   /* the tables */
    pthread_mutex_t pos_lock[FM_POS_LOCKS]; /* read()/write() at the file position, by file */
    struct fm_file* bucket[FM_BUCKETS];
    size_t negatives;
    struct fm_file** positive; /* the entries with a fastmap fd */
    size_t npositive, cap_positive;
    struct fm_map* maps;
    size_t nmaps, cap_maps;
    int absent; /* no usable control node at absent_ms */
    uint64_t absent_ms;
    size_t page_size; /* 0: sysconf(_SC_PAGESIZE) at first use */
    /* Read without the lock for fast paths (a stale value only costs a locked look). */
    volatile int any_positive;
    volatile int any_maps;
};

/* A static initializer (the preload's state must work before any constructor ran). */
#define FM_STATE_INITIALIZER(SYS)                                                            \
    {                                                                                        \
        .sys = (SYS), .lock = PTHREAD_MUTEX_INITIALIZER,                                     \
        .pos_lock = {                                                                        \
            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
            PTHREAD_MUTEX_INITIALIZER},                                                      \
    }

void fm_state_init(struct fm_state* s, const struct fm_sys* sys, size_t page_size);
/* Closes every fastmap fd, frees the tables (tests; a process just exits). */
void fm_state_destroy(struct fm_state* s);
/* After fork() in the child: the locks may have been held by other threads of the parent. */
void fm_state_atfork_prepare(struct fm_state* s);
void fm_state_atfork_parent(struct fm_state* s);
void fm_state_atfork_child(struct fm_state* s);

/* True when the module was found absent less than FM_RETRY_MS ago: everything passes through
 * without even an fstat(). */
int fm_module_absent(struct fm_state* s);

/* The module is absent (no usable control node): pass through until FM_RETRY_MS from now. */
void fm_set_absent(struct fm_state* s);

/* The fastmap fd for fd, opening it when needed (FILE_OPEN with fd), or -1 with errno (ENOENT:
 * not fastmap; ENODEV: no module; EBADF, EACCES ...). need_write: the fastmap fd must be
 * read-write (a cached read-only one is upgraded when fd is read-write). open_new: 0 = only a
 * fastmap fd the process already has. st: fstat(fd), a regular file. fl: fd's status flags
 * (F_GETFL). A fastmap fd that came from an O_DSYNC fd is replaced, when fd allows, by one
 * that did not (the kernel copies O_DSYNC and it cannot be cleared): *fm_sync (may be NULL)
 * tells whether the returned one still syncs every write. */
int fm_lookup(struct fm_state* s, int fd, const struct stat* st, int fl, int need_write,
              int open_new, int* fm_sync);

/*
 * Routed I/O. Each returns 1 when it served the call (result in *ret, errno set on failure) and
 * 0 when the caller must make the real call (not a regular file, not fastmap, no module, an fd
 * the call cannot be served for: the real call gives the right answer or error). off < 0 for
 * readv/writev/fm_pread/fm_pwrite means "at the file position" (read(), write()).
 */
int fm_read(struct fm_state* s, int fd, void* buf, size_t n, off_t off, ssize_t* ret);
int fm_readv(struct fm_state* s, int fd, const struct iovec* iov, int cnt, off_t off, ssize_t* ret);
/* xflags: O_APPEND and O_DSYNC asked by this call alone (pwritev2's RWF_APPEND, RWF_DSYNC), on
 * top of fd's own status flags. O_APPEND writes at fm_append_pos() (a positional write too, as
 * Linux does); O_DSYNC/O_SYNC writes are followed by fdatasync() of the fastmap fd. */
int fm_write(struct fm_state* s, int fd, const void* buf, size_t n, off_t off, int xflags,
             ssize_t* ret);
int fm_writev(struct fm_state* s, int fd, const struct iovec* iov, int cnt, off_t off, int xflags,
              ssize_t* ret);
/* fsync()/fdatasync(): only for a file the process already has a fastmap fd for. */
int fm_fsync(struct fm_state* s, int fd, int datasync, int* ret);
/* sync_file_range(): FASTMAP_IOC_SYNC_RANGE, waiting when wait is set. */
int fm_sync_range(struct fm_state* s, int fd, off_t off, off_t len, int wait, int* ret);

/* Where an O_APPEND write goes: the end of the file as fastmap sees it (lseek(fmfd, 0,
 * SEEK_END)), else fstat(fd)'s st_size. -1 with errno on failure. */
off_t fm_append_pos(struct fm_state* s, int fmfd, int fd);

/*
 * mmap(): a MAP_SHARED mapping of a fastmap file is made from its fastmap fd (and, with record,
 * entered in the mapping table). Returns 1 when served (*ret the address or MAP_FAILED).
 */
int fm_mmap(struct fm_state* s, void* addr, size_t len, int prot, int flags, int fd, off_t off,
            int record, void** ret);
/* munmap() through sys, and the table updated under the same lock (a new mapping another thread
 * gets at the address cannot lose its record). */
int fm_munmap(struct fm_state* s, void* addr, size_t len);
/* The range is no longer mapped (MAP_FIXED over it, mremap() moved it away). */
void fm_note_unmapped(struct fm_state* s, void* addr, size_t len);
/* mprotect() succeeded on the range: later re-mappings use prot. */
void fm_note_protect(struct fm_state* s, void* addr, size_t len, int prot);
/* Records [addr, addr + len) -> (dev, ino, off), merging with adjacent contiguous records. */
int fm_map_add(struct fm_state* s, void* addr, size_t len, int prot, dev_t dev, ino_t ino,
               uint64_t off);
/* The record covering [addr, addr + len) (len 0: addr alone), copied to *out; 0 if none. */
int fm_map_find(struct fm_state* s, void* addr, size_t len, struct fm_map* out);

/* What mremap() on a fastmap mapping has to do (fm_mremap_plan). */
enum fm_mremap_kind {
    FM_MREMAP_PASS,   /* the kernel can do it, or refuses it the way it should: real mremap */
    FM_MREMAP_SAME,   /* nothing: return old */
    FM_MREMAP_SHRINK, /* munmap the tail [old + new_len, old + old_len) */
    FM_MREMAP_GROW,   /* map [old + old_len, old + new_len) with MAP_FIXED_NOREPLACE ... */
    FM_MREMAP_MOVE,   /* map new_len anywhere (or at new_addr), then unmap the old range */
    FM_MREMAP_FAIL,   /* fail with plan.err */
};
struct fm_mremap_plan {
    enum fm_mremap_kind kind;
    int fallback_move; /* GROW: when in place fails, MOVE (MREMAP_MAYMOVE) instead of ENOMEM */
    int fixed;         /* MOVE to new_addr (MREMAP_FIXED) */
    int unmap_old;     /* MOVE: unmap the old range afterwards (not for old_len 0) */
    int err;           /* FAIL */
};
/* Pure: the plan for mremap(old, old_len, new_len, flags, new_addr) of a recorded mapping. */
struct fm_mremap_plan fm_mremap_plan(uintptr_t old, size_t old_len, size_t new_len, int flags,
                                     uintptr_t new_addr, size_t page_size);
/* mremap() of a recorded fastmap mapping. Returns 1 when served (*ret, errno), 0: real call. */
int fm_mremap(struct fm_state* s, void* old, size_t old_len, size_t new_len, int flags,
              void* new_addr, void** ret);

/* fd is being closed, or replaced by dup2()/dup3(): if it is one of the process's fastmap fds,
 * forget it (the number is the program's to reuse). */
void fm_forget_fd(struct fm_state* s, int fd);
/* The same for every fd in [first, last]. */
void fm_forget_range(struct fm_state* s, unsigned first, unsigned last);

#ifdef __cplusplus
}
#endif

#endif /* FASTMAP_FM_CORE_H */
