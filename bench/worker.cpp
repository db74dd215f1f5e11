// SPDX-License-Identifier: GPL-2.0-only
#include "worker.hpp"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdlib>

namespace fmbench {
namespace {

uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

uint64_t xorshift(uint64_t& s) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

}  // namespace

void Histogram::add(uint64_t ns) {
    buckets_[ns ? 63 - std::countl_zero(ns) : 0]++;
    count_++;
}

void Histogram::merge(const Histogram& o) {
    for (size_t i = 0; i < buckets_.size(); i++)
        buckets_[i] += o.buckets_[i];
    count_ += o.count_;
}

uint64_t Histogram::percentile(double p) const {
    if (!count_)
        return 0;
    auto want = static_cast<uint64_t>(count_ * p / 100.0);
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets_.size(); i++) {
        seen += buckets_[i];
        if (seen > want)
            return 2ull << i;
    }
    return 0;
}

Worker::Worker(const Options& o, int fd, uint8_t* map, uint64_t pages, unsigned id)
    : o_(o), fd_(fd), map_(map), pages_(pages), id_(id), seed_((id + 1) * 0x9e3779b97f4a7c15ull) {}

bool Worker::touch(uint64_t page, bool write) {
    if (map_) {
        auto* p = reinterpret_cast<volatile uint64_t*>(map_ + page * kPage);
        if (write)
            p[id_ % 512] = page;
        else
            (void)p[id_ % 512];
        return true;
    }
    off_t off = static_cast<off_t>(page * kPage);
    if (write)
        return pwrite(fd_, buf_, kPage, off) == static_cast<ssize_t>(kPage);
    return pread(fd_, buf_, kPage, off) == static_cast<ssize_t>(kPage);
}

void Worker::record(uint64_t t0, bool ok) {
    if (!ok)
        errors_++;
    hist_.add(now_ns() - t0);
    ops_.fetch_add(1, std::memory_order_relaxed);
}

// Hit-path mode: every touch faults even when the page is cached. Map a
// window of o_.remap pages at a random window-aligned offset, touch each of
// its pages once in a random order (an odd stride mod a power of two visits
// all), unmap. A touch's latency includes its share of mmap + munmap.
void Worker::run_remap(const std::atomic<bool>& stop) {
    uint64_t window = std::bit_floor(std::min(o_.remap, pages_));
    uint64_t windows = pages_ / window;
    while (!stop.load(std::memory_order_relaxed)) {
        uint64_t r = xorshift(seed_);
        uint64_t first = (r % windows) * window;
        uint64_t t0 = now_ns();
        void* m = mmap(nullptr, window * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                       static_cast<off_t>(first * kPage));
        if (m == MAP_FAILED) {
            record(t0, false);
            continue;
        }
        if (o_.mode == Mode::kLinuxMmap)
            madvise(m, window * kPage, MADV_RANDOM);
        auto* base = static_cast<uint8_t*>(m);
        uint64_t stride = (r >> 32) | 1, at = r >> 16;
        for (uint64_t i = 0; i < window && !stop.load(std::memory_order_relaxed); i++) {
            uint64_t k = (at + i * stride) & (window - 1);
            bool write = o_.op == Op::kWrite || (o_.op == Op::kMixed && ((r >> (i & 63)) & 1));
            auto* p = reinterpret_cast<volatile uint64_t*>(base + k * kPage);
            if (i)
                t0 = now_ns();
            if (write)
                p[id_ % 512] = first + k;
            else
                (void)p[id_ % 512];
            record(t0, true);
        }
        munmap(m, window * kPage);  // in ops/s, not in the latency histogram
    }
}

void Worker::run(const std::atomic<bool>& stop) {
    if (o_.remap) {
        run_remap(stop);
        return;
    }
    if (!map_ && posix_memalign(reinterpret_cast<void**>(&buf_), kPage, kPage) != 0)
        return;
    // Sequential threads start at evenly spaced offsets.
    uint64_t next = pages_ / o_.threads * id_;
    while (!stop.load(std::memory_order_relaxed)) {
        uint64_t r = xorshift(seed_);
        uint64_t page = o_.pattern == Pattern::kRandom ? r % pages_ : next++ % pages_;
        bool write = o_.op == Op::kWrite || (o_.op == Op::kMixed && (r >> 63));
        uint64_t t0 = now_ns();
        record(t0, touch(page, write));
    }
    free(buf_);
}

}  // namespace fmbench
