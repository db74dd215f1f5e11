// SPDX-License-Identifier: GPL-2.0-only
#include "verb_daemon.hpp"

#include <time.h>

#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "json.hpp"
#include "output.hpp"
#include "policy/policy_loader.hpp"
#include "units.hpp"

namespace fastmap::cli {

namespace {

constexpr std::string_view kNotRunning =
    "fastmapd is not running (start it with: systemctl start fastmapd)";

bool is_cache(std::string_view kind) {
    return kind == "cache_grow" || kind == "cache_shrink" || kind == "attach";
}
bool is_batch(std::string_view kind) {
    return kind == "batch_increase" || kind == "batch_decrease";
}

nlohmann::json policy_state_to_json(const daemon::PolicyState& st, bool from_daemon) {
    nlohmann::json j{{"source", from_daemon ? "fastmapd" : "files"},
                     {"files", st.sources},
                     {"interval_ms", st.interval_ms}};
    j["policy"] = nlohmann::json::parse(st.effective_json, nullptr, false);
    if (!st.last_error.empty()) {
        j["error"] = st.last_error;
    }
    return j;
}

void print_policy_state(const daemon::PolicyState& st, std::ostream& out) {
    out << "files:    ";
    if (st.sources.empty()) {
        out << "none (built-in defaults)\n";
    } else {
        for (std::size_t i = 0; i < st.sources.size(); ++i) {
            out << (i == 0 ? "" : "          ") << st.sources[i] << "\n";
        }
    }
    out << "interval: " << format_duration_ms(st.interval_ms) << "\n";
    if (!st.last_error.empty()) {
        out << "last reload failed (the policy below stays in force):\n" << st.last_error << "\n";
    }
    out << st.effective_json << "\n";
}

}  // namespace

nlohmann::json decision_to_json(const daemon::DecisionRecord& rec) {
    nlohmann::json j{{"time_us", rec.realtime_us}, {"kind", rec.kind}, {"target", rec.target},
                     {"from", rec.from},           {"to", rec.to},     {"reason", rec.reason},
                     {"applied", rec.applied}};
    if (!rec.applied) {
        j["error"] = rec.error;
    }
    return j;
}

std::string format_realtime(std::uint64_t realtime_us) {
    const time_t secs = static_cast<time_t>(realtime_us / 1000000ULL);
    struct tm tm {};
    localtime_r(&secs, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string format_decision(const daemon::DecisionRecord& rec) {
    std::string line =
        format_realtime(rec.realtime_us).substr(11) + " " + rec.kind + " " + rec.target;
    if (is_cache(rec.kind) && rec.kind != "attach") {
        line += " " + format_bytes(rec.from) + " -> " + format_bytes(rec.to);
    } else if (is_batch(rec.kind)) {
        line += " " + std::to_string(rec.from) + " -> " + std::to_string(rec.to) + " pages";
    }
    line += ": " + rec.reason;
    if (!rec.applied) {
        line += " [not applied: " + rec.error + "]";
    }
    return line;
}

int verb_policy_show(DaemonLink* daemon, bool json, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "policy show";
    daemon::PolicyState st;
    if (daemon != nullptr) {
        auto got = daemon->policy();
        if (!got) {
            return report_error(err, kVerb, got.error());
        }
        st = std::move(*got);
    } else {
        const daemon::LoadResult loaded = daemon::load_policy(daemon::default_policy_paths());
        err << "fastmapctl: " << kNotRunning << "; showing the policy files on disk\n";
        if (!loaded.ok()) {
            for (const auto& issue : loaded.issues) {
                err << issue.str() << "\n";
            }
            return kExitRuntime;
        }
        st.sources = loaded.policy->sources;
        st.effective_json = daemon::policy_to_json(*loaded.policy).dump(2);
        st.interval_ms = loaded.policy->interval_ms;
    }
    if (json) {
        out << policy_state_to_json(st, daemon != nullptr).dump(2) << "\n";
    } else {
        print_policy_state(st, out);
    }
    return kExitOk;
}

int verb_policy_reload(DaemonLink* daemon, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "policy reload";
    if (daemon == nullptr) {
        return report_error(err, kVerb, Error{ESRCH, std::string(kNotRunning)});
    }
    if (auto r = daemon->reload_policy(); !r) {
        return report_error(err, kVerb, r.error());
    }
    out << "policy reloaded\n";
    return kExitOk;
}

int verb_decisions(DaemonLink* daemon, bool json, std::size_t count, std::ostream& out,
                   std::ostream& err) {
    constexpr std::string_view kVerb = "decisions";
    if (daemon == nullptr) {
        return report_error(err, kVerb, Error{ESRCH, std::string(kNotRunning)});
    }
    auto all = daemon->decisions();
    if (!all) {
        return report_error(err, kVerb, all.error());
    }
    const std::size_t skip = all->size() > count ? all->size() - count : 0;
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = skip; i < all->size(); ++i) {
            list.push_back(decision_to_json((*all)[i]));
        }
        out << nlohmann::json{{"decisions", list}}.dump(2) << "\n";
        return kExitOk;
    }
    if (all->empty()) {
        out << "no decisions yet\n";
    }
    for (std::size_t i = skip; i < all->size(); ++i) {
        out << format_decision((*all)[i]) << "\n";
    }
    return kExitOk;
}

int verb_restore_defaults(DaemonLink* daemon, const std::string& name, bool json, std::ostream& out,
                          std::ostream& err) {
    constexpr std::string_view kVerb = "restore-defaults";
    if (auto valid = validate_name(name); !valid) {
        return report_usage(err, kVerb, valid.error().message);
    }
    if (daemon == nullptr) {
        return report_error(err, kVerb, Error{ESRCH, std::string(kNotRunning)});
    }
    auto info = daemon->restore_defaults(name);
    if (!info) {
        return report_error(err, kVerb, info.error());
    }
    if (json) {
        out << instance_to_json(*info).dump(2) << "\n";
    } else {
        out << name << ": cache " << format_bytes(info->cache_bytes) << ", batch "
            << info->batch_pages << " pages, dirty_ratio " << info->dirty_ratio << "%, wb_interval "
            << format_duration_ms(info->wb_interval_ms) << "; fastmapd tunes it again\n";
    }
    return kExitOk;
}

}  // namespace fastmap::cli
