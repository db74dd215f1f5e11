// SPDX-License-Identifier: GPL-2.0-only
// fmbench: N threads touch 4 KiB pages of a device through Linux mmap, a
// fastmap node, or O_DIRECT pread/pwrite (the device ceiling), and report
// ops/s, touch latency, TLB shootdown IPIs, device bytes, guest CPU and fastmap counters.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "options.hpp"
#include "stats.hpp"
#include "worker.hpp"

namespace fmbench {

// SIGINT/SIGTERM end the run early; the summary covers the time run.
volatile sig_atomic_t g_interrupted = 0;

const char* to_string(Mode m) {
    switch (m) {
        case Mode::kLinuxMmap:
            return "linux-mmap";
        case Mode::kFastmap:
            return "fastmap";
        case Mode::kPreadDirect:
            return "pread-direct";
    }
    return "?";
}
const char* to_string(Op o) {
    return o == Op::kRead ? "read" : o == Op::kWrite ? "write" : "mixed";
}
const char* to_string(Pattern p) {
    return p == Pattern::kRandom ? "random" : "seq";
}

namespace {

nlohmann::json fastmap_json(const fastmap_stats& a, const fastmap_stats& b) {
    return {{"faults", b.faults - a.faults},
            {"hits", b.hits - a.hits},
            {"misses", b.misses - a.misses},
            {"evictions", b.evictions - a.evictions},
            {"evict_batches", b.evict_batches - a.evict_batches},
            {"evict_stalls", b.evict_stalls - a.evict_stalls},
            {"shootdowns", b.shootdowns - a.shootdowns},
            {"wb_pages", b.wb_pages - a.wb_pages},
            {"cache_pages", b.cache_pages}};
}

int run(const Options& o) {
    int flags = o.mode == Mode::kPreadDirect ? O_RDWR | O_DIRECT : O_RDWR;
    int fd = open(o.path.c_str(), flags);
    if (fd < 0) {
        std::fprintf(stderr, "fmbench: open %s: %s\n", o.path.c_str(), std::strerror(errno));
        return 2;
    }
    uint64_t dev_pages = static_cast<uint64_t>(lseek(fd, 0, SEEK_END)) / kPage;
    uint64_t pages = o.pages && o.pages < dev_pages ? o.pages : dev_pages;
    if (pages == 0) {
        std::fprintf(stderr, "fmbench: %s is empty\n", o.path.c_str());
        return 2;
    }
    uint8_t* map = nullptr;
    if (o.mode != Mode::kPreadDirect) {
        void* m = mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            std::fprintf(stderr, "fmbench: mmap: %s\n", std::strerror(errno));
            return 2;
        }
        map = static_cast<uint8_t*>(m);
        if (o.pattern == Pattern::kRandom)
            madvise(map, pages * kPage, MADV_RANDOM);
    }
    if (o.warm && map) {
        // Bring the dataset in (the hit-path runs): one touch per page.
        auto* v = reinterpret_cast<volatile uint64_t*>(map);
        for (uint64_t p = 0; p < pages; p++) {
            if (o.op == Op::kRead)
                (void)v[p * (kPage / sizeof(uint64_t))];
            else
                v[p * (kPage / sizeof(uint64_t))] = p;
        }
    }
    if (o.remap && map) {  // the workers map their own windows
        munmap(map, pages * kPage);
        map = nullptr;
    }
    std::string disk = disk_name(fd, o.path);
    bool fm = o.mode == Mode::kFastmap;
    SysCounters before = sample(fd, disk, fm);

    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned t = 0; t < o.threads; t++)
        workers.push_back(std::make_unique<Worker>(o, fd, map, pages, t));
    std::vector<std::thread> threads;
    for (auto& w : workers)
        threads.emplace_back([&w, &stop] { w->run(stop); });

