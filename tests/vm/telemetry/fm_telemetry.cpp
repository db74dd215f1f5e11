// SPDX-License-Identifier: GPL-2.0-only
// fm_telemetry: in-VM checks of the BPF telemetry (issue 4).
//
//   fm_telemetry instance NODE [--seconds S]   BPF per-instance counters == the module's own
//   fm_telemetry file PATH [--pages N]         stock-mmap per-file counters see a mapping of PATH
//   fm_telemetry overhead NODE [--seconds S]   fault throughput with and without the programs
//
// Exit 0 on success, 1 on a mismatch, 2 on a usage or system error.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "fastmap.h"
#include "telemetry/bpf_telemetry.hpp"
#include "telemetry/kdev.hpp"

namespace {

using fastmap::telemetry::BpfTelemetry;
using fastmap::telemetry::InstanceCounters;
using fastmap::telemetry::Programs;
constexpr std::uint64_t kPage = 4096;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "fm_telemetry: %s\n", what.c_str());
    std::exit(2);
}

struct Node {
    int fd = -1;
    std::uint8_t* map = nullptr;
    std::uint64_t pages = 0;
    fastmap_info info{};
    std::uint32_t id = 0;
};

Node open_node(const char* path) {
    Node n;
    n.fd = open(path, O_RDWR);
    if (n.fd < 0 || ioctl(n.fd, FASTMAP_IOC_GET_INFO, &n.info) != 0)
        die(std::string("not a fastmap node: ") + path);
    n.pages = n.info.size_bytes / kPage;
    void* m = mmap(nullptr, n.pages * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, n.fd, 0);
    if (m == MAP_FAILED)
        die("mmap");
    n.map = static_cast<std::uint8_t*>(m);
    std::ifstream id(std::string("/sys/kernel/fastmap/") + n.info.name + "/id");
    if (!(id >> n.id))
        die("cannot read the instance id from sysfs");
    return n;
}

fastmap_stats module_stats(const Node& n) {
    fastmap_stats st{};
    if (ioctl(n.fd, FASTMAP_IOC_GET_STATS, &st) != 0)
        die("GET_STATS");
    return st;
}

// Threads touching random pages (1 in 4 a write) for |seconds|; returns the touches done.
std::uint64_t touch_random(const Node& n, unsigned seconds, unsigned threads = 2) {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> ops{0};
    std::vector<std::thread> ts;
    for (unsigned t = 0; t < threads; t++) {
        ts.emplace_back([&, t] {
            std::uint64_t s = 0x9e3779b97f4a7c15ull * (t + 1), local = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                auto* p = reinterpret_cast<volatile std::uint64_t*>(n.map + (s % n.pages) * kPage);
                if ((s >> 60) == 0)
                    p[1] = s;
                else
                    (void)p[0];
                local++;
            }
            ops += local;
        });
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& t : ts)
        t.join();
    return ops.load();
}

InstanceCounters instance_counters(BpfTelemetry& bpf, std::uint32_t id) {
    auto all = bpf.instances();
    if (!all)
        die("reading the instance map: " + all.error().message);
    for (const auto& c : *all)
        if (c.id == id)
            return c;
    return InstanceCounters{.id = id};
}

std::unique_ptr<BpfTelemetry> attach(Programs which) {
    auto t = BpfTelemetry::open();
    if (!t)
        die("open: " + t.error().message);
    auto r = (*t)->attach(which);
    if (!r)
        die("attach: " + r.error().message);
    return std::move(*t);
}

bool same(const char* what, std::uint64_t bpf, std::uint64_t module) {
    std::printf("  %-14s bpf %10llu  module %10llu  %s\n", what, (unsigned long long)bpf,
                (unsigned long long)module, bpf == module ? "ok" : "MISMATCH");
    return bpf == module;
}

