// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl top [--once] [--interval SEC] [--json]
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli.hpp"
#include "daemon_link.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "rates_json.hpp"
#include "sample.hpp"
#include "units.hpp"
#include "verb_daemon.hpp"

namespace fastmap::cli {
namespace {

using Histograms = std::map<std::uint32_t, telemetry::Histogram>;  // by instance id

constexpr std::size_t kFilesShown = 5;
constexpr std::size_t kRecentDecisions = 5;

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

// The instances over the interval: rates and latency percentiles.
std::vector<InstanceSample> sample_frame(const std::vector<InstanceInfo>& prev,
                                         const Histograms& prev_hist,
                                         const std::vector<InstanceInfo>& cur,
                                         const Histograms& cur_hist, double seconds) {
    std::vector<InstanceSample> rows;
    for (const auto& info : cur) {
        InstanceSample row{info, std::nullopt, std::nullopt, std::nullopt};
        const InstanceInfo* before = find_instance(prev, info.name);
        if (before != nullptr) {
            row.rates = compute_rates(*before, info, seconds);
        }
        auto c = cur_hist.find(info.id);
        if (c != cur_hist.end() && before != nullptr && before->id == info.id) {
            auto p = prev_hist.find(info.id);
            const telemetry::Histogram h =
                p != prev_hist.end() ? histogram_delta(p->second, c->second) : c->second;
            row.p50_ns = h.percentile(50);
            row.p99_ns = h.percentile(99);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

// The enable table and, with the daemon, its latest decisions.
void add_footer(Control& ctl, DaemonLink* daemon, TopFrame& frame) {
    if (auto files = ctl.list_files()) {
        frame.files = std::move(*files);
    }
    frame.daemon_running = daemon != nullptr;
    if (daemon == nullptr) {
        return;
    }
    auto decisions = daemon->decisions();
    if (!decisions) {
        frame.daemon_error = first_line(decisions.error().message);
        return;
    }
    const std::size_t skip =
        decisions->size() > kRecentDecisions ? decisions->size() - kRecentDecisions : 0;
    frame.decisions.assign(decisions->begin() + static_cast<std::ptrdiff_t>(skip),
                           decisions->end());
}

std::string ns_cell(const std::optional<std::uint64_t>& ns) {
    return ns ? format_ns(*ns) : "-";
}

void print_table(const std::vector<InstanceSample>& rows, std::ostream& out) {
    using A = Table::Align;
    std::vector<Table::Column> columns{{"NAME", A::kLeft},       {"FAULTS/s", A::kRight},
                                       {"HIT%", A::kRight},      {"EVICT/s", A::kRight},
                                       {"SHOOTDN/s", A::kRight}, {"IOPS", A::kRight},
                                       {"DIRTY", A::kRight},     {"CACHE", A::kRight},
                                       {"P50", A::kRight},       {"P99", A::kRight}};
    // Per-file instances: a last column with the file they serve.
    const bool files = std::any_of(rows.begin(), rows.end(),
                                   [](const InstanceSample& r) { return r.info.is_file(); });
    if (files) {
        columns.push_back({"FILE", A::kLeft});
    }
    Table table(std::move(columns));
    for (const auto& r : rows) {
        std::vector<std::string> row{r.info.name};
        if (r.rates) {
            row.insert(row.end(), {format_rate(r.rates->faults),
                                   percent(r.rates->delta_hits, r.rates->delta_faults),
                                   format_rate(r.rates->evictions),
                                   format_rate(r.rates->shootdowns), format_rate(iops(*r.rates))});
        } else {
            row.insert(row.end(), 5, "-");  // appeared during the interval
        }
        row.push_back(format_bytes(r.info.stats.dirty_pages * page_size(r.info)));
        row.push_back(format_bytes(r.info.cache_bytes));
        row.push_back(ns_cell(r.p50_ns));
        row.push_back(ns_cell(r.p99_ns));
        if (files) {
            row.push_back(r.info.file ? r.info.file->path : "");
        }
        table.add_row(std::move(row));
    }
    table.print(out);
}

void print_frame(const TopFrame& frame, std::ostream& out) {
    char head[128];
    std::snprintf(head, sizeof(head), "fastmap top: %zu instance%s, %.1f s interval",
                  frame.instances.size(), frame.instances.size() == 1 ? "" : "s", frame.interval_s);
    out << head << "\n\n";
    if (frame.instances.empty()) {
        out << "no fastmap instances\n";
    } else {
        print_table(frame.instances, out);
    }
    if (!frame.latency_available) {
        out << "\nfault latency: unavailable (" << frame.latency_reason << ")\n";
    }
    if (frame.files) {
        out << "\nenabled files: " << frame.files->size() << "\n";
        for (std::size_t i = 0; i < frame.files->size() && i < kFilesShown; ++i) {
            const FileEntry& f = (*frame.files)[i];
            out << "  " << f.key.dev.str() << " " << f.key.ino << "  " << f.path;
            if (!f.instance.empty()) {
                out << "  [" << f.instance << "]";
            }
            out << "\n";
        }
    }
    if (!frame.daemon_running) {
        out << "\nfastmapd: not running (no policy decisions)\n";
        return;
    }
    if (!frame.daemon_error.empty()) {
        out << "\nfastmapd: " << frame.daemon_error << "\n";
        return;
    }
    out << "\nrecent fastmapd decisions:";
    if (frame.decisions.empty()) {
        out << " none yet";
    }
    out << "\n";
    for (const auto& rec : frame.decisions) {
        out << "  " << format_decision(rec) << "\n";
    }
}

}  // namespace

int verb_top(Control& ctl, const TopArgs& args, const TelemetryFactory& telemetry, Ticker& ticker,
             std::ostream& out, std::ostream& err, DaemonLink* daemon) {
    constexpr std::string_view kVerb = "top";
    if (!(args.interval_s >= 0.1 && args.interval_s <= 86400)) {
        return report_usage(err, kVerb, "--interval: must be 0.1 to 86400 seconds");
    }
    if (args.json && !args.once) {
        return report_usage(err, kVerb, "--json needs --once");
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
        TopFrame frame;
        frame.interval_s = t - prev_t;
        frame.instances = sample_frame(*prev, prev_hist, *cur, cur_hist, t - prev_t);
        frame.latency_available = tel != nullptr;
        frame.latency_reason = reason;
        add_footer(ctl, daemon, frame);
        if (args.json) {
            out << top_frame_to_json(frame).dump(2) << '\n';
        } else {
            if (!args.once) {
                out << "\x1b[H\x1b[2J";  // home, clear screen
            }
            print_frame(frame, out);
        }
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
