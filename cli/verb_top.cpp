// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl top [--once] [--interval SEC]
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli.hpp"
#include "daemon_link.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "sample.hpp"
#include "units.hpp"
#include "verb_daemon.hpp"

namespace fastmap::cli {
namespace {

using Histograms = std::map<std::uint32_t, telemetry::Histogram>;  // by instance id

// Fault latency histograms of the sampled instances; those that fail are left out.
Histograms read_histograms(telemetry::Telemetry* tel, const std::vector<InstanceInfo>& sample) {
    Histograms out;
    if (tel == nullptr) {
        return out;
    }
    for (const auto& info : sample) {
        if (auto h = tel->fault_latency(info.id)) {
            out[info.id] = *h;
        }
    }
    return out;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

void print_frame(const std::vector<InstanceInfo>& prev, const Histograms& prev_hist,
                 const std::vector<InstanceInfo>& cur, const Histograms& cur_hist, double seconds,
                 const std::string& telemetry_reason, std::ostream& out) {
    char head[128];
    std::snprintf(head, sizeof(head), "fastmap top: %zu instance%s, %.1f s interval", cur.size(),
                  cur.size() == 1 ? "" : "s", seconds);
    out << head << "\n\n";
    if (cur.empty()) {
        out << "no fastmap instances\n";
    } else {
        using A = Table::Align;
        std::vector<Table::Column> columns{
            {"NAME", A::kLeft},     {"FAULTS/s", A::kRight},  {"HIT%", A::kRight},
            {"EVICT/s", A::kRight}, {"SHOOTDN/s", A::kRight}, {"DIRTY", A::kRight},
            {"CACHE", A::kRight},   {"P50", A::kRight},       {"P99", A::kRight}};
        // Per-file instances: a last column with the file they serve.
        const bool files =
            std::any_of(cur.begin(), cur.end(), [](const InstanceInfo& i) { return i.is_file(); });
        if (files) {
            columns.push_back({"FILE", A::kLeft});
        }
        Table table(std::move(columns));
        for (const auto& info : cur) {
            std::vector<std::string> row{info.name};
            const InstanceInfo* before = find_instance(prev, info.name);
            if (before != nullptr) {
                const Rates r = compute_rates(*before, info, seconds);
                row.insert(row.end(), {format_rate(r.faults), percent(r.delta_hits, r.delta_faults),
                                       format_rate(r.evictions), format_rate(r.shootdowns)});
            } else {
                row.insert(row.end(), 4, "-");
            }
            row.push_back(format_bytes(info.stats.dirty_pages * page_size(info)));
            row.push_back(format_bytes(info.cache_bytes));
            std::string p50 = "-";
            std::string p99 = "-";
            auto c = cur_hist.find(info.id);
            if (c != cur_hist.end() && before != nullptr && before->id == info.id) {
                auto p = prev_hist.find(info.id);
                const telemetry::Histogram h =
                    p != prev_hist.end() ? histogram_delta(p->second, c->second) : c->second;
                if (auto v = h.percentile(50)) {
                    p50 = format_ns(*v);
                }
                if (auto v = h.percentile(99)) {
                    p99 = format_ns(*v);
                }
            }
            row.push_back(p50);
            row.push_back(p99);
            if (files) {
                row.push_back(info.file ? info.file->path : "");
            }
            table.add_row(std::move(row));
        }
        table.print(out);
    }
    if (!telemetry_reason.empty()) {
        out << "\nfault latency: unavailable (" << telemetry_reason << ")\n";
    }
}

// The enable table and, with the daemon, its latest decisions.
void print_footer(Control& ctl, DaemonLink* daemon, std::ostream& out) {
    if (auto files = ctl.list_files()) {
        out << "\nenabled files: " << files->size() << "\n";
        constexpr std::size_t kShown = 5;
        for (std::size_t i = 0; i < files->size() && i < kShown; ++i) {
            const FileEntry& f = (*files)[i];
            out << "  " << f.key.dev.str() << " " << f.key.ino << "  " << f.path;
            if (!f.instance.empty()) {
                out << "  [" << f.instance << "]";
            }
            out << "\n";
        }
    }
    if (daemon == nullptr) {
        out << "\nfastmapd: not running (no policy decisions)\n";
        return;
    }
    auto decisions = daemon->decisions();
    if (!decisions) {
        out << "\nfastmapd: " << first_line(decisions.error().message) << "\n";
        return;
    }
    constexpr std::size_t kRecent = 5;
    out << "\nrecent fastmapd decisions:";
    if (decisions->empty()) {
        out << " none yet";
    }
    out << "\n";
    const std::size_t skip = decisions->size() > kRecent ? decisions->size() - kRecent : 0;
    for (std::size_t i = skip; i < decisions->size(); ++i) {
        out << "  " << format_decision((*decisions)[i]) << "\n";
    }
}

}  // namespace

int verb_top(Control& ctl, const TopArgs& args, const TelemetryFactory& telemetry, Ticker& ticker,
             std::ostream& out, std::ostream& err, DaemonLink* daemon) {
    constexpr std::string_view kVerb = "top";
    if (!(args.interval_s >= 0.1 && args.interval_s <= 86400)) {
        return report_usage(err, kVerb, "--interval: must be 0.1 to 86400 seconds");
    }
    auto prev = ctl.list();
    if (!prev) {
        return report_error(err, kVerb, prev.error());
    }
    std::unique_ptr<telemetry::Telemetry> tel;
    std::string reason = "fastmapctl was built without BPF telemetry";
    if (telemetry) {
        auto opened = telemetry();
        if (opened) {
            tel = std::move(*opened);
            reason.clear();
        } else {
            reason = first_line(opened.error().message);
        }
    }
    Histograms prev_hist = read_histograms(tel.get(), *prev);
    double prev_t = ticker.now();
    for (;;) {
        if (!ticker.sleep(args.interval_s)) {
            break;  // SIGINT
        }
        auto cur = ctl.list();
        const double t = ticker.now();
        if (!cur) {
            return report_error(err, kVerb, cur.error());
        }
        Histograms cur_hist = read_histograms(tel.get(), *cur);
        if (!args.once) {
            out << "\x1b[H\x1b[2J";  // home, clear screen
        }
        print_frame(*prev, prev_hist, *cur, cur_hist, t - prev_t, reason, out);
        print_footer(ctl, daemon, out);
        out.flush();
        if (args.once) {
            break;
        }
        prev = std::move(cur);
        prev_hist = std::move(cur_hist);
        prev_t = t;
    }
    return kExitOk;
}

}  // namespace fastmap::cli
