// SPDX-License-Identifier: GPL-2.0-only
#include "monitor.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>

namespace fastmap::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
struct sigaction g_old_action {};

extern "C" void on_sigint(int /*sig*/) {
    g_interrupted = 1;
}

std::uint64_t delta(std::uint64_t prev, std::uint64_t cur) {
    return cur >= prev ? cur - prev : cur;
}

}  // namespace

RealTicker::RealTicker() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: nanosleep returns EINTR
    sigaction(SIGINT, &action, &g_old_action);
}

RealTicker::~RealTicker() {
    sigaction(SIGINT, &g_old_action, nullptr);
}

double RealTicker::now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool RealTicker::sleep(double seconds) {
    if (g_interrupted) {
        return false;
    }
    struct timespec left {};
    left.tv_sec = static_cast<std::time_t>(seconds);
    left.tv_nsec = static_cast<long>((seconds - static_cast<double>(left.tv_sec)) * 1e9);
    while (nanosleep(&left, &left) != 0) {
        if (errno != EINTR || g_interrupted) {
            break;
        }
    }
    return g_interrupted == 0;
}

std::uint64_t page_size(const InstanceInfo& info) {
    return info.stats.cache_pages ? info.cache_bytes / info.stats.cache_pages : 0;
}

Rates compute_rates(const InstanceInfo& prev, const InstanceInfo& cur, double seconds) {
    const Stats zero;
    const Stats& p = prev.id == cur.id ? prev.stats : zero;
    const Stats& c = cur.stats;
    Rates r;
    r.delta_faults = delta(p.faults, c.faults);
    r.delta_hits = delta(p.hits, c.hits);
    if (!(seconds > 0)) {
        return r;
    }
    auto rate = [&](std::uint64_t a, std::uint64_t b) {
        return static_cast<double>(delta(a, b)) / seconds;
    };
    r.faults = rate(p.faults, c.faults);
    r.hits = rate(p.hits, c.hits);
    r.misses = rate(p.misses, c.misses);
    r.evictions = rate(p.evictions, c.evictions);
    r.shootdowns = rate(p.shootdowns, c.shootdowns);
    r.wb_pages = rate(p.wb_pages, c.wb_pages);
    r.read_ios = rate(p.read_ios, c.read_ios);
    r.wb_bios = rate(p.wb_bios, c.wb_bios);
    return r;
}

std::string format_rate(double per_second) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%.1f", per_second);
    return buf;
}

std::string format_ns(std::uint64_t ns) {
    char buf[48];
    const double v = static_cast<double>(ns);
    if (ns < 1000) {
        std::snprintf(buf, sizeof(buf), "%llu ns", static_cast<unsigned long long>(ns));
    } else if (ns < 1000000) {
        std::snprintf(buf, sizeof(buf), "%.1f \u00b5s", v / 1e3);
    } else if (ns < 1000000000) {
        std::snprintf(buf, sizeof(buf), "%.1f ms", v / 1e6);
    } else {
        std::snprintf(buf, sizeof(buf), "%.2f s", v / 1e9);
    }
    return buf;
}

telemetry::Histogram histogram_delta(const telemetry::Histogram& prev,
                                     const telemetry::Histogram& cur) {
    telemetry::Histogram out;
    for (std::size_t i = 0; i < telemetry::Histogram::kSlots; ++i) {
        out.slots[i] = delta(prev.slots[i], cur.slots[i]);
    }
    return out;
}

