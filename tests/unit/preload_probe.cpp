// SPDX-License-Identifier: GPL-2.0-only
// fastmap_preload_probe DIR: file I/O and mappings of a file in DIR through every call
// libfastmap-preload.so interposes, printing what each returned. preload_run_test.cpp runs it
// with and without the preload and compares the transcripts.
// fastmap_preload_probe --routed DIR: DIR/data (8 KiB of 'F') whose instance is DIR/data.fastmap
// (8 KiB of 'S', see fake_kernel_shim.cpp): checks that the calls went to the instance.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int failures = 0;

void say(const char* what, long long value) {
    std::printf("%s = %lld\n", what, value);
}

void check(bool ok, const char* what) {
    std::printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) {
        ++failures;
    }
}

std::string contents(int fd) {
    struct stat st {};
    fstat(fd, &st);
    std::string s(static_cast<std::size_t>(st.st_size), '\0');
    const ssize_t n = pread(fd, s.data(), s.size(), 0);
    s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return s;
}

// The file's bytes as the file system has them: raw system calls, which no preload sees.
std::string raw_contents(const std::string& path) {
    const int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, path.c_str(), O_RDONLY));
    std::string s(1 << 16, '\0');
    const long n = syscall(SYS_pread64, fd, s.data(), s.size(), 0L);
    syscall(SYS_close, fd);
    s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return s;
}

