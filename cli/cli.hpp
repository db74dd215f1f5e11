// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl: command line parsing and one function per verb. Each verb takes the Control to
// act on and the streams to write to, and returns the process exit code (exit_codes.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "control.hpp"
#include "monitor.hpp"

namespace fastmap::cli {

// Parses args (without the program name) and runs the verb.
int run(const std::vector<std::string>& args, Control& ctl, std::ostream& out, std::ostream& err);
// The same with the telemetry source and the clock of the monitoring verbs given.
int run(const std::vector<std::string>& args, Control& ctl, const Env& env, std::ostream& out,
        std::ostream& err);

struct AttachArgs {
    std::string device;
    std::string name;
    std::string cache;  // as typed: parse_size() syntax
    std::optional<std::uint32_t> batch;
};
int verb_attach(Control& ctl, const AttachArgs& args, std::ostream& out, std::ostream& err);

int verb_detach(Control& ctl, const std::string& name, std::ostream& out, std::ostream& err);

int verb_list(Control& ctl, bool json, std::ostream& out, std::ostream& err);

int verb_stats(Control& ctl, const std::string& name, bool json, std::ostream& out,
               std::ostream& err);

// fastmapctl stats [NAME] --watch SEC [--count N]: rates every SEC seconds (all instances
// without NAME) until SIGINT (ticker.sleep() false) or N samples.
struct WatchArgs {
    std::string name;  // empty: every instance
    double interval_s = 1.0;
    std::optional<std::uint64_t> count;
};
int verb_stats_watch(Control& ctl, const WatchArgs& args, Ticker& ticker, std::ostream& out,
                     std::ostream& err);

// fastmapctl stats [NAME] --prometheus
int verb_stats_prometheus(Control& ctl, const std::string& name, std::ostream& out,
                          std::ostream& err);

// fastmapctl status [--json]
int verb_status(Control& ctl, bool json, std::ostream& out, std::ostream& err);

// fastmapctl top [--once] [--interval SEC]
struct TopArgs {
    bool once = false;
    double interval_s = 1.0;
};
// With a daemon link, the frame ends with fastmapd's recent decisions.
int verb_top(Control& ctl, const TopArgs& args, const TelemetryFactory& telemetry, Ticker& ticker,
             std::ostream& out, std::ostream& err, DaemonLink* daemon = nullptr);

int verb_version(Control& ctl, bool json, std::ostream& out, std::ostream& err);

// assignments: KEY=VALUE each (params.hpp).
int verb_set(Control& ctl, const std::string& name, const std::vector<std::string>& assignments,
             bool json, std::ostream& out, std::ostream& err);

// key: one parameter (printed alone, in its base unit), or every parameter when empty.
int verb_get(Control& ctl, const std::string& name, const std::string& key, bool json,
             std::ostream& out, std::ostream& err);

int verb_enable(Control& ctl, const std::string& path, std::ostream& out, std::ostream& err);

// A file by path, or by --dev MAJ:MIN and --ino N (for files that are gone).
struct DisableArgs {
    std::string path;
    std::string dev;
    std::optional<std::uint64_t> ino;
};
int verb_disable(Control& ctl, const DisableArgs& args, std::ostream& out, std::ostream& err);

int verb_files(Control& ctl, bool json, std::ostream& out, std::ostream& err);

struct EventsArgs {
    bool json = false;
    std::optional<std::uint64_t> count;  // stop after this many events
    std::optional<double> timeout_s;     // stop after this long
};
int verb_events(Control& ctl, const EventsArgs& args, std::ostream& out, std::ostream& err);

}  // namespace fastmap::cli
