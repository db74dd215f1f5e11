// SPDX-License-Identifier: GPL-2.0-only
#include "worker.hpp"

#include <time.h>
#include <unistd.h>

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

void Worker::run(const std::atomic<bool>& stop) {
    if (!map_ && posix_memalign(reinterpret_cast<void**>(&buf_), kPage, kPage) != 0)
        return;
    // Sequential threads start at evenly spaced offsets.
    uint64_t next = pages_ / o_.threads * id_;
    while (!stop.load(std::memory_order_relaxed)) {
        uint64_t r = xorshift(seed_);
        uint64_t page = o_.pattern == Pattern::kRandom ? r % pages_ : next++ % pages_;
        bool write = o_.op == Op::kWrite || (o_.op == Op::kMixed && (r >> 63));
        uint64_t t0 = now_ns();
        if (!touch(page, write))
            errors_++;
        hist_.add(now_ns() - t0);
        ops_.fetch_add(1, std::memory_order_relaxed);
    }
    free(buf_);
}

}  // namespace fmbench
