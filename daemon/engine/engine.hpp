// SPDX-License-Identifier: GPL-2.0-only
// The policy engine: pure logic. Each tick() gets an Observation (cumulative counters as the
// module and the BPF maps report them, and the system's memory state) and returns the decisions
// to apply, each with its reason. It keeps per-instance history (for rates, hysteresis and
// cooldowns) between ticks. No I/O: unit tests drive it with recorded traces.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "policy/policy.hpp"
#include "telemetry/histogram.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::daemon {

// /proc/meminfo and /proc/pressure/memory.
struct MemInfo {
    std::uint64_t total_bytes = 0;
    std::uint64_t available_bytes = 0;
    std::optional<double> psi_some_avg10;  // %; nullopt without PSI (psi=0, old kernels)
    std::optional<double> psi_full_avg10;
};

struct InstanceObservation {
    InstanceInfo info;  // parameters and cumulative module counters
    std::optional<telemetry::InstanceCounters> counters;  // cumulative BPF counters, if attached
    std::optional<telemetry::Histogram> fault_latency;    // cumulative, ns
    std::optional<telemetry::Histogram> evict_latency;    // cumulative, ns
};

// Stock Linux mmap activity of one file (cumulative, from the BPF maps).
struct FileObservation {
    FileKey key;
    std::uint64_t faults = 0;
};

struct Observation {
    std::uint64_t now_ms = 0;  // CLOCK_MONOTONIC
    MemInfo mem;
    std::vector<InstanceObservation> instances;
    std::vector<FileObservation> files;
    std::vector<FileEntry> enabled_files;  // the module's enable table
};

// Maps a file to a path for the allow/deny globs (the daemon scans /proc/*/maps).
class PathResolver {
public:
    virtual ~PathResolver() = default;
    virtual std::optional<std::string> resolve(const FileKey& key) = 0;
};

enum class DecisionKind {
    kCacheGrow,
    kCacheShrink,
    kBatchIncrease,
    kBatchDecrease,
    kFileEnable,
};
std::string_view to_string(DecisionKind kind);  // "cache_grow", "cache_shrink", ...

struct Decision {
    std::uint64_t time_ms = 0;  // Observation::now_ms of the tick that made it
    DecisionKind kind = DecisionKind::kCacheGrow;
    std::string target;      // instance name, or the file's path
    std::uint64_t from = 0;  // bytes (cache), pages (batch); 0 for files
    std::uint64_t to = 0;
    FileKey file;        // kFileEnable only
    std::string reason;  // one line, with the numbers that triggered it

    bool operator==(const Decision&) const = default;
};

class Engine {
public:
    explicit Engine(Policy policy, PathResolver* paths = nullptr);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // A new policy (reload); the history of instances and files is kept.
    void set_policy(Policy policy);
    const Policy& policy() const;

    // The decisions for this observation. The first observation of an instance only primes its
    // history. Decisions are not applied here: the caller applies them and, when applying
    // fails, calls rejected() so the engine does not assume the new value.
    std::vector<Decision> tick(const Observation& obs);
    void rejected(const Decision& decision);

    // Parameters an operator set by hand: the engine leaves them alone until unpin().
    void pin(std::string_view instance, bool cache, bool batch);
    void unpin(std::string_view instance);
    bool cache_pinned(std::string_view instance) const;
    bool batch_pinned(std::string_view instance) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace fastmap::daemon
