/* SPDX-License-Identifier: GPL-2.0-only */
/* See fm_core.h. */
#define _GNU_SOURCE
#include "fm_core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_TYPE
#define MAP_TYPE 0x0f
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif

/* ---- helpers ---------------------------------------------------------------------------- */

static size_t page_of(struct fm_state* s) {
    if (s->page_size == 0) {
        long p = sysconf(_SC_PAGESIZE);
        s->page_size = p > 0 ? (size_t)p : 4096;
    }
    return s->page_size;
}

static size_t round_up(size_t n, size_t page) {
    return (n + page - 1) & ~(page - 1);
}

static size_t bucket_of(dev_t dev, ino_t ino) {
    uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h >> 32) % FM_BUCKETS;
}

static pthread_mutex_t* pos_lock_of(struct fm_state* s, const struct stat* st) {
    return &s->pos_lock[bucket_of(st->st_dev, st->st_ino) % FM_POS_LOCKS];
}

static int same_id(const struct fm_fdid* a, const struct fm_fdid* b) {
    return a->dev == b->dev && a->ino == b->ino && a->rdev == b->rdev && a->mode == b->mode &&
           strncmp(a->name, b->name, FM_NAME_MAX) == 0;
}

void fm_state_init(struct fm_state* s, const struct fm_sys* sys, size_t page_size) {
    memset(s, 0, sizeof(*s));
    s->sys = sys;
    pthread_mutex_init(&s->lock, NULL);
    for (int i = 0; i < FM_POS_LOCKS; i++) {
        pthread_mutex_init(&s->pos_lock[i], NULL);
    }
    s->page_size = page_size;
}

/* ---- the file table (s->lock held) ------------------------------------------------------ */

static struct fm_file* find_file(struct fm_state* s, dev_t dev, ino_t ino) {
    for (struct fm_file* e = s->bucket[bucket_of(dev, ino)]; e != NULL; e = e->next) {
        if (e->dev == dev && e->ino == ino) {
            return e;
        }
    }
    return NULL;
}

static int add_positive(struct fm_state* s, struct fm_file* e) {
    if (s->npositive == s->cap_positive) {
        size_t cap = s->cap_positive ? 2 * s->cap_positive : 16;
        struct fm_file** p = realloc(s->positive, cap * sizeof(*p));
        if (p == NULL) {
            return -1;
        }
        s->positive = p;
        s->cap_positive = cap;
    }
    s->positive[s->npositive++] = e;
    s->any_positive = 1;
    return 0;
}

static void remove_positive(struct fm_state* s, struct fm_file* e) {
    for (size_t i = 0; i < s->npositive; i++) {
        if (s->positive[i] == e) {
            s->positive[i] = s->positive[--s->npositive];
            break;
        }
    }
    s->any_positive = s->npositive > 0;
}

/* Unlinks and frees e. Its fastmap fd is not closed: callers close it or know it is gone. */
static void drop_file(struct fm_state* s, struct fm_file* e) {
    struct fm_file** link = &s->bucket[bucket_of(e->dev, e->ino)];
    while (*link != NULL && *link != e) {
        link = &(*link)->next;
    }
    if (*link == e) {
        *link = e->next;
    }
    if (e->fmfd >= 0) {
        remove_positive(s, e);
    } else {
        s->negatives--;
    }
    free(e);
}

static struct fm_file* new_file(struct fm_state* s, dev_t dev, ino_t ino) {
    struct fm_file* e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return NULL;
    }
    e->dev = dev;
    e->ino = ino;
    e->fmfd = -1;
    size_t b = bucket_of(dev, ino);
    e->next = s->bucket[b];
    s->bucket[b] = e;
    s->negatives++;
    return e;
}