std::string prometheus_escape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char ch : value) {
        switch (ch) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

void write_prometheus(std::ostream& out, bool up, const std::vector<InstanceInfo>& instances) {
    struct Metric {
        const char* name;
        const char* type;
        const char* help;
        std::uint64_t (*value)(const InstanceInfo&);
    };
    static const Metric kMetrics[] = {
        {"fastmap_faults_total", "counter", "Page faults served (read and write).",
         [](const InstanceInfo& i) { return i.stats.faults; }},
        {"fastmap_hits_total", "counter", "Page faults served from the DRAM cache.",
         [](const InstanceInfo& i) { return i.stats.hits; }},
        {"fastmap_misses_total", "counter", "Page faults that read the device.",
         [](const InstanceInfo& i) { return i.stats.misses; }},
        {"fastmap_evictions_total", "counter", "Cache pages evicted.",
         [](const InstanceInfo& i) { return i.stats.evictions; }},
        {"fastmap_mkwrite_total", "counter", "Write faults on mapped clean pages.",
         [](const InstanceInfo& i) { return i.stats.mkwrite; }},
        {"fastmap_evict_batches_total", "counter", "Eviction batches.",
         [](const InstanceInfo& i) { return i.stats.evict_batches; }},
        {"fastmap_shootdowns_total", "counter", "TLB shootdown rounds.",
         [](const InstanceInfo& i) { return i.stats.shootdowns; }},
        {"fastmap_writeback_pages_total", "counter", "Dirty pages written back to the device.",
         [](const InstanceInfo& i) { return i.stats.wb_pages; }},
        {"fastmap_evict_stalls_total", "counter", "Page faults that found no free cache frame.",
         [](const InstanceInfo& i) { return i.stats.evict_stalls; }},
        {"fastmap_writeback_bios_total", "counter", "Write bios submitted to the device.",
         [](const InstanceInfo& i) { return i.stats.wb_bios; }},
        {"fastmap_read_ios_total", "counter", "Read bios submitted to the device.",
         [](const InstanceInfo& i) { return i.stats.read_ios; }},
        {"fastmap_outside_writes_total", "counter",
         "File instances: writes and truncates of the file from outside fastmap.",
         [](const InstanceInfo& i) { return i.stats.outside_writes; }},
        {"fastmap_read_errors_total", "counter", "Failed device reads.",
         [](const InstanceInfo& i) { return i.stats.read_errors; }},
        {"fastmap_write_errors_total", "counter", "Failed device writes.",
         [](const InstanceInfo& i) { return i.stats.write_errors; }},
        {"fastmap_cache_bytes", "gauge", "DRAM cache size in bytes.",
         [](const InstanceInfo& i) { return i.cache_bytes; }},
        {"fastmap_dirty_bytes", "gauge", "Dirty cache pages, in bytes.",
         [](const InstanceInfo& i) { return i.stats.dirty_pages * page_size(i); }},
        {"fastmap_cached_bytes", "gauge", "Cache pages holding data, in bytes.",
         [](const InstanceInfo& i) { return i.stats.cached_pages * page_size(i); }},
        {"fastmap_free_bytes", "gauge", "Free cache pages, in bytes.",
         [](const InstanceInfo& i) { return i.stats.free_pages * page_size(i); }},
    };
    out << "# HELP fastmap_up Whether the fastmap kernel module is loaded and answered.\n"
        << "# TYPE fastmap_up gauge\n"
        << "fastmap_up " << (up ? 1 : 0) << '\n';
    if (!up) {
        return;
    }
    out << "# HELP fastmap_instance_info An attached instance (always 1): its device or file.\n"
        << "# TYPE fastmap_instance_info gauge\n";
    for (const auto& info : instances) {
        out << "fastmap_instance_info{name=\"" << prometheus_escape(info.name) << "\",id=\""
            << info.id << "\",device=\"" << prometheus_escape(info.device) << "\",dev=\""
            << info.dev.str() << '"';
        if (info.file) {
            out << ",file=\"" << prometheus_escape(info.file->path) << '"';
        }
        out << "} 1\n";
    }
    for (const Metric& m : kMetrics) {
        out << "# HELP " << m.name << ' ' << m.help << '\n'
            << "# TYPE " << m.name << ' ' << m.type << '\n';
        for (const auto& info : instances) {
            out << m.name << "{name=\"" << prometheus_escape(info.name) << "\"} " << m.value(info)
                << '\n';
        }
    }
}

}  // namespace fastmap::cli
