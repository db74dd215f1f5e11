// SPDX-License-Identifier: GPL-2.0-only
// Fakes of the daemon core's host interfaces.
#pragma once

#include <cerrno>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api.hpp"
#include "core/host.hpp"

namespace fastmap::test {

class FakeHost final : public daemon::Host {
public:
    std::uint64_t now_ms = 1000;
    std::uint64_t now_us = 1700000000000000ULL;
    daemon::MemInfo mem{16ULL << 30, 12ULL << 30, 0.0, 0.0};
    daemon::LoadResult next_load;  // what load_policy() returns
    int loads = 0;

    FakeHost() { next_load.policy = daemon::Policy{}; }

    std::uint64_t monotonic_ms() override { return now_ms; }
    std::uint64_t realtime_us() override { return now_us; }
    Result<daemon::MemInfo> memory() override { return mem; }
    daemon::LoadResult load_policy() override {
        ++loads;
        return next_load;
    }
    std::uint32_t default_batch_pages() override { return 512; }
    std::uint32_t default_dirty_ratio() override { return 60; }
    std::uint32_t default_wb_interval_ms() override { return 5000; }
    // Paths (as resolved) on a file system per-file mode cannot serve; others are fine.
    std::set<std::string> unsupported_fs;
    Result<void> check_file_system(const std::string& path) override {
        if (unsupported_fs.contains(path)) {
            return Error{EOPNOTSUPP, "file system not supported: " + path +
                                         " is on tmpfs; per-file mode needs ext4 or xfs"};
        }
        return {};
    }
};

class RecordingLogger final : public daemon::Logger {
public:
    std::vector<std::pair<daemon::LogLevel, std::string>> lines;
    void log(daemon::LogLevel level, std::string_view message) override {
        lines.emplace_back(level, std::string(message));
    }
    bool contains(std::string_view needle) const {
        for (const auto& [level, text] : lines) {
            if (text.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
};

class RecordingListener final : public daemon::ApiListener {
public:
    std::vector<daemon::DecisionRecord> decisions;
    std::vector<std::pair<std::string, std::string>> changes;
    void decision_made(const daemon::DecisionRecord& record) override {
        decisions.push_back(record);
    }
    void instance_changed(std::string_view name, std::string_view change) override {
        changes.emplace_back(name, change);
    }
};

}  // namespace fastmap::test