/* Bounds the negative answers: expired ones go first, then all of them. */
static void trim_negatives(struct fm_state* s, uint64_t now) {
    if (s->negatives <= FM_NEGATIVE_MAX) {
        return;
    }
    for (int pass = 0; pass < 2 && s->negatives > FM_NEGATIVE_MAX / 2; pass++) {
        for (size_t b = 0; b < FM_BUCKETS; b++) {
            struct fm_file* e = s->bucket[b];
            while (e != NULL) {
                struct fm_file* next = e->next;
                if (e->fmfd < 0 && (pass == 1 || now - e->checked_ms >= FM_RETRY_MS)) {
                    drop_file(s, e);
                }
                e = next;
            }
        }
    }
}

/* The entry's fastmap fd is still the one it opened (the program may have closed it). */
static int still_ours(struct fm_state* s, struct fm_file* e) {
    struct fm_fdid id;
    memset(&id, 0, sizeof(id));
    return s->sys->identify(e->fmfd, &id) == 0 && same_id(&id, &e->id);
}

int fm_module_absent(struct fm_state* s) {
    if (!__atomic_load_n(&s->absent, __ATOMIC_RELAXED)) {
        return 0;
    }
    uint64_t since = __atomic_load_n(&s->absent_ms, __ATOMIC_RELAXED);
    return s->sys->now_ms() - since < FM_RETRY_MS;
}

void fm_set_absent(struct fm_state* s) {
    __atomic_store_n(&s->absent_ms, s->sys->now_ms(), __ATOMIC_RELAXED);
    __atomic_store_n(&s->absent, 1, __ATOMIC_RELAXED);
}

/* Opens fd's fastmap fd again and puts it in e's number (s->lock held): threads using that
 * number keep a valid fd of the same instance. 0 done; -1 failed (errno), e unchanged; -2
 * failed and e is gone (the new fd could not be identified). */
static int reopen_into(struct fm_state* s, struct fm_file* e, int fd, int fl) {
    const struct fm_sys* sys = s->sys;
    char name[FM_NAME_MAX];
    memset(name, 0, sizeof(name));
    int nfd = sys->file_open(fd, name);
    if (nfd < 0) {
        return -1;
    }
    int r = sys->dup3(nfd, e->fmfd, O_CLOEXEC);
    int err = errno;
    sys->close(nfd);
    if (r < 0) {
        errno = err;
        return -1;
    }
    if (sys->identify(e->fmfd, &e->id) != 0) {
        err = errno;
        drop_file(s, e);
        errno = err;
        return -2;
    }
    e->writable = (fl & O_ACCMODE) == O_RDWR;
    e->sync = (fl & O_DSYNC) != 0;
    return 0;
}

