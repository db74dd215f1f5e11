// SPDX-License-Identifier: GPL-2.0-only
// Eviction-batch tuning of one instance (the "batch" policy), from the BPF counters: halve the
// batch when batches take too long, double it when faults stall on eviction with a high p99
// while batches are quick.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/change.hpp"
#include "engine/engine.hpp"
#include "engine/interval.hpp"

namespace fastmap::daemon::detail {

struct BatchInput {
    const Interval& interval;
    std::uint32_t prev_pages = 0;  // batch_pages at the previous observation
    std::uint32_t cur_pages = 0;   // ... at this one
    const BatchPolicy& policy;
    bool pinned = false;
    std::uint64_t tick = 0;
};

class BatchRule {
public:
    std::optional<Change> step(const BatchInput& in);
    void rejected() { cooldown_.rejected(); }

private:
    Change propose(const BatchInput& in, DecisionKind kind, std::uint64_t to, std::string reason);

    Streak slow_;               // mean batch latency above target: sums of eviction ns and batches
    Streak stall_;              // stalls with a high fault p99 and quick batches: the same sums
    std::uint64_t stalls_ = 0;  // eviction stalls during stall_
    std::uint64_t last_p99_ = 0;  // fault p99 of the last interval of stall_ (ns)
    Cooldown cooldown_;
};

}  // namespace fastmap::daemon::detail
