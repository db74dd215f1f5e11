// SPDX-License-Identifier: GPL-2.0-only
// Host test of the "stock" BPF programs (fexit/filemap_fault + filemap page-cache tracepoints)
// on the running kernel: a file on a disk filesystem is evicted, mapped MAP_SHARED and N pages
// are write-touched; the per-file counters must show >= N faults and >= N page-cache
// insertions, and evicting it again must show evictions.
//
//   bpf_stock_test [--dir DIR] [--pages N]   the test (exit 0 pass, 1 fail, 77 skip)
//   bpf_stock_test --btf FILE                load the stock programs CO-RE-relocated against
//                                            another kernel's BTF (a relocation check only)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/bpf_telemetry.hpp"
#include "telemetry/kdev.hpp"

namespace {

namespace tm = fastmap::telemetry;

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kSkip = 77;  // SKIP_RETURN_CODE in tests/host/CMakeLists.txt

constexpr long kTmpfsMagic = 0x01021994;
constexpr long kRamfsMagic = 0x858458f6;
constexpr long kOverlayMagic = 0x794c7630;

struct Args {
    std::vector<std::string> dirs;
    long pages = 64;
    std::string btf;
};

void usage() {
    std::fprintf(stderr, "usage: bpf_stock_test [--dir DIR]... [--pages N] | --btf FILE\n");
}

bool parse_args(int argc, char** argv, Args& args) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            return false;
        }
        const char* value = argv[++i];
        if (arg == "--dir") {
            args.dirs.emplace_back(value);
        } else if (arg == "--pages") {
            args.pages = std::strtol(value, nullptr, 10);
            if (args.pages <= 0 || args.pages > 65536) {
                return false;
            }
        } else if (arg == "--btf") {
            args.btf = value;
        } else {
            return false;
        }
    }
    args.dirs.emplace_back("/var/tmp");
    args.dirs.emplace_back("/tmp");
    return true;
}

bool is_permission_error(const fastmap::Error& e) {
    return e.code == EPERM || e.code == EACCES;
}

// A directory on a filesystem whose mmap faults go through filemap_fault on the file's own inode
// (not tmpfs/ramfs: shmem_fault; not overlayfs: the faults hit the lower inode).
std::string pick_dir(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs) {
        struct statfs fs {};
        if (::statfs(dir.c_str(), &fs) != 0) {
            continue;
        }
        const long type = static_cast<long>(fs.f_type);
        if (type == kTmpfsMagic || type == kRamfsMagic || type == kOverlayMagic) {
            std::printf("  %s: tmpfs/ramfs/overlayfs, not usable\n", dir.c_str());
            continue;
        }
        return dir;
    }
    return {};
}

// Resident pages of the file according to mincore(2); -1 on error.
long resident_pages(int fd, long pages, long page_size) {
    const std::size_t len = static_cast<std::size_t>(pages * page_size);
    void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        return -1;
    }
    std::vector<unsigned char> vec(static_cast<std::size_t>(pages));
    long n = -1;
    if (::mincore(map, len, vec.data()) == 0) {
        n = 0;
        for (unsigned char v : vec) {
            n += v & 1;
        }
    }
    ::munmap(map, len);
    return n;
}

// Writes back and drops the file's page cache; returns the pages still resident.
long evict(int fd, long pages, long page_size) {
    long left = -1;
    for (int attempt = 0; attempt < 5 && left != 0; ++attempt) {
        ::fsync(fd);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        left = resident_pages(fd, pages, page_size);
    }
    return left;
}

class TempFile {
public:
    TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0) {
            ::close(fd_);
            ::unlink(path_.c_str());
        }
    }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_;
};

bool fill(int fd, long pages, long page_size) {
    std::vector<char> buf(static_cast<std::size_t>(page_size), 'f');
    for (long i = 0; i < pages; ++i) {
        if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
            return false;
        }
    }
    return ::fsync(fd) == 0;
}

// Write-touches every page of a MAP_SHARED mapping: each is a do_shared_fault -> ->fault.
bool touch(int fd, long pages, long page_size) {
    const std::size_t len = static_cast<std::size_t>(pages * page_size);
    void* map = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        std::printf("FAIL: mmap: %s\n", std::strerror(errno));
        return false;
    }
    auto* bytes = static_cast<volatile char*>(map);
    for (long i = 0; i < pages; ++i) {
        bytes[i * page_size] = static_cast<char>('a' + i % 26);
    }
    ::munmap(map, len);
    return true;
}

void print(const char* what, const tm::FileCounters& c) {
    std::printf(
        "  %s: dev %s ino %llu: faults %llu (shared %llu, major %llu), page cache +%llu "
        "-%llu\n",
        what, c.dev.str().c_str(), static_cast<unsigned long long>(c.key.ino),
        static_cast<unsigned long long>(c.faults), static_cast<unsigned long long>(c.shared_faults),
        static_cast<unsigned long long>(c.major_faults),
        static_cast<unsigned long long>(c.page_cache_adds),
        static_cast<unsigned long long>(c.page_cache_evictions));
}

// The counters of the test file. Matched by inode; st_dev should equal sb->s_dev, but btrfs
// reports a per-subvolume device in stat(2), so a single entry with the inode is accepted too.
fastmap::Result<tm::FileCounters> lookup(tm::Telemetry& t, tm::FileKey key) {
    auto exact = t.file(key);
    if (exact || exact.error().code != ENOENT) {
        return exact;
    }
    auto all = t.files();
    if (!all) {
        return all.error();
    }
    std::vector<tm::FileCounters> same_ino;
    for (const tm::FileCounters& c : *all) {
        if (c.key.ino == key.ino) {
            same_ino.push_back(c);
        }
    }
    if (same_ino.size() == 1) {
        std::printf("  note: counted under dev %s, stat(2) said %s\n",
                    same_ino[0].dev.str().c_str(), tm::kdev_decode(key.kdev).str().c_str());
        return same_ino[0];
    }
    return fastmap::Error{ENOENT, "no counters for the test file"};
}

