// SPDX-License-Identifier: GPL-2.0-only
// Replaying a trace through an Engine as fastmapd would: each decision is applied (or rejected)
// and later observations show the applied value, until the trace shows the instance was
// attached again.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace fastmap::daemon::test {

// traces/<name>.jsonl, read with read_trace(); fails the test when it cannot be read.
std::vector<Observation> load_trace(std::string_view name);

struct Made {
    std::size_t index = 0;  // the observation of the trace that made it (0-based)
    Decision decision;
};

class Replay {
public:
    explicit Replay(Engine& engine) : engine_(engine) {}

    // Called before observation `index` is fed (pin, set_policy, ...).
    std::function<void(std::size_t index)> before;
    // Whether the "daemon" manages to apply a decision; a false result calls rejected().
    std::function<bool(const Decision&, std::size_t index)> apply;
    // false: decisions are recorded, but later observations keep the trace's values (an
    // operator or a failing kernel undoes every change).
    bool take_effect = true;

    std::vector<Made> run(const std::vector<Observation>& trace);

private:
    struct Applied {
        std::uint32_t id = 0;
        std::uint64_t recorded = 0;  // the trace's value when the change was applied
        std::uint64_t value = 0;
    };
    void adjust(Observation& obs);
    void record(const Observation& raw, const Decision& d);

    Engine& engine_;
    std::map<std::string, Applied> cache_;
    std::map<std::string, Applied> batch_;
    std::vector<FileEntry> enabled_;
};

// Decisions of one kind, or for one target.
std::vector<Made> only(const std::vector<Made>& made, DecisionKind kind);
std::vector<std::size_t> indices(const std::vector<Made>& made);

// A PathResolver with a fixed table; keys listed in `hidden` resolve to nothing.
class FakeResolver final : public PathResolver {
public:
    std::optional<std::string> resolve(const FileKey& key) override;

    std::vector<std::pair<FileKey, std::string>> paths;
    std::vector<FileKey> hidden;
    std::vector<FileKey> asked;  // every resolve() call
};

// A resolver knowing every file of the auto_enable trace.
FakeResolver trace_resolver();

}  // namespace fastmap::daemon::test
