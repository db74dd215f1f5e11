// SPDX-License-Identifier: GPL-2.0-only
// Pieces of the monitoring verbs (status, stats --watch/--prometheus, top): a clock that can be
// faked, rates between two samples, the Prometheus text format and the telemetry source.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "result.hpp"
#include "telemetry/histogram.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::cli {

class DaemonLink;
struct RunSystem;

// Time for the sampling loops. The real one stops sleeping on SIGINT.
class Ticker {
public:
    virtual ~Ticker() = default;
    // Monotonic seconds.
    virtual double now() = 0;
    // Sleeps; false when interrupted (SIGINT): the loop ends normally.
    virtual bool sleep(double seconds) = 0;
};

// steady_clock and nanosleep(); catches SIGINT while it exists (restores the old handler).
class RealTicker final : public Ticker {
public:
    RealTicker();
    ~RealTicker() override;
    RealTicker(const RealTicker&) = delete;
    RealTicker& operator=(const RealTicker&) = delete;
    double now() override;
    bool sleep(double seconds) override;
};

// Opens and attaches the BPF telemetry for `top`; an error says why it is unavailable.
using TelemetryFactory = std::function<Result<std::unique_ptr<telemetry::Telemetry>>()>;

// What run() needs besides the Control: injectable for tests.
struct Env {
    TelemetryFactory telemetry;    // unset: "fastmapctl was built without BPF telemetry"
    Ticker* ticker = nullptr;      // unset: a RealTicker
    DaemonLink* daemon = nullptr;  // unset: fastmapd is not running (or --no-daemon)
    // With the daemon: the kernel's own Control, for what fastmapd's API cannot carry (enable
    // --cache). Unset: the Control given to run() is the kernel's.
    Control* kernel = nullptr;
    const RunSystem* run = nullptr;  // unset: real_run_system()
};

// Bytes per cache page (0 when the instance reports no pages).
std::uint64_t page_size(const InstanceInfo& info);

// Per-second rates of the counters between two samples of one instance. A counter that went
// down (the instance was re-created, or a wrap) counts from 0: rates are never negative.
struct Rates {
    double faults = 0;
    double hits = 0;
    double misses = 0;
    double evictions = 0;
    double shootdowns = 0;
    double wb_pages = 0;
    double read_ios = 0;             // read bios submitted
    double wb_bios = 0;              // write bios submitted
    std::uint64_t delta_faults = 0;  // over the interval, for the hit ratio
    std::uint64_t delta_hits = 0;
};
// Device I/O operations per second: read bios plus write bios.
inline double iops(const Rates& r) {
    return r.read_ios + r.wb_bios;
}
// seconds <= 0 gives zero rates. An instance whose id changed counts from 0.
Rates compute_rates(const InstanceInfo& prev, const InstanceInfo& cur, double seconds);

// "12.5"; one decimal.
std::string format_rate(double per_second);
// 850 -> "850 ns", 12345 -> "12.3 µs" (U+00B5), 2500000 -> "2.5 ms", "1.20 s".
std::string format_ns(std::uint64_t ns);

// cur - prev, slot by slot (a slot that went down counts from 0).
telemetry::Histogram histogram_delta(const telemetry::Histogram& prev,
                                     const telemetry::Histogram& cur);

// Prometheus text exposition: a label value with \, " and newline escaped.
std::string prometheus_escape(std::string_view value);
// Every metric (HELP, TYPE, one sample per instance), fastmap_instance_info (1, labelled with
// name, device, dev and, for file instances, file) and fastmap_up. up=false: only fastmap_up 0.
void write_prometheus(std::ostream& out, bool up, const std::vector<InstanceInfo>& instances);

}  // namespace fastmap::cli
