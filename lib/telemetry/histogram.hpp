// SPDX-License-Identifier: GPL-2.0-only
// A log2 histogram as the BPF programs keep it: slot i counts values v with floor(log2(v)) == i,
// and slot 0 also counts 0.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace fastmap::telemetry {

class Histogram {
public:
    static constexpr std::size_t kSlots = 64;

    std::array<std::uint64_t, kSlots> slots{};

    // Smallest and largest value slot i holds: [0, 1], [2, 3], [4, 7], ...
    static std::uint64_t lower_bound(std::size_t slot);
    static std::uint64_t upper_bound(std::size_t slot);
    // The slot the BPF programs put v in.
    static std::size_t slot_of(std::uint64_t v);

    std::uint64_t count() const;
    bool empty() const { return count() == 0; }

    // The value below or at which p percent (0..100) of the samples lie. Within its slot the
    // k-th of c samples is taken to be at lower + (upper - lower) * k / c, so a slot's last
    // sample is its upper bound. nullopt when empty or p is out of range.
    std::optional<std::uint64_t> percentile(double p) const;

    Histogram& operator+=(const Histogram& other);
    bool operator==(const Histogram&) const = default;
};

}  // namespace fastmap::telemetry