int fm_lookup(struct fm_state* s, int fd, const struct stat* st, int fl, int need_write,
              int open_new, int* fm_sync) {
    const struct fm_sys* sys = s->sys;
    const int accmode = fl & O_ACCMODE;
    char name[FM_NAME_MAX];
    int fmfd = -1;
    int err = ENOENT;

    pthread_mutex_lock(&s->lock);
    struct fm_file* e = find_file(s, st->st_dev, st->st_ino);
    if (e != NULL && e->fmfd >= 0 && !still_ours(s, e)) {
        drop_file(s, e); /* closed behind our back: the number is not ours to close */
        e = NULL;
    }
    if (e != NULL && e->fmfd >= 0) {
        /* fd can replace the fastmap fd when it gives at least the same access. */
        const int covers = accmode == O_RDWR || (accmode == O_RDONLY && !e->writable);
        if (need_write && !e->writable) {
            /* A read-only fastmap fd and a write: upgrade it through a read-write fd. */
            if (!open_new || accmode != O_RDWR) {
                err = EACCES;
                goto out;
            }
            if (reopen_into(s, e, fd, fl) != 0) {
                err = errno;
                goto out;
            }
        } else if (e->sync && (fl & O_DSYNC) == 0 && open_new && covers) {
            /* Shed O_DSYNC: only writes through O_DSYNC fds must sync (they fdatasync). */
            if (reopen_into(s, e, fd, fl) == -2) {
                err = errno;
                goto out;
            }
        }
        fmfd = e->fmfd;
        if (fm_sync != NULL) {
            *fm_sync = e->sync;
        }
        goto out;
    }
    if (!open_new) {
        goto out;
    }
    uint64_t now = sys->now_ms();
    if (e != NULL && now - e->checked_ms < FM_RETRY_MS) {
        err = e->err;
        goto out;
    }
    if (s->absent && now - s->absent_ms < FM_RETRY_MS) {
        err = ENODEV;
        goto out;
    }
    if (accmode == O_WRONLY) {
        err = EACCES; /* FILE_OPEN needs a readable fd */
        goto out;
    }
    memset(name, 0, sizeof(name));
    int nfd = sys->file_open(fd, name);
    if (nfd < 0) {
        err = errno;
        if (err == ENODEV) {
            s->absent_ms = now;
            s->absent = 1;
            goto out;
        }
        s->absent = 0;
        if (err == EBADF || err == EACCES || err == EINTR || err == ENOMEM || err == EMFILE ||
            err == ENFILE || err == EFAULT) {
            goto out; /* about this fd or this moment: ask again next time */
        }
        const int fresh = e == NULL;
        if (fresh) {
            e = new_file(s, st->st_dev, st->st_ino);
        }
        if (e != NULL) {
            if (e->err != err && err != ENOENT && sys->note != NULL) {
                sys->note(fd, NULL, err);
            }
            e->err = err;
            e->checked_ms = now;
        }
        if (fresh) {
            trim_negatives(s, now);
        }
        goto out;
    }
    s->absent = 0;
    if (e == NULL) {
        e = new_file(s, st->st_dev, st->st_ino);
        if (e == NULL) {
            sys->close(nfd);
            err = ENOMEM;
            goto out;
        }
    }
    memset(&e->id, 0, sizeof(e->id));
    if (sys->identify(nfd, &e->id) != 0) {
        err = errno;
        sys->close(nfd);
        drop_file(s, e);
        goto out;
    }
    e->fmfd = nfd;
    e->writable = accmode == O_RDWR;
    e->sync = (fl & O_DSYNC) != 0;
    e->err = 0;
    s->negatives--;
    if (add_positive(s, e) != 0) {
        e->fmfd = -1;
        s->negatives++;
        drop_file(s, e);
        sys->close(nfd);
        err = ENOMEM;
        goto out;
    }
    if (sys->note != NULL) {
        sys->note(fd, name, 0);
    }
    if (need_write && !e->writable) {
        err = EACCES;
        goto out;
    }
    fmfd = nfd;
    if (fm_sync != NULL) {
        *fm_sync = e->sync;
    }
out:
    pthread_mutex_unlock(&s->lock);
    if (fmfd < 0) {
        errno = err;
    }
    return fmfd;
}

/* route()'s need_write for mappings: read-write when fd is, so that a shared mapping made
 * read-only can be mprotect()ed writable later, as a page-cache mapping of fd could. */
#define FM_WRITE_IF_ALLOWED 2

/* fstat, F_GETFL and the lookup: the fastmap fd serving fd, or -1 (the caller passes through).
 */
static int route(struct fm_state* s, int fd, int need_read, int need_write, int open_new,
                 struct stat* st, int* fl, int* fm_sync) {
    if (fd < 0 || fm_module_absent(s)) {
        return -1;
    }
    if (s->sys->fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        return -1;
    }
    *fl = s->sys->getfl(fd);
    if (*fl < 0 || (*fl & O_PATH) != 0) {
        return -1;
    }
    int acc = *fl & O_ACCMODE;
    if (need_write == FM_WRITE_IF_ALLOWED) {
        need_write = acc == O_RDWR;
    }
    if ((need_read && acc == O_WRONLY) || (need_write && acc == O_RDONLY)) {
        return -1; /* the real call fails as it should (EBADF, EACCES) */
    }
    return fm_lookup(s, fd, st, *fl, need_write, open_new, fm_sync);
}

/* ---- routed I/O --------------------------------------------------------------------------- */