int routed(const std::string& dir) {
    const long page = sysconf(_SC_PAGESIZE);
    const std::string path = dir + "/data";
    const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    check(fd >= 0, "open");
    char buf[64] = {};
    say("read", read(fd, buf, 4));
    check(std::string(buf, 4) == "SSSS", "read from the instance");
    say("write", write(fd, "ab", 2));
    say("position", lseek(fd, 0, SEEK_CUR));
    say("pread", pread(fd, buf, 6, 0));
    check(std::string(buf, 6) == "SSSSab", "pread sees the write");
    say("pwrite", pwrite(fd, "P", 1, 100));
    char a[2] = {};
    char b[2] = {};
    iovec iov[2] = {{a, 1}, {b, 1}};
    say("readv", readv(fd, iov, 2));
    say("position_after_readv", lseek(fd, 0, SEEK_CUR));
    say("preadv2_at_position", preadv2(fd, iov, 2, -1, 0));
    say("position_after_preadv2", lseek(fd, 0, SEEK_CUR));

    char* p = static_cast<char*>(
        mmap(nullptr, static_cast<size_t>(page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    check(p != MAP_FAILED, "mmap shared");
    check(std::memcmp(p, "SSSSab", 6) == 0, "the mapping shows the instance");
    p[0] = 'M';
    say("msync", msync(p, static_cast<size_t>(page), MS_SYNC));
    char* q = static_cast<char*>(
        mremap(p, static_cast<size_t>(page), static_cast<size_t>(2 * page), MREMAP_MAYMOVE));
    check(q != MAP_FAILED && q[0] == 'M' && q[page] == 'S', "mremap grows it");
    q[page] = 'N';
    say("munmap", munmap(q, static_cast<size_t>(2 * page)));
    say("pread_after_mapping", pread(fd, buf, 1, page));
    check(buf[0] == 'N', "a store through the mapping is seen by pread");

    const int app = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    say("append", write(app, "Z", 1));
    say("append_position", lseek(app, 0, SEEK_CUR));
    close(app);
    say("fsync", fsync(fd));
    say("fdatasync", fdatasync(fd));
    say("close", close(fd));

    const std::string real = raw_contents(path);
    check(real == std::string(static_cast<std::size_t>(2 * page), 'F'), "the file is untouched");
    const std::string inst = raw_contents(path + ".fastmap");
    check(inst.size() == static_cast<std::size_t>(2 * page) + 1 && inst.substr(0, 6) == "MSSSab" &&
              inst[100] == 'P' && inst[static_cast<std::size_t>(page)] == 'N' && inst.back() == 'Z',
          "the instance has every write");
    std::printf("failures = %d\n", failures);
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "--routed") {
        return routed(argv[2]);
    }
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s [--routed] DIR\n", argv[0]);
        return 2;
    }
    const long page = sysconf(_SC_PAGESIZE);
    const std::string path = std::string(argv[1]) + "/probe.dat";
    unlink(path.c_str());
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    check(fd >= 0, "open");

    say("write", write(fd, "hello, world", 12));
    say("pwrite", pwrite(fd, "HELLO", 5, 0));
    say("lseek", lseek(fd, 7, SEEK_SET));
    char buf[64] = {};
    say("read", read(fd, buf, 5));
    check(std::string(buf, 5) == "world", "read data");
    say("pread", pread(fd, buf, 5, 0));
    check(std::string(buf, 5) == "HELLO", "pread data");

    char a[4] = {};
    char b[4] = {};
    iovec riov[2] = {{a, 3}, {b, 3}};
    lseek(fd, 0, SEEK_SET);
    say("readv", readv(fd, riov, 2));
    check(std::string(a, 3) + std::string(b, 3) == "HELLO,", "readv data");
    say("preadv", preadv(fd, riov, 2, 6));
    char w1[] = "ab";
    char w2[] = "cd";
    iovec wiov[2] = {{w1, 2}, {w2, 2}};
    say("writev", writev(fd, wiov, 2));
    say("pwritev", pwritev(fd, wiov, 2, 20));
    say("preadv2", preadv2(fd, riov, 1, -1, 0));
    say("pwritev2", pwritev2(fd, wiov, 1, 30, 0));
    say("lseek_cur", lseek(fd, 0, SEEK_CUR));
    say("fsync", fsync(fd));
    say("fdatasync", fdatasync(fd));
    say("sync_file_range", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE));

    const int app = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    say("append", write(app, "!", 1));
    say("append_pos", lseek(app, 0, SEEK_CUR));
    close(app);

    // Mappings: shared (written through), private (copy), grown with mremap, unmapped.
    say("ftruncate", ftruncate(fd, 2 * page));
    char* shared = static_cast<char*>(
        mmap(nullptr, static_cast<size_t>(page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    check(shared != MAP_FAILED, "mmap shared");
    check(std::memcmp(shared, "HELLO", 5) == 0, "mapped data");
    shared[0] = 'J';
    say("msync", msync(shared, static_cast<size_t>(page), MS_SYNC));
    char* priv = static_cast<char*>(
        mmap(nullptr, static_cast<size_t>(page), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    check(priv != MAP_FAILED && priv[0] == 'J', "mmap private");
    priv[1] = 'x';
    char* grown = static_cast<char*>(
        mremap(shared, static_cast<size_t>(page), static_cast<size_t>(2 * page), MREMAP_MAYMOVE));
    check(grown != MAP_FAILED && grown[0] == 'J', "mremap grow");
    grown[page] = 'P';
    say("mprotect", mprotect(grown, static_cast<size_t>(page), PROT_READ));
    say("munmap", munmap(grown, static_cast<size_t>(2 * page)));
    say("munmap_private", munmap(priv, static_cast<size_t>(page)));
    const std::string data = contents(fd);
    check(data.size() == static_cast<std::size_t>(2 * page) && data[0] == 'J' && data[1] == 'E' &&
              data[static_cast<std::size_t>(page)] == 'P',
          "file after mappings");

    // Descriptors: dup2 over, close.
    const int copy = dup(fd);
    say("dup2", dup2(fd, copy) == copy);
    say("close_copy", close(copy));
    say("close", close(fd));
    say("read_closed", read(fd, buf, 1));
    say("read_closed_errno_is_EBADF", errno == EBADF);
    say("write_stdout", write(STDOUT_FILENO, "", 0));
    std::printf("failures = %d\n", failures);
    unlink(path.c_str());
    return failures == 0 ? 0 : 1;
}
