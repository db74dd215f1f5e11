// SPDX-License-Identifier: GPL-2.0-only
// libfastmap's core (libfastmap/src/fm_core.c) on a fake kernel: FILE_OPEN of an "enabled" file
// opens its shadow file instead of a fastmap instance, so routing shows as data landing in the
// shadow while the real file stays as it was.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "fm_core.h"

namespace {

namespace fs = std::filesystem;

struct FakeKernel {
    std::map<std::pair<dev_t, ino_t>, std::string> enabled;  // file -> its shadow
    int fail = 0;  // file_open fails with this errno (ENODEV: no module)
    int opens = 0;
    int fdatasyncs = 0;
    int sync_ranges = 0;
    std::uint64_t now = 100000;
    std::vector<std::pair<std::string, int>> notes;  // (instance name, err)
};
FakeKernel* kernel = nullptr;

int fake_file_open(int fd, char* name) {
    kernel->opens++;
    if (kernel->fail != 0) {
        errno = kernel->fail;
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    auto it = kernel->enabled.find({st.st_dev, st.st_ino});
    if (it == kernel->enabled.end()) {
        errno = ENOENT;
        return -1;
    }
    const int fl = ::fcntl(fd, F_GETFL);
    // As the kernel: the access mode and O_DSYNC of fd.
    const int nfd = ::open(it->second.c_str(), (fl & (O_ACCMODE | O_DSYNC)) | O_CLOEXEC);
    if (nfd >= 0 && name != nullptr) {
        std::snprintf(name, FM_NAME_MAX, "f%lx.%lx", static_cast<unsigned long>(st.st_dev),
                      static_cast<unsigned long>(st.st_ino));
    }
    return nfd;
}

int fake_identify(int fd, fm_fdid* id) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return -1;
    }
    std::memset(id, 0, sizeof(*id));
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->rdev = st.st_rdev;
    id->mode = st.st_mode;
    return 0;
}

int fake_sync_range(int, std::uint64_t, std::uint64_t, int) {
    kernel->sync_ranges++;
    return 0;
}

int counting_fdatasync(int fd) {
    kernel->fdatasyncs++;
    return ::fdatasync(fd);
}

int getfl(int fd) {
    return ::fcntl(fd, F_GETFL);
}

std::uint64_t fake_now() {
    return kernel->now;
}

void fake_note(int, const char* name, int err) {
    kernel->notes.emplace_back(name != nullptr ? name : "", err);
}

const fm_sys kFakeSys = {
    fake_file_open,  fake_identify,
    fake_sync_range, ::close,
    ::dup3,          ::fstat,
    getfl,           ::lseek,
    ::pread,         ::pwrite,
    ::preadv,        ::pwritev,
    ::fsync,         counting_fdatasync,
    ::mmap,          ::munmap,
    fake_now,        fake_note,
};

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_all(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

class PreloadCoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        kernel = &k;
        page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        fm_state_init(&s, &kFakeSys, page);
        dir = fs::path(::testing::TempDir()) /
              ("fastmap-core-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        file = (dir / "data").string();
        shadow = (dir / "shadow").string();
        write_all(file, "original");
        write_all(shadow, "instance");
    }
    void TearDown() override {
        fm_state_destroy(&s);
        for (int fd : fds) {
            ::close(fd);
        }
        fs::remove_all(dir);
        kernel = nullptr;
    }

    int open_file(const std::string& path, int flags) {
        const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
        EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
        fds.push_back(fd);
        return fd;
    }
    void enable(const std::string& path, const std::string& shadow_path) {
        struct stat st {};
        ASSERT_EQ(::stat(path.c_str(), &st), 0);
        k.enabled[{st.st_dev, st.st_ino}] = shadow_path;
    }
    // The fastmap fd the core has for fd's file (without opening one).
    int cached_fmfd(int fd) {
        struct stat st {};
        EXPECT_EQ(::fstat(fd, &st), 0);
        return fm_lookup(&s, fd, &st, ::fcntl(fd, F_GETFL), 0, 0, nullptr);
    }
    std::string fm_read_at(int fd, off_t off, std::size_t n) {
        std::string buf(n, '\0');
        ssize_t r = -2;
        EXPECT_EQ(fm_read(&s, fd, buf.data(), n, off, &r), 1);
        EXPECT_GE(r, 0) << std::strerror(errno);
        buf.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
        return buf;
    }

    FakeKernel k;
    fm_state s{};
    std::size_t page = 4096;
    fs::path dir;
    std::string file;
    std::string shadow;
    std::vector<int> fds;
};