off_t fm_append_pos(struct fm_state* s, int fmfd, int fd) {
    off_t end = s->sys->lseek(fmfd, 0, SEEK_END);
    if (end >= 0) {
        return end;
    }
    struct stat st;
    if (s->sys->fstat(fd, &st) != 0) {
        return -1;
    }
    return st.st_size;
}

/* One positional transfer on the fastmap fd: buf/n or iov/cnt. */
struct xfer {
    int write;
    void* buf;
    size_t n;
    const struct iovec* iov;
    int cnt;
};

static ssize_t do_xfer(struct fm_state* s, int fmfd, const struct xfer* x, off_t pos) {
    if (x->iov != NULL) {
        return x->write ? s->sys->pwritev(fmfd, x->iov, x->cnt, pos)
                        : s->sys->preadv(fmfd, x->iov, x->cnt, pos);
    }
    return x->write ? s->sys->pwrite(fmfd, x->buf, x->n, pos)
                    : s->sys->pread(fmfd, x->buf, x->n, pos);
}

static int routed_xfer(struct fm_state* s, int fd, const struct xfer* x, off_t off, int xflags,
                       ssize_t* ret) {
    struct stat st;
    int fl = 0;
    int fm_sync = 0;
    int fmfd = route(s, fd, !x->write, x->write, 1, &st, &fl, &fm_sync);
    if (fmfd < 0) {
        return 0;
    }
    fl |= xflags;
    const int append = x->write && (fl & O_APPEND) != 0;
    ssize_t r;
    if (off >= 0 && !append) {
        r = do_xfer(s, fmfd, x, off);
    } else {
        /* At the file position (or the end): one transfer at a time per file, as the kernel's
         * f_pos lock does for one file description. */
        pthread_mutex_t* lock = pos_lock_of(s, &st);
        pthread_mutex_lock(lock);
        off_t pos = append ? fm_append_pos(s, fmfd, fd) : s->sys->lseek(fd, 0, SEEK_CUR);
        if (pos < 0) {
            r = -1;
        } else {
            r = do_xfer(s, fmfd, x, pos);
            if (r > 0 && off < 0) {
                int e = errno;
                s->sys->lseek(fd, pos + r, SEEK_SET);
                errno = e;
            }
        }
        pthread_mutex_unlock(lock);
    }
    if (r > 0 && x->write && (fl & O_DSYNC) != 0 && !fm_sync && s->sys->fdatasync(fmfd) != 0) {
        r = -1; /* O_DSYNC / O_SYNC (which includes the O_DSYNC bit) */
    }
    *ret = r;
    return 1;
}

int fm_read(struct fm_state* s, int fd, void* buf, size_t n, off_t off, ssize_t* ret) {
    const struct xfer x = {0, buf, n, NULL, 0};
    return routed_xfer(s, fd, &x, off, 0, ret);
}

int fm_write(struct fm_state* s, int fd, const void* buf, size_t n, off_t off, int xflags,
             ssize_t* ret) {
    const struct xfer x = {1, (void*)buf, n, NULL, 0};
    return routed_xfer(s, fd, &x, off, xflags, ret);
}

int fm_readv(struct fm_state* s, int fd, const struct iovec* iov, int cnt, off_t off,
             ssize_t* ret) {
    const struct xfer x = {0, NULL, 0, iov, cnt};
    return routed_xfer(s, fd, &x, off, 0, ret);
}

int fm_writev(struct fm_state* s, int fd, const struct iovec* iov, int cnt, off_t off, int xflags,
              ssize_t* ret) {
    const struct xfer x = {1, NULL, 0, iov, cnt};
    return routed_xfer(s, fd, &x, off, xflags, ret);
}

int fm_fsync(struct fm_state* s, int fd, int datasync, int* ret) {
    struct stat st;
    int fl = 0;
    int fmfd = route(s, fd, 0, 0, 0, &st, &fl, NULL);
    if (fmfd < 0) {
        return 0;
    }
    *ret = datasync ? s->sys->fdatasync(fmfd) : s->sys->fsync(fmfd);
    return 1;
}

