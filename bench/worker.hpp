// SPDX-License-Identifier: GPL-2.0-only
// One benchmark thread and its latency histogram.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "options.hpp"

namespace fmbench {

inline constexpr uint64_t kPage = 4096;

// log2 histogram of nanoseconds.
class Histogram {
public:
    void add(uint64_t ns);
    void merge(const Histogram& o);
    uint64_t percentile(double p) const;  // upper bound of the bucket

private:
    std::array<uint64_t, 64> buckets_{};
    uint64_t count_ = 0;
};

class Worker {
public:
    Worker(const Options& o, int fd, uint8_t* map, uint64_t pages, unsigned id);
    void run(const std::atomic<bool>& stop);
    uint64_t ops() const { return ops_.load(std::memory_order_relaxed); }
    uint64_t errors() const { return errors_; }
    const Histogram& histogram() const { return hist_; }

private:
    bool touch(uint64_t page, bool write);
    void run_remap(const std::atomic<bool>& stop);
    void record(uint64_t t0, bool ok);

    const Options& o_;
    int fd_;
    uint8_t* map_;
    uint64_t pages_;
    unsigned id_;
    uint64_t seed_;
    uint8_t* buf_ = nullptr;
    std::atomic<uint64_t> ops_{0};
    uint64_t errors_ = 0;
    Histogram hist_;
};

}  // namespace fmbench
