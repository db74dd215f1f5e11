// SPDX-License-Identifier: GPL-2.0-only
#include "telemetry/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace fastmap::telemetry {

std::uint64_t Histogram::lower_bound(std::size_t slot) {
    if (slot == 0) {
        return 0;
    }
    return slot < kSlots ? std::uint64_t{1} << slot : std::numeric_limits<std::uint64_t>::max();
}

std::uint64_t Histogram::upper_bound(std::size_t slot) {
    if (slot + 1 >= kSlots) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return (std::uint64_t{1} << (slot + 1)) - 1;
}

std::size_t Histogram::slot_of(std::uint64_t v) {
    return v == 0 ? 0 : static_cast<std::size_t>(std::bit_width(v) - 1);
}

std::uint64_t Histogram::count() const {
    std::uint64_t n = 0;
    for (std::uint64_t c : slots) {
        n += c;
    }
    return n;
}

std::optional<std::uint64_t> Histogram::percentile(double p) const {
    const std::uint64_t total = count();
    if (total == 0 || !(p >= 0.0 && p <= 100.0)) {
        return std::nullopt;
    }
    // 1-based rank of the wanted sample.
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total)));
    rank = std::clamp<std::uint64_t>(rank, 1, total);
    std::uint64_t before = 0;
    for (std::size_t i = 0; i < kSlots; ++i) {
        const std::uint64_t c = slots[i];
        if (c == 0 || before + c < rank) {
            before += c;
            continue;
        }
        // Exact: (hi - lo) * k < 2^128.
        const std::uint64_t lo = lower_bound(i);
        const std::uint64_t width = upper_bound(i) - lo;
        const auto k = static_cast<unsigned __int128>(rank - before);
        return lo + static_cast<std::uint64_t>(width * k / c);
    }
    return upper_bound(kSlots - 1);  // not reached: rank <= total
}

Histogram& Histogram::operator+=(const Histogram& other) {
    for (std::size_t i = 0; i < kSlots; ++i) {
        slots[i] += other.slots[i];
    }
    return *this;
}

}  // namespace fastmap::telemetry