    auto start = std::chrono::steady_clock::now();
    uint64_t last = 0;
    struct sigaction sa {};
    sa.sa_handler = [](int) { g_interrupted = 1; };
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    for (unsigned s = 1; s <= o.seconds && !g_interrupted; s++) {
        // Short steps, so that a signal ends the run within 100 ms.
        const auto until = start + std::chrono::seconds(s);
        while (!g_interrupted && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_until(
                std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
        uint64_t now = 0;
        for (auto& w : workers)
            now += w->ops();
        if (!o.quiet)
            std::fprintf(stderr, "fmbench: %3us %10lu ops/s\n", s, now - last);
        last = now;
    }
    stop = true;
    for (auto& t : threads)
        t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SysCounters after = sample(fd, disk, fm);

    Histogram h;
    uint64_t ops = 0, errors = 0;
    for (auto& w : workers) {
        h.merge(w->histogram());
        ops += w->ops();
        errors += w->errors();
    }
    nlohmann::json j = {
        {"mode", to_string(o.mode)},
        {"op", to_string(o.op)},
        {"pattern", to_string(o.pattern)},
        {"path", o.path},
        {"device", disk},
        {"threads", o.threads},
        {"dataset_pages", pages},
        {"warm", o.warm},
        {"remap_pages", o.remap},
        {"seconds", secs},
        {"interrupted", g_interrupted != 0},
        {"ops", ops},
        {"errors", errors},
        {"ops_per_sec", ops / secs},
        {"latency_ns", {{"p50", h.percentile(50)}, {"p99", h.percentile(99)}}},
        {"tlb_ipis", after.tlb_ipis - before.tlb_ipis},
        {"call_ipis", after.call_ipis - before.call_ipis},
        {"device_read_bytes", after.read_bytes - before.read_bytes},
        {"device_write_bytes", after.write_bytes - before.write_bytes},
    };
    // Guest CPU: on TCG the device model runs on the same host cores as the vCPUs,
    // so CPU spent per operation lowers what the device can deliver.
    const uint64_t busy = after.cpu_busy_ticks - before.cpu_busy_ticks;
    const uint64_t total = after.cpu_total_ticks - before.cpu_total_ticks;
    const double tick_us = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
    j["cpu_busy_pct"] =
        total ? 100.0 * static_cast<double>(busy) / static_cast<double>(total) : 0.0;
    j["cpu_us_per_op"] = ops ? static_cast<double>(busy) * tick_us / static_cast<double>(ops) : 0.0;
    // Sleeps and wake-ups per operation: each costs a context switch (and an
    // interrupt for a device completion), which TCG makes dear.
    const auto per_op = [ops](uint64_t n) {
        return ops ? static_cast<double>(n) / static_cast<double>(ops) : 0.0;
    };
    j["ctx_switches_per_op"] = per_op(after.ctx_switches - before.ctx_switches);
    j["interrupts_per_op"] = per_op(after.interrupts - before.interrupts);
    if (before.fastmap && after.fastmap)
        j["fastmap"] = fastmap_json(*before.fastmap, *after.fastmap);
    if (map)
        munmap(map, pages * kPage);
    close(fd);
    std::string text = j.dump(2);
    if (o.json.empty() || o.json == "-") {
        std::cout << text << "\n";
    } else {
        FILE* f = std::fopen(o.json.c_str(), "w");
        if (!f)
            return 2;
        std::fprintf(f, "%s\n", text.c_str());
        std::fclose(f);
    }
    return errors ? 1 : 0;
}

}  // namespace
}  // namespace fmbench

int main(int argc, char** argv) {
    using namespace fmbench;
    Options o;
    CLI::App app{"fmbench: page-touch benchmark for Linux mmap, fastmap and O_DIRECT"};
    std::map<std::string, Mode> modes{{"linux-mmap", Mode::kLinuxMmap},
                                      {"fastmap", Mode::kFastmap},
                                      {"pread-direct", Mode::kPreadDirect}};
    std::map<std::string, Op> ops{
        {"read", Op::kRead}, {"write", Op::kWrite}, {"mixed", Op::kMixed}};
    std::map<std::string, Pattern> pats{{"random", Pattern::kRandom},
                                        {"seq", Pattern::kSequential}};
    app.add_option("--mode", o.mode, "linux-mmap | fastmap | pread-direct")
        ->required()
        ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
    app.add_option("--path", o.path, "block device or /dev/fastmap/NAME")->required();
    app.add_option("--op", o.op, "read | write | mixed (50/50)")
        ->transform(CLI::CheckedTransformer(ops, CLI::ignore_case));
    app.add_option("--pattern", o.pattern, "random | seq")
        ->transform(CLI::CheckedTransformer(pats, CLI::ignore_case));
    app.add_option("--threads", o.threads, "threads")->check(CLI::Range(1u, 1024u));
    app.add_option("--seconds", o.seconds, "duration (SIGINT or SIGTERM ends it early)")
        ->check(CLI::Range(1u, 86400u));
    app.add_option("--pages", o.pages, "dataset size in 4 KiB pages (default: whole device)");
    app.add_option("--json", o.json, "write the JSON summary to FILE (default stdout)");
    app.add_flag("--quiet", o.quiet, "no per-second lines");
    app.add_flag("--warm", o.warm,
                 "touch every page of the dataset once before timing (hit-path runs)");
    app.add_option("--remap", o.remap,
                   "map windows of N pages (a power of two) at random offsets, touch each "
                   "page once, unmap: every touch faults, also on cached pages")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
    CLI11_PARSE(app, argc, argv);
    if (o.mode == Mode::kPreadDirect && (o.warm || o.remap)) {
        std::fprintf(stderr, "fmbench: --warm and --remap need an mmap mode\n");
        return 2;
    }
    return run(o);
}
