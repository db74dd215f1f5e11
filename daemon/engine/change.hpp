// SPDX-License-Identifier: GPL-2.0-only
// What a rule proposes for one instance; the engine turns it into a Decision.
#pragma once

#include <cstdint>
#include <string>

#include "engine/engine.hpp"

namespace fastmap::daemon::detail {

inline constexpr std::uint64_t kPageBytes = 4096;

struct Change {
    DecisionKind kind = DecisionKind::kCacheGrow;
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::string reason;
};

// A condition's run of consecutive intervals, with sums for the reason.
struct Streak {
    std::uint32_t intervals = 0;
    std::uint64_t a = 0;  // numerator sum (misses, eviction ns, ...)
    std::uint64_t b = 0;  // denominator sum (faults, batches, ...)

    void extend(bool holds, std::uint64_t num, std::uint64_t den) {
        if (!holds) {
            *this = {};
            return;
        }
        ++intervals;
        a += num;
        b += den;
    }
    double ratio() const { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }
};

// The cooldown after a change of one parameter, and changes made by others. A change the rule
// proposed at tick T silences it for the intervals ending at T+1 .. T+cooldown; so does a change
// it did not propose, from the tick it is first seen. The daemon applies decisions before the
// next observation, so only that observation can show a proposal taking effect.
class Cooldown {
public:
    // Notes the value of this observation; true when it changed without our proposal.
    bool observe(std::uint64_t prev, std::uint64_t cur) {
        const bool ours = proposed_;
        proposed_ = false;
        return prev != cur && !ours;
    }
    void start(std::uint64_t tick, std::uint32_t intervals) { until_ = tick + intervals; }
    void proposed() { proposed_ = true; }
    void rejected() { proposed_ = false; }
    bool active(std::uint64_t tick) const { return tick <= until_; }

private:
    std::uint64_t until_ = 0;
    bool proposed_ = false;  // proposed at the previous tick
};

}  // namespace fastmap::daemon::detail