int btf_check(const std::string& btf) {
    tm::Options options;
    options.btf_custom_path = btf;
    auto t = tm::BpfTelemetry::open(options);
    if (!t) {
        std::printf("FAIL: %s\n", t.error().message.c_str());
        return kFail;
    }
    if (auto r = (*t)->attach(tm::Programs::kStock); !r) {
        if (is_permission_error(r.error())) {
            std::printf("SKIP: %s\n", r.error().message.c_str());
            return kSkip;
        }
        std::printf("FAIL: %s\n", r.error().message.c_str());
        return kFail;
    }
    const char* faults = "none";
    if ((*t)->fault_source() == tm::FaultSource::kFexit) {
        faults = "fexit";
    } else if ((*t)->fault_source() == tm::FaultSource::kTracepoint) {
        faults = "tracepoint";
    }
    std::printf("PASS: stock programs relocate against %s and load (faults: %s)\n", btf.c_str(),
                faults);
    return kPass;
}

int run(const Args& args) {
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        std::printf("SKIP: no kernel BTF (/sys/kernel/btf/vmlinux): fexit needs it\n");
        return kSkip;
    }
    const long page_size = ::sysconf(_SC_PAGESIZE);
    const long n = args.pages;
    const std::string dir = pick_dir(args.dirs);
    if (dir.empty()) {
        std::printf("SKIP: no directory on a disk filesystem\n");
        return kSkip;
    }

    std::string path = dir + "/fastmap-bpf-stock-test." + std::to_string(::getpid());
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        std::printf("FAIL: create %s: %s\n", path.c_str(), std::strerror(errno));
        return kFail;
    }
    const TempFile file(std::move(path), fd);
    struct stat st {};
    if (!fill(fd, n, page_size) || ::fstat(fd, &st) != 0) {
        std::printf("FAIL: write %s: %s\n", file.path().c_str(), std::strerror(errno));
        return kFail;
    }
    const tm::FileKey key{tm::kdev_from_st_dev(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    std::printf("  file %s (dev %s, ino %llu), %ld pages\n", file.path().c_str(),
                tm::kdev_decode(key.kdev).str().c_str(), static_cast<unsigned long long>(key.ino),
                n);
    if (const long left = evict(fd, n, page_size); left != 0) {
        std::printf("  warning: %ld pages still cached before the test\n", left);
    }

    // Only this inode (any device, see lookup()): the rest of the system stays out of the map.
    tm::Options options;
    options.file = tm::FileKey{0, key.ino};
    auto opened = tm::BpfTelemetry::open(options);
    if (!opened) {
        std::printf("FAIL: %s\n", opened.error().message.c_str());
        return kFail;
    }
    tm::BpfTelemetry& t = **opened;
    if (auto r = t.attach(tm::Programs::kStock); !r) {
        if (is_permission_error(r.error())) {
            std::printf("SKIP: BPF not permitted: %s\n", r.error().message.c_str());
            return kSkip;
        }
        std::printf("FAIL: %s\n", r.error().message.c_str());
        return kFail;
    }

    const bool fexit = t.fault_source() == tm::FaultSource::kFexit;
    switch (t.fault_source()) {
        case tm::FaultSource::kFexit:
            std::printf("  faults counted by fexit/filemap_fault\n");
            break;
        case tm::FaultSource::kTracepoint:
            std::printf(
                "  faults counted by tracepoint filemap:mm_filemap_fault (no shared/major "
                "split); fexit failed:\n    %s\n",
                t.fallback_reason().c_str());
            break;
        case tm::FaultSource::kNone:
            std::printf("FAIL: no way to count faults on this kernel:\n    %s\n",
                        t.fallback_reason().c_str());
            return kFail;
    }

    if (!touch(fd, n, page_size)) {
        return kFail;
    }
    auto after_touch = lookup(t, key);
    if (!after_touch) {
        std::printf("FAIL: after touching %ld pages: %s\n", n, after_touch.error().message.c_str());
        return kFail;
    }
    print("after touch", *after_touch);

    if (const long left = evict(fd, n, page_size); left != 0) {
        std::printf("  warning: %ld pages still cached after eviction\n", left);
    }
    auto after_evict = lookup(t, key);
    if (!after_evict) {
        std::printf("FAIL: after eviction: %s\n", after_evict.error().message.c_str());
        return kFail;
    }
    print("after evict", *after_evict);

    const auto want = static_cast<std::uint64_t>(n);
    const tm::FileCounters& a = *after_touch;
    bool ok = true;
    auto expect = [&ok](bool cond, const char* what) {
        if (!cond) {
            std::printf("FAIL: %s\n", what);
            ok = false;
        }
    };
    expect(a.faults >= want, "faults >= pages touched");
    if (fexit) {
        expect(a.shared_faults >= want, "shared (MAP_SHARED) faults >= pages touched");
        expect(a.major_faults >= 1, "at least one major fault (the cache was dropped)");
    }
    expect(a.page_cache_adds >= want, "page-cache insertions >= pages touched");
    expect(after_evict->page_cache_evictions > a.page_cache_evictions,
           "page-cache evictions after POSIX_FADV_DONTNEED");
    auto drops = t.drops();
    expect(drops.ok() && drops->file_updates == 0, "no failed per-file map updates");
    if (!ok) {
        return kFail;
    }
    std::printf("PASS\n");
    return kPass;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parse_args(argc, argv, args)) {
        usage();
        return 2;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    if (!args.btf.empty()) {
        return btf_check(args.btf);
    }
    return run(args);
}
