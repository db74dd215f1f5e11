// SPDX-License-Identifier: GPL-2.0-only
#include "engine/cache_rule.hpp"

#include <algorithm>
#include <utility>

#include "engine/reason.hpp"

namespace fastmap::daemon::detail {
namespace {

bool mem_known(const MemInfo& mem) {
    return mem.total_bytes != 0;
}

bool psi_high(const MemInfo& mem, const CachePolicy& pol) {
    return mem.psi_some_avg10 && *mem.psi_some_avg10 > pol.shrink_psi_some_avg10;
}

bool available_low(const MemInfo& mem, const CachePolicy& pol) {
    return mem_known(mem) && mem.available_bytes < pol.min_mem_available_bytes;
}

// What makes this interval one under pressure, e.g. "memory PSI some avg10 23.5% > 10.0%".
std::string pressure_text(const MemInfo& mem, const CachePolicy& pol) {
    std::string out;
    if (psi_high(mem, pol)) {
        out = "memory PSI some avg10 " + fmt_percent(*mem.psi_some_avg10) + " > " +
              fmt_percent(pol.shrink_psi_some_avg10);
    }
    if (available_low(mem, pol)) {
        out += out.empty() ? "" : ", ";
        out += "MemAvailable " + fmt_bytes(mem.available_bytes) + " < " +
               fmt_bytes(pol.min_mem_available_bytes);
    }
    return out;
}

// The policy's bounds in whole pages (sizes given in bytes need not be page multiples).
struct Bounds {
    std::uint64_t lo;
    std::uint64_t hi;
};

Bounds page_bounds(const CachePolicy& pol) {
    const std::uint64_t hi = std::max(pol.max_bytes / kPageBytes, std::uint64_t{1}) * kPageBytes;
    const std::uint64_t lo = (pol.min_bytes + kPageBytes - 1) / kPageBytes * kPageBytes;
    return {std::min(lo, hi), hi};
}

std::string intervals_text(std::uint32_t n) {
    return strprintf(" for %u interval%s", n, n == 1 ? "" : "s");
}

}  // namespace

std::uint64_t cache_step(std::uint64_t size, std::uint32_t step_percent) {
    const unsigned __int128 raw = static_cast<unsigned __int128>(size) * step_percent / 100;
    const auto pages = static_cast<std::uint64_t>((raw + kPageBytes / 2) / kPageBytes);
    return std::max<std::uint64_t>(pages, 1) * kPageBytes;
}

std::optional<Change> CacheRule::step(const CacheInput& in) {
    const CachePolicy& pol = in.policy;
    if (cooldown_.observe(in.prev_bytes, in.cur_bytes)) {
        // Someone else resized the cache: let the new size show its effect first.
        cooldown_.start(in.tick, pol.cooldown_intervals);
    }
    if (!pol.enabled || in.pinned || cooldown_.active(in.tick)) {
        reset_streaks();
        return std::nullopt;
    }

    const bool pressure = psi_high(in.mem, pol) || available_low(in.mem, pol);
    pressure_.extend(pressure, 0, 0);
    const Interval& iv = in.interval;
    if (iv.faults == 0 || iv.faults < pol.min_faults) {
        grow_ = shrink_ = {};  // idle: the miss ratio means nothing
    } else {
        const double ratio = static_cast<double>(iv.misses) / static_cast<double>(iv.faults);
        grow_.extend(ratio > pol.grow_miss_ratio, iv.misses, iv.faults);
        shrink_.extend(ratio < pol.shrink_miss_ratio, iv.misses, iv.faults);
    }

    if (auto change = correct_bounds(in, pressure)) {
        return change;
    }
    return apply_rules(in, pressure);
}

std::optional<Change> CacheRule::correct_bounds(const CacheInput& in, bool pressure) {
    if (bounds_done_) {
        return std::nullopt;
    }
    const CachePolicy& pol = in.policy;
    const std::uint64_t cur = in.cur_bytes;
    const Bounds b = page_bounds(pol);
    const std::string bounds = fmt_bytes(b.lo) + ".." + fmt_bytes(b.hi);
    std::optional<Change> change;
    if (cur > b.hi) {
        change = propose(in, DecisionKind::kCacheShrink, b.hi,
                         "cache " + fmt_bytes(cur) + " is outside the policy bounds " + bounds +
                             ": shrinking to the maximum");
    } else if (cur < b.lo) {
        if (pressure) {
            return std::nullopt;  // not while memory is short; once it is not
        }
        change = propose(in, DecisionKind::kCacheGrow, b.lo,
                         "cache " + fmt_bytes(cur) + " is outside the policy bounds " + bounds +
                             ": growing to the minimum");
    }
    bounds_done_ = true;
    bounds_proposal_ = change;
    return change;
}

std::optional<Change> CacheRule::apply_rules(const CacheInput& in, bool pressure) {
    const CachePolicy& pol = in.policy;
    const std::uint32_t need = std::max<std::uint32_t>(pol.hysteresis_intervals, 1);
    const std::uint64_t cur = in.cur_bytes;
    const std::uint64_t step = cache_step(cur, pol.step_percent);
    const Bounds b = page_bounds(pol);
    const std::uint64_t shrink_to = std::max(cur > step ? cur - step : 0, b.lo);

    if (pressure_.intervals >= need && shrink_to < cur) {
        return propose(in, DecisionKind::kCacheShrink, shrink_to,
                       pressure_text(in.mem, pol) + intervals_text(pressure_.intervals));
    }
    if (shrink_.intervals >= need && shrink_to < cur) {
        return propose(in, DecisionKind::kCacheShrink, shrink_to,
                       "miss ratio " + fmt_ratio(shrink_.ratio()) + " < " +
                           fmt_ratio(pol.shrink_miss_ratio) + intervals_text(shrink_.intervals) +
                           ": the cache is larger than the working set");
    }
    if (grow_.intervals < need || pressure || in.mem.total_bytes == 0) {
        return std::nullopt;
    }
    const std::uint64_t grow_to = std::min(cur + step, b.hi);
    if (grow_to <= cur) {
        return std::nullopt;
    }
    const std::uint64_t growth = grow_to - cur;
    const std::uint64_t avail = in.mem.available_bytes;
    if (avail < growth || avail - growth < 2 * pol.min_mem_available_bytes) {
        return std::nullopt;  // the streak goes on: grow once memory allows
    }
    return propose(in, DecisionKind::kCacheGrow, grow_to,
                   "miss ratio " + fmt_ratio(grow_.ratio()) + " > " +
                       fmt_ratio(pol.grow_miss_ratio) + intervals_text(grow_.intervals) +
                       ", MemAvailable " + fmt_bytes(avail));
}

Change CacheRule::propose(const CacheInput& in, DecisionKind kind, std::uint64_t to,
                          std::string reason) {
    cooldown_.start(in.tick, in.policy.cooldown_intervals);
    cooldown_.proposed();
    reset_streaks();
    return Change{kind, in.cur_bytes, to, std::move(reason)};
}

void CacheRule::rejected(const Decision& decision) {
    cooldown_.rejected();
    if (bounds_proposal_ && bounds_proposal_->kind == decision.kind &&
        bounds_proposal_->from == decision.from && bounds_proposal_->to == decision.to) {
        bounds_done_ = false;  // still outside: try again after the cooldown
        bounds_proposal_.reset();
    }
}

}  // namespace fastmap::daemon::detail