TEST_F(PreloadCoreTest, NotEnabledPassesThroughAndIsAskedAgainAfterASecond) {
    const int fd = open_file(file, O_RDWR);
    char buf[8];
    ssize_t r = 0;
    EXPECT_EQ(fm_read(&s, fd, buf, sizeof(buf), 0, &r), 0);
    EXPECT_EQ(fm_read(&s, fd, buf, sizeof(buf), 0, &r), 0);
    EXPECT_EQ(k.opens, 1);  // the "not enabled" answer is remembered

    enable(file, shadow);  // `fastmapctl enable` while the program runs
    k.now += FM_RETRY_MS - 1;
    EXPECT_EQ(fm_read(&s, fd, buf, sizeof(buf), 0, &r), 0);
    EXPECT_EQ(k.opens, 1);
    k.now += 1;
    EXPECT_EQ(fm_read_at(fd, 0, 8), "instance");
    EXPECT_EQ(k.opens, 2);
    ASSERT_EQ(k.notes.size(), 1u);  // routed: one note (FASTMAP_PRELOAD_DEBUG's line)
    EXPECT_EQ(k.notes[0].second, 0);
    EXPECT_EQ(k.notes[0].first.front(), 'f');
}

TEST_F(PreloadCoreTest, NonRegularFilesAndPipesPassThrough) {
    enable(file, shadow);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    fds.push_back(p[0]);
    fds.push_back(p[1]);
    ssize_t r = 0;
    EXPECT_EQ(fm_write(&s, p[1], "x", 1, -1, 0, &r), 0);
    const int d = open_file(dir.string(), O_RDONLY | O_DIRECTORY);
    char buf[4];
    EXPECT_EQ(fm_read(&s, d, buf, sizeof(buf), -1, &r), 0);
    EXPECT_EQ(fm_read(&s, -1, buf, sizeof(buf), -1, &r), 0);
    EXPECT_EQ(k.opens, 0);
}

TEST_F(PreloadCoreTest, ReadAndWriteGoThroughTheInstanceAndKeepTheFilePosition) {
    enable(file, shadow);
    const int fd = open_file(file, O_RDWR);
    ssize_t r = 0;
    ASSERT_EQ(fm_write(&s, fd, "INS", 3, -1, 0, &r), 1);  // write() at position 0
    EXPECT_EQ(r, 3);
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 3);
    EXPECT_EQ(fm_read_at(fd, -1, 5), "tance");  // read() from position 3
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 8);
    EXPECT_EQ(fm_read_at(fd, 0, 8), "INStance");  // pread() leaves the position alone
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 8);
    EXPECT_EQ(read_all(shadow), "INStance");
    EXPECT_EQ(read_all(file), "original");  // the page cache path was not used
    EXPECT_EQ(k.opens, 1);

    // readv/writev and their positional forms.
    char a[3];
    char b[3];
    iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    ASSERT_EQ(fm_readv(&s, fd, iov, 2, 1, &r), 1);
    EXPECT_EQ(r, 6);
    EXPECT_EQ(std::string(a, 3) + std::string(b, 3), "NStanc");
    char w1[] = "ab";
    char w2[] = "cd";
    iovec wiov[2] = {{w1, 2}, {w2, 2}};
    ::lseek(fd, 2, SEEK_SET);
    ASSERT_EQ(fm_writev(&s, fd, wiov, 2, -1, 0, &r), 1);
    EXPECT_EQ(r, 4);
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 6);
    EXPECT_EQ(read_all(shadow), "INabcdce");
}