int fm_sync_range(struct fm_state* s, int fd, off_t off, off_t len, int wait, int* ret) {
    struct stat st;
    int fl = 0;
    if (off < 0 || len < 0) {
        return 0; /* the real call says EINVAL */
    }
    int fmfd = route(s, fd, 0, 0, 0, &st, &fl, NULL);
    if (fmfd < 0) {
        return 0;
    }
    *ret = s->sys->sync_range(fmfd, (uint64_t)off, (uint64_t)len, wait);
    return 1;
}

/* ---- the mapping table -------------------------------------------------------------------- */

static int map_cmp(const void* a, const void* b) {
    const struct fm_map* x = a;
    const struct fm_map* y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sorts the records and merges neighbours that continue each other in the same file. */
static void coalesce(struct fm_state* s) {
    if (s->nmaps < 2) {
        return;
    }
    qsort(s->maps, s->nmaps, sizeof(*s->maps), map_cmp);
    size_t out = 0;
    for (size_t i = 1; i < s->nmaps; i++) {
        struct fm_map* a = &s->maps[out];
        const struct fm_map* b = &s->maps[i];
        if (a->addr + a->len == b->addr && a->dev == b->dev && a->ino == b->ino &&
            a->prot == b->prot && a->off + a->len == b->off) {
            a->len += b->len;
        } else {
            s->maps[++out] = *b;
        }
    }
    s->nmaps = out + 1;
}

static int maps_reserve(struct fm_state* s, size_t n) {
    if (n <= s->cap_maps) {
        return 0;
    }
    size_t cap = s->cap_maps ? s->cap_maps : 16;
    while (cap < n) {
        cap *= 2;
    }
    struct fm_map* p = realloc(s->maps, cap * sizeof(*p));
    if (p == NULL) {
        return -1;
    }
    s->maps = p;
    s->cap_maps = cap;
    return 0;
}

static int map_add_locked(struct fm_state* s, uintptr_t addr, size_t len, int prot, dev_t dev,
                          ino_t ino, uint64_t off) {
    if (len == 0 || maps_reserve(s, s->nmaps + 1) != 0) {
        return -1;
    }
    struct fm_map m = {addr, round_up(len, page_of(s)), off, prot, dev, ino};
    s->maps[s->nmaps++] = m;
    coalesce(s);
    s->any_maps = 1;
    return 0;
}

int fm_map_add(struct fm_state* s, void* addr, size_t len, int prot, dev_t dev, ino_t ino,
               uint64_t off) {
    pthread_mutex_lock(&s->lock);
    int r = map_add_locked(s, (uintptr_t)addr, len, prot, dev, ino, off);
    pthread_mutex_unlock(&s->lock);
    return r;
}

/* Removes [lo, hi) from the records (remove) or sets its prot, splitting records as needed. */
static void apply_range(struct fm_state* s, uintptr_t lo, uintptr_t hi, int remove, int prot) {
    if (hi <= lo || s->nmaps == 0) {
        return;
    }
    /* Each record becomes at most three: before, inside (kept with prot), after. */
    if (maps_reserve(s, s->nmaps * 3) != 0) {
        /* No memory to split: forget the touched records entirely (re-mapping them later is
         * then left to the kernel, which is correct, only without the emulation). */
        size_t out = 0;
        for (size_t i = 0; i < s->nmaps; i++) {
            const struct fm_map* m = &s->maps[i];
            if (m->addr + m->len <= lo || m->addr >= hi) {
                s->maps[out++] = *m;
            }
        }
        s->nmaps = out;
        s->any_maps = s->nmaps > 0;
        return;
    }
    size_t n = s->nmaps;
    size_t out = n; /* new records are appended past the old ones, then compacted */
    for (size_t i = 0; i < n; i++) {
        struct fm_map m = s->maps[i];
        uintptr_t mlo = m.addr;
        uintptr_t mhi = m.addr + m.len;
        if (mhi <= lo || mlo >= hi) {
            s->maps[out++] = m;
            continue;
        }
        if (mlo < lo) {
            struct fm_map before = m;
            before.len = lo - mlo;
            s->maps[out++] = before;
        }
        if (!remove) {
            struct fm_map inside = m;
            inside.addr = mlo > lo ? mlo : lo;
            inside.len = (mhi < hi ? mhi : hi) - inside.addr;
            inside.off = m.off + (inside.addr - mlo);
            inside.prot = prot;
            s->maps[out++] = inside;
        }
        if (mhi > hi) {
            struct fm_map after = m;
            after.addr = hi;
            after.len = mhi - hi;
            after.off = m.off + (hi - mlo);
            s->maps[out++] = after;
        }
    }
    memmove(s->maps, s->maps + n, (out - n) * sizeof(*s->maps));
    s->nmaps = out - n;
    coalesce(s);
    s->any_maps = s->nmaps > 0;
}

void fm_note_unmapped(struct fm_state* s, void* addr, size_t len) {
    pthread_mutex_lock(&s->lock);
    uintptr_t lo = (uintptr_t)addr;
    apply_range(s, lo, lo + round_up(len, page_of(s)), 1, 0);
    pthread_mutex_unlock(&s->lock);
}

void fm_note_protect(struct fm_state* s, void* addr, size_t len, int prot) {
    pthread_mutex_lock(&s->lock);
    uintptr_t lo = (uintptr_t)addr;
    apply_range(s, lo, lo + round_up(len, page_of(s)), 0, prot);
    pthread_mutex_unlock(&s->lock);
}

int fm_munmap(struct fm_state* s, void* addr, size_t len) {
    pthread_mutex_lock(&s->lock);
    int r = s->sys->munmap(addr, len);
    int err = errno;
    if (r == 0) {
        uintptr_t lo = (uintptr_t)addr;
        apply_range(s, lo, lo + round_up(len, page_of(s)), 1, 0);
    }
    pthread_mutex_unlock(&s->lock);
    errno = err;
    return r;
}

static int map_find_locked(struct fm_state* s, uintptr_t a, size_t len, struct fm_map* out) {
    size_t span = len ? len : 1;
    for (size_t i = 0; i < s->nmaps; i++) {
        const struct fm_map* m = &s->maps[i];
        if (m->addr <= a && a - m->addr + span <= m->len) {
            *out = *m;
            return 1;
        }
    }
    return 0;
}

int fm_map_find(struct fm_state* s, void* addr, size_t len, struct fm_map* out) {
    pthread_mutex_lock(&s->lock);
    int r = map_find_locked(s, (uintptr_t)addr, len, out);
    pthread_mutex_unlock(&s->lock);
    return r;
}

int fm_mmap(struct fm_state* s, void* addr, size_t len, int prot, int flags, int fd, off_t off,
            int record, void** ret) {
    if (fd < 0 || (flags & MAP_ANONYMOUS) != 0) {
        return 0;
    }
    const int type = flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE) {
        return 0; /* MAP_PRIVATE: always the page cache */
    }
    struct stat st;
    int fl = 0;
    int fmfd =
        route(s, fd, 1, (prot & PROT_WRITE) != 0 ? 1 : FM_WRITE_IF_ALLOWED, 1, &st, &fl, NULL);
    if (fmfd < 0) {
        return 0;
    }
    void* p = s->sys->mmap(addr, len, prot, flags, fmfd, off);
    if (p != MAP_FAILED && record) {
        int err = errno;
        pthread_mutex_lock(&s->lock);
        if ((flags & MAP_FIXED) != 0) {
            apply_range(s, (uintptr_t)p, (uintptr_t)p + round_up(len, page_of(s)), 1, 0);
        }
        map_add_locked(s, (uintptr_t)p, len, prot, st.st_dev, st.st_ino, (uint64_t)off);
        pthread_mutex_unlock(&s->lock);
        errno = err;
    }
    *ret = p;
    return 1;
}

