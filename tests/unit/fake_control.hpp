// SPDX-License-Identifier: GPL-2.0-only
// An in-memory Control for CLI tests.
#pragma once

#include <algorithm>
#include <cerrno>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "control.hpp"

namespace fastmap::test {

inline InstanceInfo sample_instance(std::string name = "db0") {
    InstanceInfo info;
    info.name = std::move(name);
    info.id = 3;
    info.device = "/dev/sdb";
    info.dev = {8, 16};
    info.size_bytes = 10ULL << 30;
    info.cache_bytes = 512ULL << 20;
    info.batch_pages = 512;
    info.dirty_ratio = 10;
    info.wb_interval_ms = 5000;
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
    s.evict_stalls = 4;
    return info;
}

// A per-file instance (FILE_OPEN of an enabled file): named after the file's dev and inode.
inline InstanceInfo sample_file_instance() {
    InstanceInfo info = sample_instance("f803.4d2");
    info.id = 7;
    info.device = "/data/db.mdb";
    info.dev = {8, 3};
    info.size_bytes = 1ULL << 20;
    info.cache_bytes = 64ULL << 20;
    info.open_count = 2;
    info.stats.cache_pages = 16384;  // 4 KiB pages
    info.stats.cached_pages = 8192;
    info.stats.free_pages = 8192;
    info.stats.dirty_pages = 164;
    info.stats.outside_writes = 1;
    info.file = FileIdentity{{{8, 3}, 1234}, "/data/db.mdb"};
    return info;
}

// Plays a script of next() results, then times out at once (nullopt) forever.
class FakeEventSource final : public EventSource {
public:
    explicit FakeEventSource(std::deque<Result<std::optional<Event>>> script,
                             std::shared_ptr<std::vector<Timeout>> waits)
        : script_(std::move(script)), waits_(std::move(waits)) {}

    int fd() const override { return -1; }
    Result<std::optional<Event>> next(Timeout timeout) override {
        waits_->push_back(timeout);
        if (script_.empty()) {
            return std::optional<Event>();
        }
        auto r = std::move(script_.front());
        script_.pop_front();
        return r;
    }

private:
    std::deque<Result<std::optional<Event>>> script_;
    std::shared_ptr<std::vector<Timeout>> waits_;
};

class FakeControl final : public Control {
public:
    std::vector<InstanceInfo> instances;
    std::optional<Error> fail;  // every call fails with this when set
    std::vector<AttachRequest> attached;
    std::vector<std::string> detached;
    std::string detach_warning;
    ModuleInfo module{true, 1, "0.1.0"};
    std::vector<std::pair<std::string, SetRequest>> sets;
    std::uint64_t cache_limit = ~0ULL;  // set() caps the cache here, as the kernel may
    std::vector<FileEntry> files;
    std::vector<FileKey> removed;
    // add_file_sized() answers EOPNOTSUPP, as a fastmapd without a cache size in its API does.
    bool sized_unsupported = false;
    // What a subscription's next() returns, in order (then nullopt: a timeout).
    std::deque<Result<std::optional<Event>>> event_script;
    std::shared_ptr<std::vector<EventSource::Timeout>> event_waits =
        std::make_shared<std::vector<EventSource::Timeout>>();

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
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override {
        if (fail) {
            return *fail;
        }
        sets.emplace_back(name, req);
        auto it = std::find_if(instances.begin(), instances.end(),
                               [&](const InstanceInfo& i) { return i.name == name; });
        if (it == instances.end()) {
            return Error{ENOENT, "no fastmap instance '" + std::string(name) + "'"};
        }
        it->cache_bytes = std::min(req.cache_bytes.value_or(it->cache_bytes), cache_limit);
        it->batch_pages = req.batch_pages.value_or(it->batch_pages);
        it->dirty_ratio = req.dirty_ratio.value_or(it->dirty_ratio);
        it->wb_interval_ms = req.wb_interval_ms.value_or(it->wb_interval_ms);
        return *it;
    }
    Result<void> add_file(const FileKey& key, std::string_view path) override {
        if (fail) {
            return *fail;
        }
        for (const auto& f : files) {
            if (f.key == key) {
                return Error{EEXIST, "file already enabled (File exists)"};
            }
        }
        files.push_back({key, std::string(path)});
        return {};
    }
    Result<void> add_file_sized(const FileKey& key, std::string_view path,
                                std::uint64_t cache_bytes) override {
        if (sized_unsupported) {
            return Control::add_file_sized(key, path, cache_bytes);
        }
        auto added = add_file(key, path);
        if (added) {
            files.back().cache_bytes = cache_bytes;
        }
        return added;
    }
    Result<void> remove_file(const FileKey& key) override {
        if (fail) {
            return *fail;
        }
        removed.push_back(key);
        auto it = std::find_if(files.begin(), files.end(),
                               [&](const FileEntry& f) { return f.key == key; });
        if (it == files.end()) {
            return Error{ENOENT, "file not enabled (No such file or directory)"};
        }
        files.erase(it);
        return {};
    }
    Result<std::vector<FileEntry>> list_files() override {
        if (fail) {
            return *fail;
        }
        return files;
    }
    Result<std::unique_ptr<EventSource>> subscribe() override {
        if (fail) {
            return *fail;
        }
        return std::unique_ptr<EventSource>(
            std::make_unique<FakeEventSource>(std::move(event_script), event_waits));
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