TEST_F(PreloadCoreTest, AppendWritesAtTheInstancesEnd) {
    enable(file, shadow);
    const int fd = open_file(file, O_RDWR | O_APPEND);
    ssize_t r = 0;
    ASSERT_EQ(fm_write(&s, fd, "++", 2, -1, 0, &r), 1);
    EXPECT_EQ(r, 2);
    EXPECT_EQ(read_all(shadow), "instance++");
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 10);
    // pwrite() on an O_APPEND fd appends too (as Linux does), without moving the position.
    ::lseek(fd, 1, SEEK_SET);
    ASSERT_EQ(fm_write(&s, fd, "!", 1, 0, 0, &r), 1);
    EXPECT_EQ(read_all(shadow), "instance++!");
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 1);
    // pwritev2(RWF_APPEND) on a plain fd: xflags.
    const int plain = open_file(file, O_RDWR);
    char w[] = "?";
    iovec iov{w, 1};
    ASSERT_EQ(fm_writev(&s, plain, &iov, 1, 0, O_APPEND, &r), 1);
    EXPECT_EQ(read_all(shadow), "instance++!?");
    EXPECT_EQ(fm_append_pos(&s, cached_fmfd(plain), plain), 12);
}

TEST_F(PreloadCoreTest, AppendPositionFallsBackToTheFileSize) {
    const int fd = open_file(file, O_RDONLY);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    fds.push_back(p[0]);
    fds.push_back(p[1]);
    // A "fastmap fd" that cannot seek: the size of the caller's file.
    EXPECT_EQ(fm_append_pos(&s, p[0], fd), 8);
}

TEST_F(PreloadCoreTest, ReadOnlyFastmapFdIsUpgradedInPlace) {
    enable(file, shadow);
    const int ro = open_file(file, O_RDONLY);
    EXPECT_EQ(fm_read_at(ro, 0, 3), "ins");
    const int fmfd = cached_fmfd(ro);
    ASSERT_GE(fmfd, 0);
    EXPECT_EQ(::fcntl(fmfd, F_GETFL) & O_ACCMODE, O_RDONLY);

    // A write through the read-only fd is not served (the real write fails with EBADF).
    ssize_t r = 0;
    EXPECT_EQ(fm_write(&s, ro, "x", 1, 0, 0, &r), 0);

    const int rw = open_file(file, O_RDWR);
    ASSERT_EQ(fm_write(&s, rw, "I", 1, 0, 0, &r), 1);
    EXPECT_EQ(r, 1);
    // The same number, now read-write: other threads holding it stay valid.
    EXPECT_EQ(cached_fmfd(rw), fmfd);
    EXPECT_EQ(::fcntl(fmfd, F_GETFL) & O_ACCMODE, O_RDWR);
    EXPECT_EQ(read_all(shadow), "Instance");
    EXPECT_EQ(k.opens, 2);
}

TEST_F(PreloadCoreTest, WriteOnlyFdsUseAWritableFastmapFdOnly) {
    enable(file, shadow);
    const int wo = open_file(file, O_WRONLY);
    ssize_t r = 0;
    EXPECT_EQ(fm_write(&s, wo, "x", 1, 0, 0, &r), 0);  // FILE_OPEN needs a readable fd
    EXPECT_EQ(k.opens, 0);
    const int rw = open_file(file, O_RDWR);
    EXPECT_EQ(fm_read_at(rw, 0, 2), "in");
    ASSERT_EQ(fm_write(&s, wo, "X", 1, 0, 0, &r), 1);
    EXPECT_EQ(read_all(shadow), "Xnstance");
    char c;
    EXPECT_EQ(fm_read(&s, wo, &c, 1, 0, &r), 0);  // reading a write-only fd: EBADF, really
}

TEST_F(PreloadCoreTest, OneFastmapFdPerFileByDevAndInode) {
    enable(file, shadow);
    const std::string other = (dir / "other").string();
    const std::string other_shadow = (dir / "other.shadow").string();
    write_all(other, "OTHER");
    write_all(other_shadow, "other-instance");
    enable(other, other_shadow);

    const int a = open_file(file, O_RDONLY);
    const int b = open_file(file, O_RDONLY);
    EXPECT_EQ(fm_read_at(a, 0, 4), "inst");
    EXPECT_EQ(fm_read_at(b, 0, 4), "inst");
    EXPECT_EQ(k.opens, 1);
    EXPECT_EQ(cached_fmfd(a), cached_fmfd(b));

    // The program closes a and gets its number back for another file: the fstat of every
    // call sees the other file.
    const int number = a;
    ::close(a);
    fds.erase(std::find(fds.begin(), fds.end(), a));
    const int c = open_file(other, O_RDONLY);
    ASSERT_EQ(c, number);
    EXPECT_EQ(fm_read_at(c, 0, 5), "other");
    EXPECT_EQ(k.opens, 2);
}