/* ---- mremap -------------------------------------------------------------------------------- */

struct fm_mremap_plan fm_mremap_plan(uintptr_t old, size_t old_len, size_t new_len, int flags,
                                     uintptr_t new_addr, size_t page_size) {
    struct fm_mremap_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.kind = FM_MREMAP_PASS;
    const size_t ol = round_up(old_len, page_size);
    const size_t nl = round_up(new_len, page_size);
    /* Invalid requests and MREMAP_DONTUNMAP (which the kernel refuses for fastmap mappings):
     * the kernel answers them. */
    if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) != 0 || old % page_size != 0 || nl == 0 ||
        nl < new_len || ol < old_len) {
        return plan;
    }
    if ((flags & MREMAP_FIXED) != 0) {
        if ((flags & MREMAP_MAYMOVE) == 0 || new_addr % page_size != 0) {
            return plan;
        }
        if (new_addr < old + ol && old < new_addr + nl) {
            plan.kind = FM_MREMAP_FAIL; /* the ranges may not overlap */
            plan.err = EINVAL;
            return plan;
        }
        plan.kind = FM_MREMAP_MOVE;
        plan.fixed = 1;
        plan.unmap_old = ol > 0;
        return plan;
    }
    if (ol == 0) {
        /* A second mapping of the same pages (the kernel refuses it for PFNMAP). */
        if ((flags & MREMAP_MAYMOVE) == 0) {
            return plan;
        }
        plan.kind = FM_MREMAP_MOVE;
        return plan;
    }
    if (nl == ol) {
        plan.kind = FM_MREMAP_SAME;
    } else if (nl < ol) {
        plan.kind = FM_MREMAP_SHRINK;
    } else {
        plan.kind = FM_MREMAP_GROW;
        plan.fallback_move = (flags & MREMAP_MAYMOVE) != 0;
        plan.unmap_old = 1;
    }
    return plan;
}

