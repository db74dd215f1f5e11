// SPDX-License-Identifier: GPL-2.0-only
// An in-memory Control for CLI tests.
#pragma once

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "control.hpp"

namespace fastmap::test {

inline InstanceInfo sample_instance(std::string name = "db0") {
    InstanceInfo info;
    info.name = std::move(name);
    info.device = "/dev/sdb";
    info.dev = {8, 16};
    info.size_bytes = 10ULL << 30;
    info.cache_bytes = 512ULL << 20;
    info.batch_pages = 512;
    info.dirty_ratio = 10;
    info.open_count = 1;
    Stats& s = info.stats;
    s.faults = 1000;
    s.hits = 900;
    s.misses = 100;
    s.mkwrite = 7;
    s.evictions = 64;
    s.evict_batches = 2;
    s.shootdowns = 2;
    s.wb_pages = 30;
    s.wb_bios = 3;
    s.read_ios = 100;
    s.read_errors = 0;
    s.write_errors = 0;
    s.dirty_pages = 1311;
    s.cached_pages = 65536;
    s.free_pages = 65536;
    s.cache_pages = 131072;
    return info;
}

class FakeControl final : public Control {
public:
    std::vector<InstanceInfo> instances;
    std::optional<Error> fail;  // every call fails with this when set
    std::vector<AttachRequest> attached;
    std::vector<std::string> detached;
    std::string detach_warning;
    ModuleInfo module{true, 1, "0.1.0"};

    Result<InstanceInfo> attach(const AttachRequest& req) override {
        if (fail) {
            return *fail;
        }
        attached.push_back(req);
        InstanceInfo info = sample_instance(req.name);
        info.device = req.device;
        info.cache_bytes = req.cache_bytes;
        info.batch_pages = req.batch_pages.value_or(512);
        info.stats = Stats{};
        instances.push_back(info);
        return info;
    }
    Result<DetachResult> detach(std::string_view name) override {
        if (fail) {
            return *fail;
        }
        detached.emplace_back(name);
        return DetachResult{detach_warning};
    }
    Result<std::vector<InstanceInfo>> list() override {
        if (fail) {
            return *fail;
        }
        return instances;
    }
    Result<InstanceInfo> get(std::string_view name) override {
        if (fail) {
            return *fail;
        }
        auto it = std::find_if(instances.begin(), instances.end(),
                               [&](const InstanceInfo& i) { return i.name == name; });
        if (it == instances.end()) {
            return Error{ENOENT, "no fastmap instance '" + std::string(name) +
                                     "' (No such file "
                                     "or directory)"};
        }
        return *it;
    }
    Result<ModuleInfo> module_info() override {
        if (fail && fail->code != kErrModuleNotLoaded) {
            return *fail;
        }
        if (fail) {
            return ModuleInfo{};
        }
        return module;
    }
};

}  // namespace fastmap::test
