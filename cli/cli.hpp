// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl: command line parsing and one function per verb. Each verb takes the Control to
// act on and the streams to write to, and returns the process exit code (exit_codes.hpp).
#pragma once

#include <cstdint>
#include <functional>
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

// name empty: every instance (a table; JSON {"instances": [stats report, ...]}).
int verb_stats(Control& ctl, const std::string& name, bool json, std::ostream& out,
               std::ostream& err);

// fastmapctl stats [NAME] --watch SEC [--count N]: rates every SEC seconds (all instances
// without NAME) until SIGINT (ticker.sleep() false) or N samples.
struct WatchArgs {
    std::string name;  // empty: every instance
    double interval_s = 1.0;
    std::optional<std::uint64_t> count;
    bool json = false;  // one JSON object per sample and line (JSON Lines), no header
};
int verb_stats_watch(Control& ctl, const WatchArgs& args, Ticker& ticker, std::ostream& out,
                     std::ostream& err);

// fastmapctl stats [NAME] --prometheus
int verb_stats_prometheus(Control& ctl, const std::string& name, std::ostream& out,
                          std::ostream& err);

// fastmapctl status [--json]
int verb_status(Control& ctl, bool json, std::ostream& out, std::ostream& err);

// fastmapctl top [--once [--json]] [--interval SEC]
struct TopArgs {
    bool once = false;
    bool json = false;  // with once: the frame as one JSON object
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

// fastmapctl enable FILE [--cache SIZE]
struct EnableArgs {
    std::string path;
    std::string cache;  // as typed (parse_size() syntax); empty: the module's default
};
// kernel: the kernel's Control when ctl is fastmapd's, for what the daemon's API cannot carry
// (a per-file cache size); null when ctl already is the kernel's.
int verb_enable(Control& ctl, const EnableArgs& args, std::ostream& out, std::ostream& err,
                Control* kernel = nullptr);

// A file by path, or by --dev MAJ:MIN and --ino N (for files that are gone).
struct DisableArgs {
    std::string path;
    std::string dev;
    std::optional<std::uint64_t> ino;
};
int verb_disable(Control& ctl, const DisableArgs& args, std::ostream& out, std::ostream& err);

int verb_files(Control& ctl, bool json, std::ostream& out, std::ostream& err);

// fastmapctl run [--quiet] -- COMMAND ARGS... (verb_run.cpp)
struct RunArgs {
    bool quiet = false;                // no warnings (statically linked COMMAND)
    std::vector<std::string> command;  // COMMAND and its arguments
};

// What `run` needs from the system; tests replace the parts they need to.
struct RunSystem {
    // Environment variables (FASTMAP_PRELOAD_LIB, FASTMAP_CONTROL, LD_PRELOAD, PATH).
    std::function<std::optional<std::string>(const std::string&)> getenv;
    std::string control_node;  // FASTMAP_CONTROL_NODE unless $FASTMAP_CONTROL says otherwise
    // 0 when the control node offers per-file mode, else an errno: ENOTTY (a module without
    // per-file mode), or why it could not be opened.
    std::function<int(const std::string& control)> probe_control;
    std::string self_exe;       // fastmapctl's own path (the preload is looked for next to it)
    std::string build_preload;  // the build tree's libfastmap-preload.so ("" if none)
    // Replaces the process with path (argv as given, LD_PRELOAD set to ld_preload); returns
    // only when that failed, with the errno.
    std::function<int(const std::string& path, const std::vector<std::string>& argv,
                      const std::string& ld_preload)>
        exec;
};
// The real system: getenv(), /proc/self/exe, open+ioctl, setenv+execv.
RunSystem real_run_system();

// Where libfastmap-preload.so is: $FASTMAP_PRELOAD_LIB, else next to fastmapctl's install
// (<exe_dir>/../LIBDIR/fastmap/, ../lib/fastmap/, ../lib/<multiarch>/fastmap/), else the build
// tree. Empty when none exists; tried lists the paths looked at.
std::string find_preload(const RunSystem& sys, std::vector<std::string>* tried = nullptr);

// Whether an executable can be reached by LD_PRELOAD: ELF with a PT_INTERP program header.
enum class ElfLinkage { kDynamic, kStatic, kNotElf, kUnreadable };
ElfLinkage elf_linkage(const std::string& path);

// COMMAND as execvp() would find it (with a '/': as is; else along PATH). Empty with errno-like
// code in *err (ENOENT, EACCES) when there is none.
std::string resolve_command(const std::string& command, const std::optional<std::string>& path,
                            int* err);

int verb_run(const RunArgs& args, const RunSystem& sys, std::ostream& out, std::ostream& err);

// Whether args are `[--no-daemon] run [-q|--quiet] [--] COMMAND ARGS...`: kRun fills out;
// kError sets error (an unknown option, no COMMAND); kNotRun for any other verb, and for `run`
// with --help/-h (CLI11 prints the help).
enum class RunSplit { kNotRun, kRun, kError };
RunSplit split_run_args(const std::vector<std::string>& args, RunArgs& out, std::string& error);

struct EventsArgs {
    bool json = false;
    std::optional<std::uint64_t> count;  // stop after this many events
    std::optional<double> timeout_s;     // stop after this long
};
int verb_events(Control& ctl, const EventsArgs& args, std::ostream& out, std::ostream& err);

}  // namespace fastmap::cli