/* The verified fastmap fd of a file the process has one for (s->lock held), or -1. */
static int fmfd_of(struct fm_state* s, dev_t dev, ino_t ino) {
    struct fm_file* e = find_file(s, dev, ino);
    if (e == NULL || e->fmfd < 0) {
        return -1;
    }
    if (!still_ours(s, e)) {
        drop_file(s, e);
        return -1;
    }
    return e->fmfd;
}

int fm_mremap(struct fm_state* s, void* old, size_t old_len, size_t new_len, int flags,
              void* new_addr, void** ret) {
    if (!s->any_maps) {
        return 0;
    }
    const size_t page = page_of(s);
    const uintptr_t o = (uintptr_t)old;
    struct fm_map m;
    int served = 0;
    pthread_mutex_lock(&s->lock);
    if (!map_find_locked(s, o, old_len, &m)) {
        goto out;
    }
    struct fm_mremap_plan plan =
        fm_mremap_plan(o, old_len, new_len, flags, (uintptr_t)new_addr, page);
    const size_t ol = round_up(old_len, page);
    const size_t nl = round_up(new_len, page);
    const uint64_t off = m.off + (o - m.addr);
    int fmfd;
    void* p;
    switch (plan.kind) {
        case FM_MREMAP_PASS:
            goto out;
        case FM_MREMAP_FAIL:
            errno = plan.err;
            *ret = MAP_FAILED;
            served = 1;
            goto out;
        case FM_MREMAP_SAME:
            *ret = old;
            served = 1;
            goto out;
        case FM_MREMAP_SHRINK:
            if (s->sys->munmap((char*)old + nl, ol - nl) != 0) {
                *ret = MAP_FAILED;
            } else {
                apply_range(s, o + nl, o + ol, 1, 0);
                *ret = old;
            }
            served = 1;
            goto out;
        case FM_MREMAP_GROW:
        case FM_MREMAP_MOVE:
            break;
    }
    fmfd = fmfd_of(s, m.dev, m.ino);
    if (fmfd < 0) {
        goto out; /* no fastmap fd any more: the kernel does what it can */
    }
    served = 1;
    if (plan.kind == FM_MREMAP_GROW) {
        /* In place first, as the kernel would: the new tail next to the old range. */
        void* want = (char*)old + ol;
        p = s->sys->mmap(want, nl - ol, m.prot, MAP_SHARED | MAP_FIXED_NOREPLACE, fmfd,
                         (off_t)(off + ol));
        if (p == want) {
            map_add_locked(s, (uintptr_t)want, nl - ol, m.prot, m.dev, m.ino, off + ol);
            *ret = old;
            goto out;
        }
        if (p != MAP_FAILED) {
            s->sys->munmap(p, nl - ol); /* a kernel without MAP_FIXED_NOREPLACE: a hint */
        }
        if (!plan.fallback_move) {
            errno = ENOMEM;
            *ret = MAP_FAILED;
            goto out;
        }
    }
    p = s->sys->mmap(plan.fixed ? new_addr : NULL, nl, m.prot,
                     MAP_SHARED | (plan.fixed ? MAP_FIXED : 0), fmfd, (off_t)off);
    if (p == MAP_FAILED) {
        if (errno != EACCES && errno != EPERM) {
            errno = ENOMEM;
        }
        *ret = MAP_FAILED;
        goto out;
    }
    if (plan.fixed) {
        apply_range(s, (uintptr_t)p, (uintptr_t)p + nl, 1, 0);
    }
    if (plan.unmap_old) {
        s->sys->munmap(old, ol);
        apply_range(s, o, o + ol, 1, 0);
    }
    map_add_locked(s, (uintptr_t)p, nl, m.prot, m.dev, m.ino, off);
    *ret = p;
out:;
    int err = errno;
    pthread_mutex_unlock(&s->lock);
    errno = err;
    return served;
}

