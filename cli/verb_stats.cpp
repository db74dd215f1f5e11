// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl stats [NAME] [--json]
#include "cli.hpp"
#include "exit_codes.hpp"
#include "json.hpp"
#include "monitor.hpp"
#include "output.hpp"
#include "units.hpp"

namespace fastmap::cli {
namespace {

void print_stats(const InstanceInfo& info, std::ostream& out) {
    const Stats& s = info.stats;
    const std::uint64_t page_size = s.cache_pages ? info.cache_bytes / s.cache_pages : 0;
    auto pages = [&](std::uint64_t n) {
        std::string text = percent(n, s.cache_pages) + " of cache";
        if (page_size) {
            text = format_bytes(n * page_size) + ", " + text;
        }
        return text;
    };

    using A = Table::Align;
    Table about({{"", A::kLeft}, {"", A::kLeft}});
    std::string device = info.device;
    if (info.dev.major != 0 || info.dev.minor != 0) {
        device += " (" + info.dev.str() + ")";
    }
    about.add_row({"instance", info.name});
    about.add_row({"id", std::to_string(info.id)});
    if (info.file) {
        // A per-file instance: the file it serves (its device is the file's too).
        about.add_row({"file", info.file->path + " (dev " + info.file->key.dev.str() + ", inode " +
                                   std::to_string(info.file->key.ino) + ")"});
    } else {
        about.add_row({"device", device});
    }
    about.add_row({"size", format_bytes(info.size_bytes)});
    about.add_row({"cache", format_bytes(info.cache_bytes) + " (" + std::to_string(s.cache_pages) +
                                " pages)"});
    about.add_row({"batch", std::to_string(info.batch_pages) + " pages"});
    about.add_row({"dirty ratio", std::to_string(info.dirty_ratio) + "%"});
    about.add_row({"wb interval", format_duration_ms(info.wb_interval_ms)});
    about.add_row({"open", std::to_string(info.open_count)});
    about.print(out);
    out << '\n';

    Table counters({{"COUNTER", A::kLeft}, {"VALUE", A::kRight}, {"", A::kLeft}});
    for (const auto& field : kStatFields) {
        const std::uint64_t value = s.*field.member;
        std::string note;
        if (field.member == &Stats::hits || field.member == &Stats::misses ||
            field.member == &Stats::evict_stalls) {
            note = s.faults ? percent(value, s.faults) + " of faults" : "";
        } else if (field.member == &Stats::dirty_pages || field.member == &Stats::cached_pages ||
                   field.member == &Stats::free_pages) {
            note = pages(value);
        } else if (field.member == &Stats::cache_pages && page_size) {
            note = std::to_string(page_size) + "-byte pages";
        }
        counters.add_row({std::string(field.key), std::to_string(value), note});
    }
    counters.print(out);
}

// Every instance, one line each: the counters since attach and the gauges now.
void print_all(const std::vector<InstanceInfo>& instances, std::ostream& out) {
    if (instances.empty()) {
        out << "no fastmap instances\n";
        return;
    }
    using A = Table::Align;
    Table table({{"NAME", A::kLeft},
                 {"FAULTS", A::kRight},
                 {"HIT%", A::kRight},
                 {"EVICTIONS", A::kRight},
                 {"SHOOTDOWNS", A::kRight},
                 {"READ_IOS", A::kRight},
                 {"WB_BIOS", A::kRight},
                 {"WB_PAGES", A::kRight},
                 {"STALLS", A::kRight},
                 {"ERRORS", A::kRight},
                 {"DIRTY", A::kRight},
                 {"CACHED", A::kRight},
                 {"CACHE", A::kRight}});
    for (const auto& info : instances) {
        const Stats& s = info.stats;
        table.add_row(
            {info.name, std::to_string(s.faults), percent(s.hits, s.faults),
             std::to_string(s.evictions), std::to_string(s.shootdowns), std::to_string(s.read_ios),
             std::to_string(s.wb_bios), std::to_string(s.wb_pages), std::to_string(s.evict_stalls),
             std::to_string(s.read_errors + s.write_errors),
             format_bytes(s.dirty_pages * page_size(info)),
             format_bytes(s.cached_pages * page_size(info)), format_bytes(info.cache_bytes)});
    }
    table.print(out);
}

int stats_all(Control& ctl, bool json, std::ostream& out, std::ostream& err) {
    auto instances = ctl.list();
    if (!instances) {
        return report_error(err, "stats", instances.error());
    }
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& info : *instances) {
            list.push_back(stats_report_to_json(info));
        }
        out << nlohmann::json{{"instances", std::move(list)}}.dump(2) << '\n';
    } else {
        print_all(*instances, out);
    }
    return kExitOk;
}

}  // namespace

int verb_stats(Control& ctl, const std::string& name, bool json, std::ostream& out,
               std::ostream& err) {
    constexpr std::string_view kVerb = "stats";
    if (name.empty()) {
        return stats_all(ctl, json, out, err);
    }
    if (auto valid = validate_name(name); !valid) {
        return report_usage(err, kVerb, valid.error().message);
    }
    auto info = ctl.get(name);
    if (!info) {
        return report_error(err, kVerb, info.error());
    }
    if (json) {
        out << stats_report_to_json(*info).dump(2) << '\n';
    } else {
        print_stats(*info, out);
    }
    return kExitOk;
}

}  // namespace fastmap::cli
