// SPDX-License-Identifier: GPL-2.0-only
#include "engine/auto_enable.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "engine/glob.hpp"
#include "engine/reason.hpp"

namespace fastmap::daemon::detail {
namespace {

// The first pattern of list that matches path.
const std::string* first_match(const std::vector<std::string>& list, std::string_view path) {
    for (const std::string& pattern : list) {
        if (glob_match(pattern, path)) {
            return &pattern;
        }
    }
    return nullptr;
}

}  // namespace

void AutoEnable::record(const Observation& obs, std::size_t keep) {
    std::set<Key> seen;
    for (const FileObservation& file : obs.files) {
        const Key k = key_of(file.key);
        if (!seen.insert(k).second) {
            continue;
        }
        std::deque<Sample>& samples = history_[k];
        if (!samples.empty() && file.faults < samples.back().faults) {
            samples.clear();  // the BPF entry was recycled: start over
        }
        if (!samples.empty() && obs.now_ms <= samples.back().ms) {
            continue;  // the clock did not move: no new sample
        }
        samples.push_back({obs.now_ms, file.faults});
        while (samples.size() > keep) {
            samples.pop_front();
        }
    }
    // A file missing from the map lost its counters (LRU); its window starts over.
    std::erase_if(history_, [&](const auto& entry) { return !seen.contains(entry.first); });
}

std::vector<AutoEnable::Candidate> AutoEnable::candidates(const Observation& obs,
                                                          const AutoEnablePolicy& pol,
                                                          std::uint64_t tick) const {
    std::set<Key> enabled;
    for (const FileEntry& entry : obs.enabled_files) {
        enabled.insert(key_of(entry.key));
    }
    const std::size_t window = std::max<std::uint32_t>(pol.window_intervals, 1);
    std::vector<Candidate> out;
    for (const auto& [k, samples] : history_) {
        if (samples.size() < window + 1 || enabled.contains(k) || proposed_.contains(k)) {
            continue;
        }
        if (auto it = not_before_.find(k); it != not_before_.end() && tick < it->second) {
            continue;
        }
        const Sample& first = samples[samples.size() - window - 1];
        const Sample& last = samples.back();
        const double rate = static_cast<double>(last.faults - first.faults) * 1000.0 /
                            static_cast<double>(last.ms - first.ms);
        if (rate > pol.min_fault_rate) {
            out.push_back({file_key(k), rate});
        }
    }
    std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
        return a.rate != b.rate ? a.rate > b.rate : key_of(a.key) < key_of(b.key);
    });
    return out;
}

std::vector<Decision> AutoEnable::step(const Observation& obs, const AutoEnablePolicy& pol,
                                       PathResolver* paths, std::uint64_t tick) {
    const std::size_t window = std::max<std::uint32_t>(pol.window_intervals, 1);
    record(obs, window + 1);
    std::erase_if(not_before_, [&](const auto& e) {
        return e.second <= tick && !history_.contains(e.first);  // gone and due: forget it
    });
    std::vector<Decision> out;
    if (!pol.enabled || paths == nullptr) {
        return out;
    }
    std::size_t enabled = obs.enabled_files.size();
    for (const Candidate& c : candidates(obs, pol, tick)) {
        if (enabled >= pol.max_files) {
            break;
        }
        const Key k = key_of(c.key);
        const std::optional<std::string> path = paths->resolve(c.key);
        if (!path) {
            not_before_[k] = tick + window;  // a /proc scan is not cheap: not every tick
            continue;
        }
        not_before_.erase(k);
        const std::string* allowed = first_match(pol.allow, *path);
        if (allowed == nullptr || first_match(pol.deny, *path) != nullptr) {
            continue;
        }
        Decision d;
        d.time_ms = obs.now_ms;
        d.kind = DecisionKind::kFileEnable;
        d.target = *path;
        d.file = c.key;
        d.reason = "stock mmap faults " + fmt_rate(c.rate) +
                   strprintf(" over %zu intervals > ", window) + fmt_rate(pol.min_fault_rate) +
                   ", allowed by \"" + *allowed + "\"";
        out.push_back(std::move(d));
        proposed_.insert(k);
        ++enabled;
    }
    return out;
}

void AutoEnable::rejected(const Decision& decision, const AutoEnablePolicy& pol,
                          std::uint64_t tick) {
    const Key k = key_of(decision.file);
    if (proposed_.erase(k) != 0) {
        not_before_[k] = tick + std::max<std::uint32_t>(pol.window_intervals, 1);
    }
}

}  // namespace fastmap::daemon::detail