/* ---- descriptors going away ---------------------------------------------------------------- */

void fm_forget_range(struct fm_state* s, unsigned first, unsigned last) {
    if (!s->any_positive) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    size_t i = 0;
    while (i < s->npositive) {
        struct fm_file* e = s->positive[i];
        if (e->fmfd >= 0 && (unsigned)e->fmfd >= first && (unsigned)e->fmfd <= last) {
            drop_file(s, e); /* replaces positive[i]: look at i again */
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

void fm_forget_fd(struct fm_state* s, int fd) {
    if (fd >= 0) {
        fm_forget_range(s, (unsigned)fd, (unsigned)fd);
    }
}

/* ---- lifetime ------------------------------------------------------------------------------ */

void fm_state_destroy(struct fm_state* s) {
    for (size_t b = 0; b < FM_BUCKETS; b++) {
        struct fm_file* e = s->bucket[b];
        while (e != NULL) {
            struct fm_file* next = e->next;
            if (e->fmfd >= 0) {
                s->sys->close(e->fmfd);
            }
            free(e);
            e = next;
        }
        s->bucket[b] = NULL;
    }
    free(s->positive);
    free(s->maps);
    s->positive = NULL;
    s->maps = NULL;
    s->npositive = s->cap_positive = s->nmaps = s->cap_maps = s->negatives = 0;
    s->any_positive = s->any_maps = 0;
    pthread_mutex_destroy(&s->lock);
    for (int i = 0; i < FM_POS_LOCKS; i++) {
        pthread_mutex_destroy(&s->pos_lock[i]);
    }
}

void fm_state_atfork_prepare(struct fm_state* s) {
    for (int i = 0; i < FM_POS_LOCKS; i++) {
        pthread_mutex_lock(&s->pos_lock[i]);
    }
    pthread_mutex_lock(&s->lock);
}

void fm_state_atfork_parent(struct fm_state* s) {
    pthread_mutex_unlock(&s->lock);
    for (int i = FM_POS_LOCKS - 1; i >= 0; i--) {
        pthread_mutex_unlock(&s->pos_lock[i]);
    }
}

void fm_state_atfork_child(struct fm_state* s) {
    fm_state_atfork_parent(s);
}
