// SPDX-License-Identifier: GPL-2.0-only
// Per-file auto-enable (the "auto_enable" policy): files whose stock mmap fault rate, averaged
// over a window of intervals, exceeds a threshold are proposed for the fastmap enable table.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "engine/engine.hpp"

namespace fastmap::daemon::detail {

class AutoEnable {
public:
    // Records the file counters of obs (always, so a policy that turns auto-enable on has
    // history) and proposes the files to enable when the policy is on.
    std::vector<Decision> step(const Observation& obs, const AutoEnablePolicy& pol,
                               PathResolver* paths, std::uint64_t tick);
    // A proposal the daemon could not apply: it may be proposed again after a window.
    void rejected(const Decision& decision, const AutoEnablePolicy& pol, std::uint64_t tick);

private:
    using Key = std::tuple<std::uint32_t, std::uint32_t, std::uint64_t>;  // major, minor, ino
    struct Sample {
        std::uint64_t ms = 0;
        std::uint64_t faults = 0;
    };
    struct Candidate {
        FileKey key;
        double rate = 0;  // faults/s over the window
    };

    static Key key_of(const FileKey& key) { return {key.dev.major, key.dev.minor, key.ino}; }
    static FileKey file_key(const Key& k) {
        return FileKey{DevId{std::get<0>(k), std::get<1>(k)}, std::get<2>(k)};
    }
    void record(const Observation& obs, std::size_t keep);
    std::vector<Candidate> candidates(const Observation& obs, const AutoEnablePolicy& pol,
                                      std::uint64_t tick) const;

    std::map<Key, std::deque<Sample>> history_;  // consecutive samples, oldest first
    std::set<Key> proposed_;                     // proposed (and not rejected since)
    std::map<Key, std::uint64_t> not_before_;    // rejected or unresolvable: retry from this tick
};

}  // namespace fastmap::daemon::detail
