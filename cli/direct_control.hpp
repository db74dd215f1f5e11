// SPDX-License-Identifier: GPL-2.0-only
// The Control fastmapctl uses when fastmapd is not running: the kernel's, plus a one-line
// notice (kDirectNotice) after the first call that the daemon would have served. Not when that
// call found the module not loaded: then the error is the only line on stderr.
#pragma once

#include <ostream>

#include "control.hpp"
#include "daemon_link.hpp"

namespace fastmap::cli {

class DirectControl final : public Control {
public:
    // notice: where to say it (null: say nothing, e.g. with --no-daemon).
    DirectControl(Control& kernel, std::ostream* notice) : kernel_(kernel), notice_(notice) {}

    Result<InstanceInfo> attach(const AttachRequest& req) override {
        return said(kernel_.attach(req));
    }
    Result<DetachResult> detach(std::string_view name) override {
        return said(kernel_.detach(name));
    }
    Result<std::vector<InstanceInfo>> list() override { return said(kernel_.list()); }
    Result<InstanceInfo> get(std::string_view name) override { return said(kernel_.get(name)); }
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override {
        return said(kernel_.set(name, req));
    }
    Result<void> add_file(const FileKey& key, std::string_view path) override {
        return said(kernel_.add_file(key, path));
    }
    Result<void> add_file_sized(const FileKey& key, std::string_view path,
                                std::uint64_t cache_bytes) override {
        return said(kernel_.add_file_sized(key, path, cache_bytes));
    }
    Result<void> remove_file(const FileKey& key) override { return said(kernel_.remove_file(key)); }
    Result<std::vector<FileEntry>> list_files() override { return said(kernel_.list_files()); }
    // Events and versions come from the kernel even with the daemon: no notice.
    Result<std::unique_ptr<EventSource>> subscribe() override { return kernel_.subscribe(); }
    Result<ModuleInfo> module_info() override { return kernel_.module_info(); }

private:
    template <typename R>
    R said(R result) {
        if (result || result.error().code != kErrModuleNotLoaded) {
            say();
        }
        return result;
    }
    void say() {
        if (notice_ != nullptr && !said_) {
            *notice_ << kDirectNotice << "\n";
            said_ = true;
        }
    }

    Control& kernel_;
    std::ostream* notice_;
    bool said_ = false;
};

}  // namespace fastmap::cli
