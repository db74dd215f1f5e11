// SPDX-License-Identifier: GPL-2.0-only
#include "engine/batch_rule.hpp"

#include <algorithm>
#include <utility>

#include "engine/reason.hpp"

namespace fastmap::daemon::detail {
namespace {

std::string intervals_text(std::uint32_t n) {
    return strprintf(" for %u interval%s", n, n == 1 ? "" : "s");
}

std::uint64_t mean(const Streak& s) {
    return s.b == 0 ? 0 : s.a / s.b;
}

}  // namespace

std::optional<Change> BatchRule::step(const BatchInput& in) {
    const BatchPolicy& pol = in.policy;
    if (cooldown_.observe(in.prev_pages, in.cur_pages)) {
        cooldown_.start(in.tick, pol.cooldown_intervals);
    }
    const Interval& iv = in.interval;
    const std::optional<std::uint64_t> mean_ns = iv.mean_evict_ns();
    if (!pol.enabled || in.pinned || cooldown_.active(in.tick) || !mean_ns) {
        // Without BPF counters (or without evictions) there is nothing to judge batches by.
        slow_ = stall_ = {};
        stalls_ = 0;
        return std::nullopt;
    }

    const std::uint64_t target_ns = pol.target_evict_us * 1000;
    const std::uint64_t batches = iv.evict_batches.value_or(0);
    const std::uint64_t evict_ns = iv.evict_ns.value_or(0);
    slow_.extend(*mean_ns > target_ns, evict_ns, batches);

    std::optional<std::uint64_t> p99;
    if (iv.fault_latency) {
        p99 = iv.fault_latency->percentile(99);
    }
    const bool stalling = iv.evict_stalls > 0 && p99 && *p99 > pol.max_fault_p99_us * 1000 &&
                          *mean_ns < target_ns / 2;
    stall_.extend(stalling, evict_ns, batches);
    stalls_ = stalling ? stalls_ + iv.evict_stalls : 0;
    last_p99_ = stalling ? *p99 : 0;

    const std::uint32_t need = std::max<std::uint32_t>(pol.hysteresis_intervals, 1);
    const std::uint64_t cur = in.cur_pages;
    if (slow_.intervals >= need) {
        const std::uint64_t to = std::max<std::uint64_t>(cur / 2, pol.min_pages);
        if (to < cur) {
            return propose(in, DecisionKind::kBatchDecrease, to,
                           "mean eviction batch " + fmt_ns(mean(slow_)) + " > target " +
                               fmt_ns(target_ns) + intervals_text(slow_.intervals));
        }
    }
    if (stall_.intervals >= need) {
        const std::uint64_t to = std::min<std::uint64_t>(cur * 2, pol.max_pages);
        if (to > cur) {
            return propose(in, DecisionKind::kBatchIncrease, to,
                           strprintf("%llu eviction stalls, fault p99 ",
                                     static_cast<unsigned long long>(stalls_)) +
                               fmt_ns(last_p99_) + " > " + fmt_ns(pol.max_fault_p99_us * 1000) +
                               ", mean eviction batch " + fmt_ns(mean(stall_)) + " < " +
                               fmt_ns(target_ns / 2) + intervals_text(stall_.intervals));
        }
    }
    return std::nullopt;
}

Change BatchRule::propose(const BatchInput& in, DecisionKind kind, std::uint64_t to,
                          std::string reason) {
    cooldown_.start(in.tick, in.policy.cooldown_intervals);
    cooldown_.proposed();
    slow_ = stall_ = {};
    stalls_ = 0;
    return Change{kind, in.cur_pages, to, std::move(reason)};
}

}  // namespace fastmap::daemon::detail
