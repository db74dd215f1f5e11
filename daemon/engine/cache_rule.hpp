// SPDX-License-Identifier: GPL-2.0-only
// Dynamic cache sizing of one instance (the "cache" policy): grow on sustained misses when memory
// allows, shrink under memory pressure or when misses are rare, bring a size attached outside
// the bounds inside once.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/change.hpp"
#include "engine/engine.hpp"
#include "engine/interval.hpp"

namespace fastmap::daemon::detail {

struct CacheInput {
    const Interval& interval;
    std::uint64_t prev_bytes = 0;  // cache_bytes at the previous observation
    std::uint64_t cur_bytes = 0;   // ... at this one
    const MemInfo& mem;
    const CachePolicy& policy;
    bool pinned = false;
    std::uint64_t tick = 0;
};

class CacheRule {
public:
    std::optional<Change> step(const CacheInput& in);
    // A proposal the daemon could not apply.
    void rejected(const Decision& decision);
    // The policy's bounds changed: an out-of-bounds size is corrected once more.
    void bounds_changed() { bounds_done_ = false; }

private:
    std::optional<Change> correct_bounds(const CacheInput& in, bool pressure);
    std::optional<Change> apply_rules(const CacheInput& in, bool pressure);
    Change propose(const CacheInput& in, DecisionKind kind, std::uint64_t to, std::string reason);
    void reset_streaks() { grow_ = shrink_ = pressure_ = {}; }

    Streak grow_;      // miss ratio above grow_miss_ratio
    Streak shrink_;    // miss ratio below shrink_miss_ratio
    Streak pressure_;  // memory pressure
    Cooldown cooldown_;
    bool bounds_done_ = false;
    std::optional<Change> bounds_proposal_;
};

// step_percent of size in whole pages (at least one page).
std::uint64_t cache_step(std::uint64_t size, std::uint32_t step_percent);

}  // namespace fastmap::daemon::detail