int check_instance(const char* path, unsigned seconds) {
    Node n = open_node(path);
    auto bpf = attach(Programs::kFastmap);
    InstanceCounters b0 = instance_counters(*bpf, n.id);
    fastmap_stats m0 = module_stats(n);
    std::uint64_t ops = touch_random(n, seconds);
    // Let writeback rounds in flight finish: the module counts a round's pages when it submits
    // them, the tracepoint fires when the round completes.
    msync(n.map, n.pages * kPage, MS_SYNC);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    fastmap_stats m1 = module_stats(n);
    InstanceCounters b1 = instance_counters(*bpf, n.id);
    std::printf("fm_telemetry: instance %s (id %u), %llu touches\n", n.info.name, n.id,
                (unsigned long long)ops);
    bool ok = true;
    ok &= same("faults", b1.faults - b0.faults, (m1.hits - m0.hits) + (m1.misses - m0.misses));
    ok &= same("hits", b1.hits - b0.hits, m1.hits - m0.hits);
    ok &= same("misses", b1.misses - b0.misses, m1.misses - m0.misses);
    ok &= same("evictions", b1.evicted_pages - b0.evicted_pages, m1.evictions - m0.evictions);
    ok &= same("evict_batches", b1.evict_batches - b0.evict_batches,
               m1.evict_batches - m0.evict_batches);
    ok &= same("wb_pages", b1.wb_pages - b0.wb_pages, m1.wb_pages - m0.wb_pages);
    auto h = bpf->fault_latency(n.id);
    if (h && !h->empty())
        std::printf("  fault latency p50 %llu ns, p99 %llu ns\n",
                    (unsigned long long)h->percentile(50).value_or(0),
                    (unsigned long long)h->percentile(99).value_or(0));
    if (m1.misses == m0.misses || m1.evictions == m0.evictions) {
        std::printf("fm_telemetry: the workload neither missed nor evicted: nothing shown\n");
        ok = false;
    }
    return ok ? 0 : 1;
}

int check_file(const char* path, std::uint64_t pages) {
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(pages * kPage)) != 0)
        die("create file");
    fsync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    struct stat st {};
    fstat(fd, &st);
    auto bpf = attach(Programs::kStock);
    void* m = mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        die("mmap file");
    for (std::uint64_t p = 0; p < pages; p++)
        (void)static_cast<volatile std::uint8_t*>(m)[p * kPage];
    fastmap::telemetry::FileKey key{fastmap::telemetry::kdev_from_st_dev(st.st_dev),
                                    static_cast<std::uint64_t>(st.st_ino)};
    auto fc = bpf->file(key);
    if (!fc)
        die("file counters: " + fc.error().message);
    std::printf(
        "fm_telemetry: %s (inode %llu): %llu faults (%llu shared), %llu page-cache adds; "
        "fault source %u%s%s\n",
        path, (unsigned long long)st.st_ino, (unsigned long long)fc->faults,
        (unsigned long long)fc->shared_faults, (unsigned long long)fc->page_cache_adds,
        static_cast<unsigned>(bpf->fault_source()), bpf->fallback_reason().empty() ? "" : ": ",
        bpf->fallback_reason().c_str());
    munmap(m, pages * kPage);
    close(fd);
    // Fault-around maps neighbours without ->fault, so faults can be fewer than pages.
    return fc->faults > 0 && fc->page_cache_adds >= pages ? 0 : 1;
}

int overhead(const char* path, unsigned seconds) {
    Node n = open_node(path);
    double off1 = static_cast<double>(touch_random(n, seconds)) / seconds;
    double on = 0;
    {
        auto bpf = attach(Programs::kAll);
        on = static_cast<double>(touch_random(n, seconds)) / seconds;
    }
    double off2 = static_cast<double>(touch_random(n, seconds)) / seconds;
    double off = (off1 + off2) / 2;
    std::printf(
        "fm_telemetry: touches/s without BPF %.0f (%.0f, %.0f), with BPF %.0f: overhead %.1f %%\n",
        off, off1, off2, on, off > 0 ? 100.0 * (off - on) / off : 0.0);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3)
        die("usage: fm_telemetry instance|file|overhead PATH [--seconds S] [--pages N]");
    unsigned seconds = 5;
    std::uint64_t pages = 256;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--seconds"))
            seconds = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 0));
        else if (!std::strcmp(argv[i], "--pages"))
            pages = std::strtoull(argv[i + 1], nullptr, 0);
        else
            die(std::string("unknown option ") + argv[i]);
    }
    std::string mode = argv[1];
    if (mode == "instance")
        return check_instance(argv[2], seconds);
    if (mode == "file")
        return check_file(argv[2], pages);
    if (mode == "overhead")
        return overhead(argv[2], seconds);
    die("unknown mode " + mode);
}
