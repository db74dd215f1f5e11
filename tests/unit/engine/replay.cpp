// SPDX-License-Identifier: GPL-2.0-only
#include "replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/trace.hpp"
#include "scenarios.hpp"

namespace fastmap::daemon::test {

std::vector<Observation> load_trace(std::string_view name) {
    const std::string path =
        std::string(FASTMAP_ENGINE_TRACES) + "/" + std::string(name) + ".jsonl";
    auto trace = read_trace(path);
    EXPECT_TRUE(trace.ok()) << (trace.ok() ? "" : trace.error().message);
    if (!trace) {
        return {};
    }
    EXPECT_FALSE(trace->empty()) << path;
    return std::move(trace).value();
}

void Replay::adjust(Observation& obs) {
    if (!take_effect) {
        return;
    }
    for (InstanceObservation& inst : obs.instances) {
        InstanceInfo& info = inst.info;
        if (auto it = cache_.find(info.name); it != cache_.end()) {
            if (it->second.id == info.id && it->second.recorded == info.cache_bytes) {
                info.cache_bytes = it->second.value;
                info.stats.cache_pages = info.cache_bytes / 4096;
            } else {
                cache_.erase(it);  // attached again (or resized) in the recording
            }
        }
        if (auto it = batch_.find(info.name); it != batch_.end()) {
            if (it->second.id == info.id && it->second.recorded == info.batch_pages) {
                info.batch_pages = static_cast<std::uint32_t>(it->second.value);
            } else {
                batch_.erase(it);
            }
        }
    }
    for (const FileEntry& entry : enabled_) {
        const bool listed = std::any_of(obs.enabled_files.begin(), obs.enabled_files.end(),
                                        [&](const FileEntry& e) { return e.key == entry.key; });
        if (!listed) {
            obs.enabled_files.push_back(entry);
        }
    }
}

void Replay::record(const Observation& raw, const Decision& d) {
    if (d.kind == DecisionKind::kFileEnable) {
        enabled_.push_back({d.file, d.target});
        return;
    }
    for (const InstanceObservation& inst : raw.instances) {
        if (inst.info.name != d.target) {
            continue;
        }
        const bool cache =
            d.kind == DecisionKind::kCacheGrow || d.kind == DecisionKind::kCacheShrink;
        const std::uint64_t recorded = cache ? inst.info.cache_bytes : inst.info.batch_pages;
        (cache ? cache_ : batch_)[d.target] = Applied{inst.info.id, recorded, d.to};
    }
}

std::vector<Made> Replay::run(const std::vector<Observation>& trace) {
    std::vector<Made> out;
    for (std::size_t i = 0; i < trace.size(); ++i) {
        if (before) {
            before(i);
        }
        Observation obs = trace[i];
        adjust(obs);
        for (Decision& d : engine_.tick(obs)) {
            EXPECT_EQ(d.time_ms, obs.now_ms);
            EXPECT_FALSE(d.reason.empty());
            EXPECT_EQ(d.reason.find('\n'), std::string::npos) << d.reason;
            if (apply && !apply(d, i)) {
                engine_.rejected(d);
            } else {
                record(trace[i], d);
            }
            out.push_back({i, std::move(d)});
        }
    }
    return out;
}

std::vector<Made> only(const std::vector<Made>& made, DecisionKind kind) {
    std::vector<Made> out;
    std::copy_if(made.begin(), made.end(), std::back_inserter(out),
                 [&](const Made& m) { return m.decision.kind == kind; });
    return out;
}

std::vector<std::size_t> indices(const std::vector<Made>& made) {
    std::vector<std::size_t> out;
    for (const Made& m : made) {
        out.push_back(m.index);
    }
    return out;
}

std::optional<std::string> FakeResolver::resolve(const FileKey& key) {
    asked.push_back(key);
    if (std::find(hidden.begin(), hidden.end(), key) != hidden.end()) {
        return std::nullopt;
    }
    for (const auto& [k, path] : paths) {
        if (k == key) {
            return path;
        }
    }
    return std::nullopt;
}

FakeResolver trace_resolver() {
    FakeResolver r;
    for (const TraceFile& f : kAllFiles) {
        r.paths.emplace_back(f.key, std::string(f.path));
    }
    return r;
}

}  // namespace fastmap::daemon::test
