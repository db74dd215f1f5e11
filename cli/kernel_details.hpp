// SPDX-License-Identifier: GPL-2.0-only
// The Control fastmapctl uses when fastmapd runs: the daemon's, with what its D-Bus API does not
// carry read from the kernel (GET and FILE_GET are open to every user): the file a file
// instance serves, and the enable table's instance names and cache sizes. When the kernel
// cannot be asked, the daemon's answers stand as they are.
#pragma once

#include <map>

#include "control.hpp"

namespace fastmap::cli {

class WithKernelDetails final : public Control {
public:
    WithKernelDetails(Control& daemon, Control& kernel) : daemon_(daemon), kernel_(kernel) {}

    Result<InstanceInfo> attach(const AttachRequest& req) override { return daemon_.attach(req); }
    Result<DetachResult> detach(std::string_view name) override { return daemon_.detach(name); }
    Result<std::vector<InstanceInfo>> list() override {
        auto instances = daemon_.list();
        if (instances) {
            add_files(*instances);
        }
        return instances;
    }
    Result<InstanceInfo> get(std::string_view name) override {
        auto info = daemon_.get(name);
        if (info && !info->file) {
            if (auto k = kernel_.get(name); k && k->id == info->id) {
                info->file = k->file;
            }
        }
        return info;
    }
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override {
        auto info = daemon_.set(name, req);
        if (info && !info->file) {
            if (auto k = kernel_.get(name); k && k->id == info->id) {
                info->file = k->file;
            }
        }
        return info;
    }
    Result<void> add_file(const FileKey& key, std::string_view path) override {
        return daemon_.add_file(key, path);
    }
    Result<void> add_file_sized(const FileKey& key, std::string_view path,
                                std::uint64_t cache_bytes) override {
        return daemon_.add_file_sized(key, path, cache_bytes);
    }
    Result<void> remove_file(const FileKey& key) override { return daemon_.remove_file(key); }
    Result<std::vector<FileEntry>> list_files() override {
        auto files = daemon_.list_files();
        if (files) {
            if (auto k = kernel_.list_files()) {
                for (auto& f : *files) {
                    for (const auto& e : *k) {
                        if (e.key == f.key) {
                            if (f.instance.empty()) {
                                f.instance = e.instance;
                            }
                            if (!f.cache_bytes) {
                                f.cache_bytes = e.cache_bytes;
                            }
                        }
                    }
                }
            }
        }
        return files;
    }
    Result<std::unique_ptr<EventSource>> subscribe() override { return daemon_.subscribe(); }
    Result<ModuleInfo> module_info() override { return daemon_.module_info(); }

private:
    void add_files(std::vector<InstanceInfo>& instances) {
        bool missing = false;
        for (const auto& info : instances) {
            missing = missing || !info.file;
        }
        if (!missing) {
            return;
        }
        auto k = kernel_.list();
        if (!k) {
            return;
        }
        std::map<std::string, const InstanceInfo*> by_name;
        for (const auto& info : *k) {
            by_name[info.name] = &info;
        }
        for (auto& info : instances) {
            auto it = by_name.find(info.name);
            if (!info.file && it != by_name.end() && it->second->id == info.id) {
                info.file = it->second->file;
            }
        }
    }

    Control& daemon_;
    Control& kernel_;
};

}  // namespace fastmap::cli