TEST_F(PreloadCoreTest, AFastmapFdClosedBehindOurBackIsNotTrusted) {
    enable(file, shadow);
    const int fd = open_file(file, O_RDWR);
    EXPECT_EQ(fm_read_at(fd, 0, 2), "in");
    const int fmfd = cached_fmfd(fd);
    ASSERT_GE(fmfd, 0);

    // close_range()/closefrom() or libc closed it, and the number went to another file.
    ASSERT_EQ(::close(fmfd), 0);
    const std::string decoy = (dir / "decoy").string();
    write_all(decoy, "DECOY!!!");
    const int reused = ::open(decoy.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_EQ(reused, fmfd);
    fds.push_back(reused);

    ssize_t r = 0;
    ASSERT_EQ(fm_write(&s, fd, "IN", 2, 0, 0, &r), 1);
    EXPECT_EQ(read_all(decoy), "DECOY!!!");  // not written through the stale number
    EXPECT_EQ(read_all(shadow), "INstance");
    EXPECT_NE(cached_fmfd(fd), reused);
    EXPECT_EQ(::fcntl(reused, F_GETFD), FD_CLOEXEC);  // and not closed by the core either
    EXPECT_EQ(k.opens, 2);
}

TEST_F(PreloadCoreTest, ForgottenFdsAreReopened) {
    enable(file, shadow);
    const int fd = open_file(file, O_RDONLY);
    EXPECT_EQ(fm_read_at(fd, 0, 1), "i");
    const int fmfd = cached_fmfd(fd);
    EXPECT_TRUE(s.any_positive);
    fm_forget_fd(&s, fd);  // not a fastmap fd: nothing happens
    EXPECT_EQ(cached_fmfd(fd), fmfd);
    fm_forget_fd(&s, fmfd);  // the program closes our fd (close(), dup2() over it)
    EXPECT_FALSE(s.any_positive);
    ::close(fmfd);
    EXPECT_LT(cached_fmfd(fd), 0);
    EXPECT_EQ(fm_read_at(fd, 1, 2), "ns");
    EXPECT_EQ(k.opens, 2);
    fm_forget_range(&s, 0, ~0U);
    EXPECT_FALSE(s.any_positive);
}

TEST_F(PreloadCoreTest, NoModuleMeansEverythingPassesThroughForASecond) {
    enable(file, shadow);
    k.fail = ENODEV;
    const int fd = open_file(file, O_RDWR);
    char buf[4];
    ssize_t r = 0;
    EXPECT_EQ(fm_read(&s, fd, buf, sizeof(buf), 0, &r), 0);
    EXPECT_TRUE(fm_module_absent(&s));
    EXPECT_EQ(fm_read(&s, fd, buf, sizeof(buf), 0, &r), 0);
    EXPECT_EQ(k.opens, 1);
    k.fail = 0;  // modprobe fastmap
    k.now += FM_RETRY_MS;
    EXPECT_FALSE(fm_module_absent(&s));
    EXPECT_EQ(fm_read_at(fd, 0, 4), "inst");

    fm_set_absent(&s);
    EXPECT_TRUE(fm_module_absent(&s));
}

TEST_F(PreloadCoreTest, OtherRefusalsAreNotedAndRemembered) {
    k.fail = EBUSY;  // mapped without fastmap
    const int fd = open_file(file, O_RDONLY);
    char c;
    ssize_t r = 0;
    EXPECT_EQ(fm_read(&s, fd, &c, 1, 0, &r), 0);
    EXPECT_EQ(fm_read(&s, fd, &c, 1, 0, &r), 0);
    EXPECT_EQ(k.opens, 1);
    ASSERT_EQ(k.notes.size(), 1u);
    EXPECT_EQ(k.notes[0].second, EBUSY);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_LT(fm_lookup(&s, fd, &st, O_RDONLY, 0, 1, nullptr), 0);
    EXPECT_EQ(errno, EBUSY);
    // EACCES is about the fd, not the file: not remembered.
    k.fail = EACCES;
    k.now += FM_RETRY_MS;
    EXPECT_EQ(fm_read(&s, fd, &c, 1, 0, &r), 0);
    EXPECT_EQ(fm_read(&s, fd, &c, 1, 0, &r), 0);
    EXPECT_EQ(k.opens, 3);
}

TEST_F(PreloadCoreTest, DsyncWritesSyncAndTheFastmapFdShedsODsync) {
    enable(file, shadow);
    const int dsync = open_file(file, O_RDWR | O_DSYNC);
    ssize_t r = 0;
    ASSERT_EQ(fm_write(&s, dsync, "I", 1, 0, 0, &r), 1);
    // The fastmap fd came from the O_DSYNC fd and syncs by itself: no extra fdatasync.
    EXPECT_EQ(k.fdatasyncs, 0);
    const int fmfd = cached_fmfd(dsync);
    EXPECT_NE(::fcntl(fmfd, F_GETFL) & O_DSYNC, 0);

    // A plain read-write fd: the fastmap fd is replaced (same number) by one without O_DSYNC.
    const int plain = open_file(file, O_RDWR);
    ASSERT_EQ(fm_write(&s, plain, "N", 1, 1, 0, &r), 1);
    EXPECT_EQ(cached_fmfd(plain), fmfd);
    EXPECT_EQ(::fcntl(fmfd, F_GETFL) & O_DSYNC, 0);
    EXPECT_EQ(k.fdatasyncs, 0);

    // Now writes through the O_DSYNC fd fdatasync the fastmap fd.
    ASSERT_EQ(fm_write(&s, dsync, "S", 1, 2, 0, &r), 1);
    EXPECT_EQ(k.fdatasyncs, 1);
    ASSERT_EQ(fm_write(&s, plain, "T", 1, 3, O_DSYNC, &r), 1);  // pwritev2(RWF_DSYNC)
    EXPECT_EQ(k.fdatasyncs, 2);
    EXPECT_EQ(read_all(shadow), "INSTance");
}

TEST_F(PreloadCoreTest, FsyncAndSyncRangeUseAnExistingFastmapFdOnly) {
    enable(file, shadow);
    const int fd = open_file(file, O_RDWR);
    int ret = -1;
    EXPECT_EQ(fm_fsync(&s, fd, 0, &ret), 0);  // no fastmap fd yet: the real fsync
    EXPECT_EQ(fm_sync_range(&s, fd, 0, 0, 1, &ret), 0);
    EXPECT_EQ(k.opens, 0);
    EXPECT_EQ(fm_read_at(fd, 0, 1), "i");
    EXPECT_EQ(fm_fsync(&s, fd, 1, &ret), 1);
    EXPECT_EQ(ret, 0);
    EXPECT_EQ(k.fdatasyncs, 1);
    EXPECT_EQ(fm_fsync(&s, fd, 0, &ret), 1);
    EXPECT_EQ(fm_sync_range(&s, fd, 0, 4096, 1, &ret), 1);
    EXPECT_EQ(k.sync_ranges, 1);
    EXPECT_EQ(fm_sync_range(&s, fd, -1, 4096, 1, &ret), 0);  // EINVAL from the real call
}

class PreloadMapTest : public PreloadCoreTest {
protected:
    void SetUp() override {
        PreloadCoreTest::SetUp();
        // Four pages: 'a', 'b', 'c', 'd'; the real file is different.
        std::string data;
        for (char c : {'a', 'b', 'c', 'd'}) {
            data += std::string(page, c);
        }
        write_all(shadow, data);
        write_all(file, std::string(4 * page, 'F'));
        enable(file, shadow);
        fd = open_file(file, O_RDWR);
    }
    void* map(void* addr, std::size_t pages, int flags, std::size_t first_page = 0) {
        void* p = MAP_FAILED;
        EXPECT_EQ(fm_mmap(&s, addr, pages * page, PROT_READ | PROT_WRITE, flags, fd,
                          static_cast<off_t>(first_page * page), 1, &p),
                  1);
        EXPECT_NE(p, MAP_FAILED) << std::strerror(errno);
        return p;
    }
    // An address range of n pages that is free now.
    char* free_range(std::size_t n) {
        void* p = ::mmap(nullptr, n * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT_NE(p, MAP_FAILED);
        ::munmap(p, n * page);
        return static_cast<char*>(p);
    }
    static bool mapped(void* p, std::size_t len) {
        return ::msync(p, len, MS_ASYNC) == 0;  // ENOMEM when unmapped
    }

    int fd = -1;
};

TEST_F(PreloadMapTest, SharedMappingsComeFromTheInstancePrivateOnesDoNot) {
    char* p = static_cast<char*>(map(nullptr, 2, MAP_SHARED));
    EXPECT_EQ(p[0], 'a');
    EXPECT_EQ(p[page], 'b');
    p[1] = 'A';
    ASSERT_EQ(::msync(p, page, MS_SYNC), 0);
    EXPECT_EQ(read_all(shadow)[1], 'A');
    EXPECT_EQ(read_all(file)[1], 'F');
    fm_map m{};
    ASSERT_EQ(fm_map_find(&s, p + page, 1, &m), 1);
    EXPECT_EQ(m.addr, reinterpret_cast<std::uintptr_t>(p));
    EXPECT_EQ(m.len, 2 * page);
    EXPECT_EQ(fm_munmap(&s, p, 2 * page), 0);
    EXPECT_EQ(fm_map_find(&s, p, 1, &m), 0);
    EXPECT_FALSE(s.any_maps);

    void* q = MAP_FAILED;
    EXPECT_EQ(fm_mmap(&s, nullptr, page, PROT_READ, MAP_PRIVATE, fd, 0, 1, &q), 0);
    EXPECT_EQ(fm_mmap(&s, nullptr, page, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0, 1, &q), 0);
    // Writable shared mapping of a read-only fd: the real mmap says EACCES.
    const int ro = open_file(file, O_RDONLY);
    EXPECT_EQ(fm_mmap(&s, nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0, 1, &q), 0);
}

TEST_F(PreloadMapTest, AReadOnlyMappingOfAReadWriteFdCanBeMadeWritable) {
    // A read-only fastmap fd first (from a read-only fd of the program)...
    const int ro = open_file(file, O_RDONLY);
    EXPECT_EQ(fm_read_at(ro, 0, 1), "a");
    // ... then a PROT_READ mapping through a read-write fd: as with the page cache, mprotect()
    // may make it writable later, so it is made from a read-write fastmap fd.
    void* p = MAP_FAILED;
    ASSERT_EQ(fm_mmap(&s, nullptr, page, PROT_READ, MAP_SHARED, fd, 0, 1, &p), 1);
    ASSERT_NE(p, MAP_FAILED);
    ASSERT_EQ(::mprotect(p, page, PROT_READ | PROT_WRITE), 0) << std::strerror(errno);
    static_cast<char*>(p)[0] = 'W';
    ASSERT_EQ(::msync(p, page, MS_SYNC), 0);
    EXPECT_EQ(read_all(shadow)[0], 'W');
    EXPECT_EQ(fm_munmap(&s, p, page), 0);
}

TEST_F(PreloadMapTest, PartialUnmapAndMprotectSplitTheRecord) {
    char* p = static_cast<char*>(map(nullptr, 4, MAP_SHARED));
    ASSERT_EQ(fm_munmap(&s, p + page, page), 0);
    fm_map m{};
    ASSERT_EQ(fm_map_find(&s, p, page, &m), 1);
    EXPECT_EQ(m.len, page);
    EXPECT_EQ(fm_map_find(&s, p + page, 1, &m), 0);
    ASSERT_EQ(fm_map_find(&s, p + 2 * page, 2 * page, &m), 1);
    EXPECT_EQ(m.off, 2 * page);
    ASSERT_EQ(::mprotect(p + 3 * page, page, PROT_READ), 0);
    fm_note_protect(&s, p + 3 * page, page, PROT_READ);
    ASSERT_EQ(fm_map_find(&s, p + 3 * page, page, &m), 1);
    EXPECT_EQ(m.prot, PROT_READ);
    EXPECT_EQ(m.off, 3 * page);
    ASSERT_EQ(fm_map_find(&s, p + 2 * page, page, &m), 1);
    EXPECT_EQ(m.prot, PROT_READ | PROT_WRITE);
    // Back to the same prot: the neighbours merge again.
    fm_note_protect(&s, p + 3 * page, page, PROT_READ | PROT_WRITE);
    ASSERT_EQ(fm_map_find(&s, p + 2 * page, 2 * page, &m), 1);
    // MAP_FIXED (anything) over a recorded range replaces it.
    fm_note_unmapped(&s, p, 4 * page);
    EXPECT_FALSE(s.any_maps);
    ::munmap(p, 4 * page);
}

TEST_F(PreloadMapTest, MremapShrinksInPlace) {
    char* p = static_cast<char*>(map(nullptr, 3, MAP_SHARED));
    void* r = nullptr;
    ASSERT_EQ(fm_mremap(&s, p, 3 * page, page, 0, nullptr, &r), 1);
    EXPECT_EQ(r, p);
    EXPECT_TRUE(mapped(p, page));
    EXPECT_FALSE(mapped(p + page, page));
    fm_map m{};
    ASSERT_EQ(fm_map_find(&s, p, 1, &m), 1);
    EXPECT_EQ(m.len, page);
    ASSERT_EQ(fm_mremap(&s, p, page, page, MREMAP_MAYMOVE, nullptr, &r), 1);
    EXPECT_EQ(r, p);  // same size: nothing
    // Not a recorded mapping: the kernel's business.
    EXPECT_EQ(fm_mremap(&s, p + page, page, 2 * page, MREMAP_MAYMOVE, nullptr, &r), 0);
}

TEST_F(PreloadMapTest, MremapGrowsInPlaceWhenTheSpaceIsFree) {
    char* at = free_range(4);
    char* p = static_cast<char*>(map(at, 2, MAP_SHARED | MAP_FIXED));
    ASSERT_EQ(p, at);
    void* r = nullptr;
    ASSERT_EQ(fm_mremap(&s, p, 2 * page, 4 * page, 0, nullptr, &r), 1);
    EXPECT_EQ(r, p);
    EXPECT_EQ(p[3 * page], 'd');  // the new tail maps the file where it continues
    p[3 * page] = 'D';
    ASSERT_EQ(::msync(p, 4 * page, MS_SYNC), 0);
    EXPECT_EQ(read_all(shadow)[3 * page], 'D');
    fm_map m{};
    ASSERT_EQ(fm_map_find(&s, p, 4 * page, &m), 1);  // one record again
    EXPECT_EQ(fm_munmap(&s, p, 4 * page), 0);
}

TEST_F(PreloadMapTest, MremapWithoutMayMoveFailsWhenBlocked) {
    char* at = free_range(3);
    char* p = static_cast<char*>(map(at, 2, MAP_SHARED | MAP_FIXED));
    void* blocker = ::mmap(at + 2 * page, page, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    ASSERT_EQ(blocker, at + 2 * page);
    void* r = nullptr;
    errno = 0;
    ASSERT_EQ(fm_mremap(&s, p, 2 * page, 3 * page, 0, nullptr, &r), 1);
    EXPECT_EQ(r, MAP_FAILED);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_TRUE(mapped(blocker, page));  // untouched
    EXPECT_EQ(p[0], 'a');

    // With MREMAP_MAYMOVE it moves: a new mapping of the whole length, the old one is gone.
    ASSERT_EQ(fm_mremap(&s, p, 2 * page, 3 * page, MREMAP_MAYMOVE, nullptr, &r), 1);
    ASSERT_NE(r, MAP_FAILED);
    ASSERT_NE(r, p);
    char* q = static_cast<char*>(r);
    EXPECT_EQ(q[0], 'a');
    EXPECT_EQ(q[2 * page], 'c');
    EXPECT_FALSE(mapped(p, 2 * page));
    fm_map m{};
    EXPECT_EQ(fm_map_find(&s, p, 1, &m), 0);
    ASSERT_EQ(fm_map_find(&s, q, 3 * page, &m), 1);
    EXPECT_EQ(m.off, 0u);
    ::munmap(blocker, page);
    EXPECT_EQ(fm_munmap(&s, q, 3 * page), 0);
}

TEST_F(PreloadMapTest, MremapMovesToAFixedAddressAndDuplicates) {
    char* p = static_cast<char*>(map(nullptr, 2, MAP_SHARED, 1));  // pages 'b', 'c'
    char* target = free_range(2);
    void* r = nullptr;
    ASSERT_EQ(fm_mremap(&s, p, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target, &r), 1);
    ASSERT_EQ(r, target);
    EXPECT_EQ(target[0], 'b');
    EXPECT_FALSE(mapped(p, 2 * page));
    // Overlapping ranges: EINVAL, as the kernel says.
    ASSERT_EQ(
        fm_mremap(&s, target, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target + page, &r),
        1);
    EXPECT_EQ(r, MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
    // old_len 0: a second mapping of the same pages (the kernel refuses that for fastmap).
    ASSERT_EQ(fm_mremap(&s, target, 0, page, MREMAP_MAYMOVE, nullptr, &r), 1);
    ASSERT_NE(r, MAP_FAILED);
    char* dup = static_cast<char*>(r);
    dup[0] = 'B';
    EXPECT_EQ(target[0], 'B');  // shared: the same data
    EXPECT_TRUE(mapped(target, 2 * page));
    EXPECT_EQ(fm_munmap(&s, dup, page), 0);
    EXPECT_EQ(fm_munmap(&s, target, 2 * page), 0);
}

TEST(MremapPlan, Decisions) {
    constexpr std::size_t P = 4096;
    constexpr std::uintptr_t A = 0x100000;
    auto plan = [](std::size_t ol, std::size_t nl, int flags, std::uintptr_t na = 0) {
        return fm_mremap_plan(A, ol, nl, flags, na, P);
    };
    EXPECT_EQ(plan(2 * P, 2 * P, 0).kind, FM_MREMAP_SAME);
    EXPECT_EQ(plan(2 * P, 2 * P - 100, 0).kind, FM_MREMAP_SAME);  // page-rounded
    EXPECT_EQ(plan(2 * P, P, 0).kind, FM_MREMAP_SHRINK);
    EXPECT_EQ(plan(2 * P, P, MREMAP_MAYMOVE).kind, FM_MREMAP_SHRINK);
    auto grow = plan(P, 3 * P, 0);
    EXPECT_EQ(grow.kind, FM_MREMAP_GROW);
    EXPECT_FALSE(grow.fallback_move);
    auto grow_move = plan(P, 3 * P, MREMAP_MAYMOVE);
    EXPECT_EQ(grow_move.kind, FM_MREMAP_GROW);
    EXPECT_TRUE(grow_move.fallback_move);
    EXPECT_TRUE(grow_move.unmap_old);
    auto fixed = plan(P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, 0x200000);
    EXPECT_EQ(fixed.kind, FM_MREMAP_MOVE);
    EXPECT_TRUE(fixed.fixed);
    EXPECT_TRUE(fixed.unmap_old);
    auto overlap = plan(2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A + P);
    EXPECT_EQ(overlap.kind, FM_MREMAP_FAIL);
    EXPECT_EQ(overlap.err, EINVAL);
    auto dup = plan(0, P, MREMAP_MAYMOVE);
    EXPECT_EQ(dup.kind, FM_MREMAP_MOVE);
    EXPECT_FALSE(dup.unmap_old);
    // The kernel answers these itself.
    EXPECT_EQ(plan(0, P, 0).kind, FM_MREMAP_PASS);
    EXPECT_EQ(plan(P, 0, MREMAP_MAYMOVE).kind, FM_MREMAP_PASS);
    EXPECT_EQ(plan(P, 2 * P, MREMAP_FIXED, 0x200000).kind, FM_MREMAP_PASS);
    EXPECT_EQ(plan(P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, 0x200001).kind, FM_MREMAP_PASS);
    EXPECT_EQ(plan(P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP).kind, FM_MREMAP_PASS);
    EXPECT_EQ(fm_mremap_plan(A + 1, P, 2 * P, MREMAP_MAYMOVE, 0, P).kind, FM_MREMAP_PASS);
}

}  // namespace
