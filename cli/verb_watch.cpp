// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl stats [NAME] --watch SEC [--count N] | --prometheus
#include <cstdio>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "rates_json.hpp"
#include "sample.hpp"
#include "units.hpp"

namespace fastmap::cli {
namespace {

// Fixed-width columns: rows are printed as samples arrive.
std::string watch_line(const std::vector<std::string>& cells) {
    static const int kWidth[] = {-7, -16, 10, 10, 10, 10, 10, 10, 10, 10, 6};
    std::string line;
    for (std::size_t i = 0; i < cells.size() && i < std::size(kWidth); ++i) {
        char buf[128];
        std::snprintf(buf, sizeof(buf), "%*s", kWidth[i], cells[i].c_str());
        if (i > 0) {
            line += "  ";
        }
        line += buf;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    return line;
}

void print_rows(double time_s, const std::vector<InstanceSample>& rows, std::ostream& out) {
    char when[32];
    std::snprintf(when, sizeof(when), "%.1f", time_s);
    for (const auto& row : rows) {
        const InstanceInfo& info = row.info;
        std::vector<std::string> cells{when, info.name};
        if (const auto& r = row.rates) {
            for (double v :
                 {r->faults, r->hits, r->evictions, r->shootdowns, r->wb_pages, iops(*r)}) {
                cells.push_back(format_rate(v));
            }
        } else {
            cells.insert(cells.end(), 6, "-");  // appeared since the last sample
        }
        const Stats& s = info.stats;
        cells.push_back(format_bytes(s.dirty_pages * page_size(info)));
        cells.push_back(format_bytes(s.cached_pages * page_size(info)));
        cells.push_back(percent(s.cached_pages, s.cache_pages));
        out << watch_line(cells) << '\n';
    }
}

}  // namespace

int verb_stats_watch(Control& ctl, const WatchArgs& args, Ticker& ticker, std::ostream& out,
                     std::ostream& err) {
    constexpr std::string_view kVerb = "stats";
    if (!(args.interval_s >= 0.1 && args.interval_s <= 86400)) {
        return report_usage(err, kVerb, "--watch: must be 0.1 to 86400 seconds");
    }
    if (args.count && *args.count == 0) {
        return report_usage(err, kVerb, "--count: must be at least 1");
    }
    if (!args.name.empty()) {
        if (auto valid = validate_name(args.name); !valid) {
            return report_usage(err, kVerb, valid.error().message);
        }
    }
    auto prev = sample_instances(ctl, args.name);
    if (!prev) {
        return report_error(err, kVerb, prev.error());
    }
    const double start = ticker.now();
    double prev_t = start;
    if (!args.json) {
        out << watch_line({"TIME", "NAME", "FAULTS/s", "HITS/s", "EVICT/s", "SHOOTDN/s", "WB_PG/s",
                           "IOPS", "DIRTY", "CACHED", "USED"})
            << '\n';
        out.flush();
    }
    std::uint64_t samples = 0;
    while (!args.count || samples < *args.count) {
        if (!ticker.sleep(args.interval_s)) {
            break;  // SIGINT
        }
        auto cur = sample_instances(ctl, args.name);
        const double t = ticker.now();
        if (!cur) {
            return report_error(err, kVerb, cur.error());
        }
        std::vector<InstanceSample> rows;
        for (const auto& info : *cur) {
            InstanceSample row{info, std::nullopt, std::nullopt, std::nullopt};
            if (const InstanceInfo* before = find_instance(*prev, info.name)) {
                row.rates = compute_rates(*before, info, t - prev_t);
            }
            rows.push_back(std::move(row));
        }
        if (args.json) {
            out << watch_sample_to_json(t - start, rows).dump() << '\n';
        } else {
            print_rows(t - start, rows, out);
        }
        out.flush();
        prev = std::move(cur);
        prev_t = t;
        ++samples;
    }
    return kExitOk;
}

int verb_stats_prometheus(Control& ctl, const std::string& name, std::ostream& out,
                          std::ostream& err) {
    constexpr std::string_view kVerb = "stats";
    if (!name.empty()) {
        if (auto valid = validate_name(name); !valid) {
            return report_usage(err, kVerb, valid.error().message);
        }
    }
    auto instances = sample_instances(ctl, name);
    if (!instances) {
        if (instances.error().code == kErrModuleNotLoaded) {
            write_prometheus(out, false, {});  // the collector still learns fastmap_up 0
            return kExitOk;
        }
        return report_error(err, kVerb, instances.error());
    }
    write_prometheus(out, true, *instances);
    return kExitOk;
}

}  // namespace fastmap::cli
