// SPDX-License-Identifier: GPL-2.0-only
// An in-memory daemon::Api for the D-Bus tests: records every call, plays scripted results.
// The service calls it on its loop thread while the test thread inspects it, so all state is
// behind a mutex (edit() / calls()).
#pragma once

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api.hpp"
#include "dbus/authorizer.hpp"
#include "fake_control.hpp"

namespace fastmap::test {

class FakeApi final : public daemon::Api {
public:
    struct State {
        std::vector<InstanceInfo> instances;
        std::vector<FileEntry> files;
        daemon::PolicyState policy;
        std::vector<daemon::DecisionRecord> decisions;
        std::optional<Error> fail;  // every call that can fail fails with this when set
        std::string detach_warning;
        // reload_policy(): the new state, or the error it fails with (kept in last_error).
        daemon::PolicyState next_policy;
        std::optional<Error> reload_error;
        // What the service asked for, in order: "attach db0", "set db0", "enable /x", ...
        std::vector<std::string> calls;
        std::vector<AttachRequest> attaches;
        std::vector<std::pair<std::string, SetRequest>> sets;
    };

    FakeApi() {
        state_.instances = {sample_instance("db0"), sample_instance("db1")};
        state_.instances[1].id = 4;
        state_.instances[1].dev = {259, 3};
        state_.files = {{{{8, 1}, 1234}, "/data/db"}, {{{8, 1}, 99}, ""}};
        state_.policy = {{"/etc/fastmap/policy.json", "/etc/fastmap/policy.d/10-db.json"},
                         R"({"interval_ms":1000})",
                         "",
                         1000};
    }

    template <typename F>
    auto edit(F&& f) {
        std::lock_guard lock(mu_);
        return f(state_);
    }
    std::vector<std::string> calls() const {
        std::lock_guard lock(mu_);
        return state_.calls;
    }
    daemon::ApiListener* listener() const {
        std::lock_guard lock(mu_);
        return listener_;
    }

    Result<std::vector<InstanceInfo>> list() override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("list");
        if (state_.fail) {
            return *state_.fail;
        }
        return state_.instances;
    }
    Result<InstanceInfo> get(std::string_view name) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("get " + std::string(name));
        if (state_.fail) {
            return *state_.fail;
        }
        auto* info = find(name);
        if (info == nullptr) {
            return Error{ENOENT, "no fastmap instance '" + std::string(name) + "'"};
        }
        return *info;
    }
    Result<std::vector<FileEntry>> files() override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("files");
        if (state_.fail) {
            return *state_.fail;
        }
        return state_.files;
    }
    daemon::PolicyState policy() const override {
        std::lock_guard lock(mu_);
        return state_.policy;
    }
    std::vector<daemon::DecisionRecord> decisions() const override {
        std::lock_guard lock(mu_);
        return state_.decisions;
    }

    Result<InstanceInfo> attach(const AttachRequest& req) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("attach " + req.name);
        state_.attaches.push_back(req);
        if (state_.fail) {
            return *state_.fail;
        }
        InstanceInfo info = sample_instance(req.name);
        info.device = req.device;
        info.cache_bytes = req.cache_bytes;
        info.batch_pages = req.batch_pages.value_or(512);
        state_.instances.push_back(info);
        return info;
    }
    Result<DetachResult> detach(std::string_view name) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("detach " + std::string(name));
        if (state_.fail) {
            return *state_.fail;
        }
        return DetachResult{state_.detach_warning};
    }
    Result<InstanceInfo> set(std::string_view name, const SetRequest& req) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("set " + std::string(name));
        state_.sets.emplace_back(name, req);
        if (state_.fail) {
            return *state_.fail;
        }
        auto* info = find(name);
        if (info == nullptr) {
            return Error{ENOENT, "no fastmap instance '" + std::string(name) + "'"};
        }
        info->cache_bytes = req.cache_bytes.value_or(info->cache_bytes);
        info->batch_pages = req.batch_pages.value_or(info->batch_pages);
        info->dirty_ratio = req.dirty_ratio.value_or(info->dirty_ratio);
        info->wb_interval_ms = req.wb_interval_ms.value_or(info->wb_interval_ms);
        return *info;
    }
    Result<InstanceInfo> restore_defaults(std::string_view name) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("restore " + std::string(name));
        if (state_.fail) {
            return *state_.fail;
        }
        auto* info = find(name);
        if (info == nullptr) {
            return Error{ENOENT, "no fastmap instance '" + std::string(name) + "'"};
        }
        info->batch_pages = 512;
        info->dirty_ratio = 10;
        return *info;
    }
    Result<void> enable_file(std::string_view path,
                             std::optional<std::uint64_t> cache_bytes) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("enable " + std::string(path) +
                               (cache_bytes ? " cache=" + std::to_string(*cache_bytes) : ""));
        if (state_.fail) {
            return *state_.fail;
        }
        return {};
    }
    Result<void> disable_file(std::string_view path) override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("disable " + std::string(path));
        if (state_.fail) {
            return *state_.fail;
        }
        return {};
    }
    Result<void> reload_policy() override {
        std::lock_guard lock(mu_);
        state_.calls.push_back("reload");
        if (state_.reload_error) {
            state_.policy.last_error = state_.reload_error->message;
            return *state_.reload_error;
        }
        state_.policy = state_.next_policy;
        return {};
    }
    void set_listener(daemon::ApiListener* listener) override {
        std::lock_guard lock(mu_);
        listener_ = listener;
    }

private:
    InstanceInfo* find(std::string_view name) {
        auto it = std::find_if(state_.instances.begin(), state_.instances.end(),
                               [&](const InstanceInfo& i) { return i.name == name; });
        return it == state_.instances.end() ? nullptr : &*it;
    }

    mutable std::mutex mu_;
    State state_;
    daemon::ApiListener* listener_ = nullptr;
};

// Says what allow says (or fails with error), and records what it was asked.
class FakeAuthorizer final : public dbus::Authorizer {
public:
    Result<bool> may_mutate(sd_bus_message* m) override {
        std::lock_guard lock(mu_);
        ++asked_;
        interactive_.push_back(sd_bus_message_get_allow_interactive_authorization(m) > 0);
        if (error_) {
            return *error_;
        }
        return allow_;
    }
    void allow(bool allow) {
        std::lock_guard lock(mu_);
        allow_ = allow;
    }
    void fail(Error error) {
        std::lock_guard lock(mu_);
        error_ = std::move(error);
    }
    int asked() const {
        std::lock_guard lock(mu_);
        return asked_;
    }
    std::vector<bool> interactive() const {
        std::lock_guard lock(mu_);
        return interactive_;
    }

private:
    mutable std::mutex mu_;
    bool allow_ = true;
    std::optional<Error> error_;
    int asked_ = 0;
    std::vector<bool> interactive_;
};

}  // namespace fastmap::test
