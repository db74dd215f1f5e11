// SPDX-License-Identifier: GPL-2.0-only
#include "core/daemon.hpp"

#include <cerrno>
#include <sstream>
#include <utility>

#include "policy/policy_loader.hpp"
#include "units.hpp"

namespace fastmap::daemon {

namespace {

std::string join_issues(const std::vector<PolicyIssue>& issues) {
    std::string text;
    for (const auto& issue : issues) {
        if (!text.empty()) {
            text += "\n";
        }
        text += issue.str();
    }
    return text.empty() ? "invalid policy" : text;
}

std::string format_value(DecisionKind kind, std::uint64_t v) {
    switch (kind) {
        case DecisionKind::kCacheGrow:
        case DecisionKind::kCacheShrink:
            return format_bytes(v);
        case DecisionKind::kBatchIncrease:
        case DecisionKind::kBatchDecrease:
            return std::to_string(v) + " pages";
        case DecisionKind::kFileEnable:
            break;
    }
    return std::to_string(v);
}

}  // namespace

std::string describe(const SetRequest& req) {
    std::ostringstream s;
    const char* sep = "";
    if (req.cache_bytes) {
        s << sep << "cache=" << format_bytes(*req.cache_bytes);
        sep = " ";
    }
    if (req.batch_pages) {
        s << sep << "batch=" << *req.batch_pages;
        sep = " ";
    }
    if (req.dirty_ratio) {
        s << sep << "dirty_ratio=" << *req.dirty_ratio << "%";
        sep = " ";
    }
    if (req.wb_interval_ms) {
        s << sep << "wb_interval=" << format_duration_ms(*req.wb_interval_ms);
    }
    return s.str();
}

Daemon::Daemon(Control& ctl, Host& host, Logger& log, PathResolver* paths)
    : ctl_(ctl), host_(host), log_(log), engine_(std::make_unique<Engine>(Policy{}, paths)) {}

Daemon::~Daemon() = default;

std::uint32_t Daemon::interval_ms() const {
    return engine_->policy().interval_ms;
}

Result<void> Daemon::start() {
    LoadResult loaded = host_.load_policy();
    if (!loaded.ok() || !loaded.policy) {
        last_error_ = join_issues(loaded.issues);
        return Error{EINVAL, last_error_};
    }
    engine_->set_policy(std::move(*loaded.policy));
    last_error_.clear();
    const auto& sources = engine_->policy().sources;
    std::string from = sources.empty() ? "built-in defaults" : "";
    for (const auto& src : sources) {
        from += (from.empty() ? "" : ", ") + src;
    }
    log_.log(LogLevel::kInfo, "policy loaded from " + from);
    load_state();
    load_pins();
    attach_from_policy();
    apply_files("at start");
    return ok();
}

void Daemon::attach_from_policy() {
    for (const AttachSpec& spec : engine_->policy().attach) {
        auto existing = ctl_.get(spec.name);
        if (existing) {
            continue;  // attached already (by us before a restart, or by an operator)
        }
        if (existing.error().code != ENOENT) {
            log_.log(LogLevel::kWarning, "attach " + spec.name + ": " + existing.error().message);
            continue;
        }
        AttachRequest req{spec.device, spec.name, spec.cache_bytes, spec.batch_pages};
        auto info = ctl_.attach(req);
        DecisionRecord rec;
        rec.kind = "attach";
        rec.target = spec.name;
        rec.to = spec.cache_bytes;
        rec.reason = "policy attaches " + spec.device + " with a " +
                     format_bytes(spec.cache_bytes) + " cache";
        rec.applied = info.ok();
        if (!info) {
            rec.error = info.error().message;
        }
        record(std::move(rec));
        if (info) {
            changed(spec.name, "attached");
        }
    }
}

Observation Daemon::observe(const std::vector<InstanceInfo>& instances) {
    Observation obs;
    obs.now_ms = host_.monotonic_ms();
    if (auto mem = host_.memory()) {
        obs.mem = *mem;
    }
    for (const auto& info : instances) {
        InstanceObservation io;
        io.info = info;
        // One map slot per instance the module lists (not all FM_MAX_INSTANCES); only batch
        // tuning looks at the histograms.
        if (telemetry_ != nullptr) {
            const bool latency = engine_->policy().for_instance(info.name).batch.enabled;
            if (auto sample = telemetry_->instance_sample(info.id, latency); sample && *sample) {
                io.counters = (*sample)->counters;
                if (latency) {
                    io.fault_latency = (*sample)->fault_latency;
                    io.evict_latency = (*sample)->evict_latency;
                }
            }
        }
        obs.instances.push_back(std::move(io));
    }
    // The per-file map is the largest thing the daemon reads: only when auto-enable needs it.
    if (telemetry_ != nullptr && engine_->policy().auto_enable.enabled) {
        if (auto files = telemetry_->files()) {
            for (const auto& f : *files) {
                obs.files.push_back(FileObservation{FileKey{f.dev, f.key.ino}, f.faults});
            }
        }
    }
    if (engine_->policy().auto_enable.enabled) {  // only auto-enable needs the table
        if (auto enabled = ctl_.list_files()) {
            obs.enabled_files = std::move(*enabled);
        }
    }
    return obs;
}

void Daemon::tick() {
    auto instances = ctl_.list();
    if (!instances) {
        if (!module_missing_logged_) {
            log_.log(LogLevel::kWarning, "cannot read the module's instances: " +
                                             instances.error().message + " (will retry)");
            module_missing_logged_ = true;
        }
        return;
    }
    if (module_missing_logged_) {
        log_.log(LogLevel::kInfo, "the module answers again");
        module_missing_logged_ = false;
        attach_from_policy();
        apply_files("now that the module answers");
    }
    note_instances(*instances);
    check_pins(*instances);
    const Observation obs = observe(*instances);
    if (trace_sink_) {
        trace_sink_(obs);
    }
    for (const Decision& d : engine_->tick(obs)) {
        apply(d);
    }
}

void Daemon::note_instances(const std::vector<InstanceInfo>& instances) {
    std::map<std::string, std::uint32_t, std::less<>> now;
    for (const auto& info : instances) {
        now.emplace(info.name, info.id);
    }
    std::vector<std::pair<std::string, std::string_view>> changes;
    if (known_) {
        for (const auto& [name, id] : now) {
            auto it = known_->find(name);
            if (it == known_->end() || it->second != id) {
                changes.emplace_back(name, "attached");
            }
        }
        for (const auto& [name, id] : *known_) {
            if (!now.contains(name)) {
                changes.emplace_back(name, "detached");
            }
        }
    }
    known_ = std::move(now);
    if (listener_ != nullptr) {
        for (const auto& [name, change] : changes) {
            listener_->instance_changed(name, change);
        }
    }
}

void Daemon::apply(const Decision& d) {
    DecisionRecord rec;
    rec.kind = std::string(to_string(d.kind));
    rec.target = d.target;
    rec.from = d.from;
    rec.to = d.to;
    rec.reason = d.reason;
    Result<void> done = ok();
    switch (d.kind) {
        case DecisionKind::kCacheGrow:
        case DecisionKind::kCacheShrink: {
            SetRequest req;
            req.cache_bytes = d.to;
            auto r = ctl_.set(d.target, req);
            if (!r) {
                done = std::move(r).error();
            }
            break;
        }
        case DecisionKind::kBatchIncrease:
        case DecisionKind::kBatchDecrease: {
            SetRequest req;
            req.batch_pages = static_cast<std::uint32_t>(d.to);
            auto r = ctl_.set(d.target, req);
            if (!r) {
                done = std::move(r).error();
            }
            break;
        }
        case DecisionKind::kFileEnable:
            done = ctl_.add_file(d.file, d.target);
            if (done) {
                remember_auto(d);
            } else if (done.error().code == EEXIST) {
                done = ok();
            }
            break;
    }
    rec.applied = done.ok();
    if (!done) {
        rec.error = done.error().message;
        engine_->rejected(d);
    }
    const std::string what =
        rec.kind + " " + rec.target +
        (d.kind == DecisionKind::kFileEnable
             ? ""
             : " " + format_value(d.kind, d.from) + " -> " + format_value(d.kind, d.to)) +
        ": " + rec.reason;
    if (rec.applied) {
        log_.log(LogLevel::kNotice, what);
    } else {
        log_.log(LogLevel::kWarning, what + " (not applied: " + rec.error + ")");
    }
    const bool instance_change = rec.applied && d.kind != DecisionKind::kFileEnable;
    record(std::move(rec));
    if (instance_change) {
        changed(d.target, "changed");
    }
}

void Daemon::record(DecisionRecord rec) {
    rec.realtime_us = host_.realtime_us();
    decisions_.push_back(rec);
    const std::size_t keep = engine_->policy().decision_history;
    while (decisions_.size() > keep && !decisions_.empty()) {
        decisions_.pop_front();
    }
    if (listener_ != nullptr) {
        listener_->decision_made(rec);
    }
}

void Daemon::changed(std::string_view name, std::string_view change) {
    if (known_) {
        if (change == "attached") {
            if (auto info = ctl_.get(name)) {
                (*known_)[std::string(name)] = info->id;
            }
        } else if (change == "detached") {
            known_->erase(std::string(name));
        }
    }
    if (listener_ != nullptr) {
        listener_->instance_changed(name, change);
    }
}

Result<std::vector<InstanceInfo>> Daemon::list() {
    return ctl_.list();
}

Result<InstanceInfo> Daemon::get(std::string_view name) {
    return ctl_.get(name);
}

Result<std::vector<FileEntry>> Daemon::files() {
    return ctl_.list_files();
}

PolicyState Daemon::policy() const {
    PolicyState st;
    st.sources = engine_->policy().sources;
    st.effective_json = policy_to_json(engine_->policy()).dump(2);
    st.last_error = last_error_;
    st.interval_ms = engine_->policy().interval_ms;
    return st;
}

std::vector<DecisionRecord> Daemon::decisions() const {
    return {decisions_.begin(), decisions_.end()};
}

Result<InstanceInfo> Daemon::attach(const AttachRequest& req) {
    auto info = ctl_.attach(req);
    if (info) {
        log_.log(LogLevel::kNotice, "operator attached " + req.name + " on " + req.device +
                                        " with a " + format_bytes(req.cache_bytes) + " cache");
        changed(req.name, "attached");
    }
    return info;
}

Result<DetachResult> Daemon::detach(std::string_view name) {
    auto res = ctl_.detach(name);
    if (res) {
        log_.log(LogLevel::kNotice, "operator detached " + std::string(name) +
                                        (res->warning.empty() ? "" : ": " + res->warning));
        engine_->unpin(name);
        forget_pin(name);
        changed(name, "detached");
    }
    return res;
}

Result<InstanceInfo> Daemon::set(std::string_view name, const SetRequest& req) {
    auto info = ctl_.set(name, req);
    if (!info) {
        return info;
    }
    const bool cache = req.cache_bytes.has_value() || engine_->cache_pinned(name);
    const bool batch = req.batch_pages.has_value() || engine_->batch_pinned(name);
    engine_->pin(name, cache, batch);
    if (cache || batch) {
        remember_pin(name, info->id);
    }
    DecisionRecord rec;
    rec.kind = "operator_set";
    rec.target = std::string(name);
    rec.reason = "operator set " + describe(req) +
                 ((req.cache_bytes || req.batch_pages)
                      ? "; the policy leaves these alone until restore-defaults"
                      : "");
    rec.applied = true;
    log_.log(LogLevel::kNotice, rec.target + ": " + rec.reason);
    record(std::move(rec));
    changed(name, "changed");
    return info;
}

Result<InstanceInfo> Daemon::restore_defaults(std::string_view name) {
    auto cur = ctl_.get(name);
    if (!cur) {
        return cur;
    }
    engine_->unpin(name);
    forget_pin(name);
    SetRequest req;
    req.batch_pages = host_.default_batch_pages();
    req.dirty_ratio = host_.default_dirty_ratio();
    req.wb_interval_ms = host_.default_wb_interval_ms();
    for (const AttachSpec& spec : engine_->policy().attach) {
        if (spec.name == name) {
            req.cache_bytes = spec.cache_bytes;
            if (spec.batch_pages) {
                req.batch_pages = *spec.batch_pages;
            }
        }
    }
    auto info = ctl_.set(name, req);
    if (!info) {
        return info;
    }
    DecisionRecord rec;
    rec.kind = "restore_defaults";
    rec.target = std::string(name);
    rec.reason = "operator restored " + describe(req) + "; the policy tunes the instance again";
    rec.applied = true;
    log_.log(LogLevel::kNotice, rec.target + ": " + rec.reason);
    record(std::move(rec));
    changed(name, "changed");
    return info;
}

Result<void> Daemon::reload_policy() {
    LoadResult loaded = host_.load_policy();
    if (!loaded.ok() || !loaded.policy) {
        last_error_ = join_issues(loaded.issues);
        log_.log(LogLevel::kError, "policy reload failed, keeping the old policy:\n" + last_error_);
        return Error{EINVAL,
                     "policy reload failed, the old policy stays in force:\n" + last_error_};
    }
    engine_->set_policy(std::move(*loaded.policy));
    last_error_.clear();
    log_.log(LogLevel::kInfo, "policy reloaded");
    DecisionRecord rec;
    rec.kind = "policy_reload";
    rec.target = "policy";
    rec.reason = "policy reloaded";
    rec.applied = true;
    record(std::move(rec));
    attach_from_policy();
    apply_files("after the reload");
    return ok();
}

}  // namespace fastmap::daemon
