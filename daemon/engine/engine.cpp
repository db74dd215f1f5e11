// SPDX-License-Identifier: GPL-2.0-only
#include "engine/engine.hpp"

#include <map>
#include <set>
#include <utility>

#include "engine/auto_enable.hpp"
#include "engine/batch_rule.hpp"
#include "engine/cache_rule.hpp"
#include "engine/interval.hpp"

namespace fastmap::daemon {

std::string_view to_string(DecisionKind kind) {
    switch (kind) {
        case DecisionKind::kCacheGrow:
            return "cache_grow";
        case DecisionKind::kCacheShrink:
            return "cache_shrink";
        case DecisionKind::kBatchIncrease:
            return "batch_increase";
        case DecisionKind::kBatchDecrease:
            return "batch_decrease";
        case DecisionKind::kFileEnable:
            return "file_enable";
    }
    return "unknown";
}

namespace {

struct InstanceState {
    explicit InstanceState(InstanceObservation first) : last(std::move(first)) {}

    InstanceObservation last;  // the previous observation: deltas start here
    detail::CacheRule cache;
    detail::BatchRule batch;
};

struct Pins {
    bool cache = false;
    bool batch = false;
};

bool is_cache(DecisionKind kind) {
    return kind == DecisionKind::kCacheGrow || kind == DecisionKind::kCacheShrink;
}

bool is_batch(DecisionKind kind) {
    return kind == DecisionKind::kBatchIncrease || kind == DecisionKind::kBatchDecrease;
}

}  // namespace

struct Engine::State {
    Policy policy;
    PathResolver* paths = nullptr;
    std::uint64_t tick = 0;  // ticks so far; the current one while tick() runs
    std::map<std::string, InstanceState, std::less<>> instances;
    std::map<std::string, Pins, std::less<>> pins;
    detail::AutoEnable files;

    Pins pins_of(std::string_view name) const {
        auto it = pins.find(name);
        return it == pins.end() ? Pins{} : it->second;
    }

    void tick_instance(const InstanceObservation& cur, const MemInfo& mem, std::uint64_t now_ms,
                       std::vector<Decision>& out);
};

void Engine::State::tick_instance(const InstanceObservation& cur, const MemInfo& mem,
                                  std::uint64_t now_ms, std::vector<Decision>& out) {
    const std::string& name = cur.info.name;
    auto it = instances.find(name);
    if (it == instances.end() || detail::reattached(it->second.last, cur)) {
        // New, or detached and attached again: start over from this observation.
        instances.insert_or_assign(name, InstanceState(cur));
        return;
    }
    InstanceState& st = it->second;
    const detail::Interval iv = detail::make_interval(st.last, cur);
    const InstancePolicy& pol = policy.for_instance(name);
    const Pins pinned = pins_of(name);

    auto emit = [&](std::optional<detail::Change> change) {
        if (change) {
            out.push_back(Decision{now_ms, change->kind, name, change->from, change->to, FileKey{},
                                   std::move(change->reason)});
        }
    };
    emit(st.cache.step(
        {iv, st.last.info.cache_bytes, cur.info.cache_bytes, mem, pol.cache, pinned.cache, tick}));
    emit(st.batch.step(
        {iv, st.last.info.batch_pages, cur.info.batch_pages, pol.batch, pinned.batch, tick}));
    st.last = cur;
}

Engine::Engine(Policy policy, PathResolver* paths) : state_(std::make_unique<State>()) {
    state_->policy = std::move(policy);
    state_->paths = paths;
}

Engine::~Engine() = default;

void Engine::set_policy(Policy policy) {
    for (auto& [name, st] : state_->instances) {
        const CachePolicy& before = state_->policy.for_instance(name).cache;
        const CachePolicy& after = policy.for_instance(name).cache;
        if (before.min_bytes != after.min_bytes || before.max_bytes != after.max_bytes) {
            st.cache.bounds_changed();
        }
    }
    state_->policy = std::move(policy);
}

const Policy& Engine::policy() const {
    return state_->policy;
}

std::vector<Decision> Engine::tick(const Observation& obs) {
    State& s = *state_;
    ++s.tick;
    std::vector<Decision> out;
    std::set<std::string, std::less<>> seen;
    for (const InstanceObservation& inst : obs.instances) {
        if (seen.insert(inst.info.name).second) {
            s.tick_instance(inst, obs.mem, obs.now_ms, out);
        }
    }
    // Detached instances: a later attachment under the same name starts fresh.
    std::erase_if(s.instances, [&](const auto& entry) { return !seen.contains(entry.first); });

    std::vector<Decision> files = s.files.step(obs, s.policy.auto_enable, s.paths, s.tick);
    out.insert(out.end(), std::make_move_iterator(files.begin()),
               std::make_move_iterator(files.end()));
    return out;
}

void Engine::rejected(const Decision& decision) {
    State& s = *state_;
    if (decision.kind == DecisionKind::kFileEnable) {
        s.files.rejected(decision, s.policy.auto_enable, s.tick);
        return;
    }
    auto it = s.instances.find(decision.target);
    if (it == s.instances.end()) {
        return;
    }
    if (is_cache(decision.kind)) {
        it->second.cache.rejected(decision);
    } else if (is_batch(decision.kind)) {
        it->second.batch.rejected();
    }
}

void Engine::pin(std::string_view instance, bool cache, bool batch) {
    auto [it, inserted] = state_->pins.try_emplace(std::string(instance));
    it->second.cache = it->second.cache || cache;
    it->second.batch = it->second.batch || batch;
}

void Engine::unpin(std::string_view instance) {
    if (auto it = state_->pins.find(instance); it != state_->pins.end()) {
        state_->pins.erase(it);
    }
}

bool Engine::cache_pinned(std::string_view instance) const {
    return state_->pins_of(instance).cache;
}

bool Engine::batch_pinned(std::string_view instance) const {
    return state_->pins_of(instance).batch;
}

}  // namespace fastmap::daemon
