// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <memory>

#include "cli_daemon.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

namespace fastmap::cli {

int run(const std::vector<std::string>& args, Control& ctl, std::ostream& out, std::ostream& err) {
    return run(args, ctl, Env{}, out, err);
}

int run(const std::vector<std::string>& args, Control& ctl, const Env& env, std::ostream& out,
        std::ostream& err) {
    CLI::App app{"Control fastmap memory-mapped I/O caches over block devices.", "fastmapctl"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("fastmapctl ") + FASTMAP_VERSION);

    AttachArgs attach_args;
    std::uint32_t batch = 0;
    auto* attach = app.add_subcommand("attach", "Attach a cache to a block device (root)");
    attach->add_option("device", attach_args.device, "Block device, e.g. /dev/nvme0n1")->required();
    attach->add_option("-n,--name", attach_args.name, "Instance name: 1-31 of [A-Za-z0-9_.-]")
        ->required();
    attach
        ->add_option("-c,--cache", attach_args.cache,
                     "DRAM cache size: bytes or K, M, G, T (KiB...TiB, 1024-based), e.g. 512M")
        ->required();
    auto* batch_opt =
        attach->add_option("-b,--batch", batch, "Eviction batch in pages (1-4096; default 512)");

    std::string name;
    bool json = false;
    auto* detach = app.add_subcommand("detach", "Detach an instance (root)");
    detach->add_option("name", name, "Instance name")->required();

    auto* list = app.add_subcommand("list", "List the attached instances");
    list->add_flag("-j,--json", json, "JSON output");

    auto* stats = app.add_subcommand(
        "stats", "Show an instance's configuration and counters, rates, or Prometheus metrics");
    stats->add_option("name", name, "Instance name (default: every instance)");
    auto* stats_json = stats->add_flag("-j,--json", json, "JSON output");
    double watch = 1.0;
    std::uint64_t watch_count = 0;
    bool prometheus = false;
    auto* watch_opt = stats->add_option(
        "-w,--watch", watch,
        "Print rates every SEC seconds until interrupted (with --json: JSON Lines)");
    auto* watch_count_opt =
        stats->add_option("-n,--count", watch_count, "With --watch: stop after N samples");
    auto* prometheus_opt = stats->add_flag(
        "-p,--prometheus", prometheus, "Prometheus text format (node_exporter textfile collector)");
    watch_opt->excludes(prometheus_opt);
    prometheus_opt->excludes(stats_json);
    watch_count_opt->needs(watch_opt);

    auto* status = app.add_subcommand("status", "Show the module, the instances and the files");
    status->add_flag("-j,--json", json, "JSON output");

    TopArgs top_args;
    auto* top = app.add_subcommand("top", "Show every instance's activity, refreshed");
    top->add_flag("-1,--once", top_args.once, "Print one frame without terminal codes, then exit");
    top->add_option("-i,--interval", top_args.interval_s, "Seconds between frames (default 1)");
    top->add_flag("-j,--json", top_args.json, "With --once: the frame as JSON");

    auto* version = app.add_subcommand("version", "Show fastmapctl's and the module's versions");
    version->add_flag("-j,--json", json, "JSON output");

    std::vector<std::string> assignments;
    auto* set = app.add_subcommand("set", "Change an instance's parameters (root)");
    set->add_option("name", name, "Instance name")->required();
    set->add_option("assignments", assignments,
                    "KEY=VALUE: cache=SIZE, batch=PAGES, dirty_ratio=PERCENT, wb_interval=MS "
                    "(or 5s, 2min, 1h, off)");
    set->add_flag("-j,--json", json, "Print the instance as JSON");

    std::string key;
    auto* get = app.add_subcommand("get", "Show an instance's parameters, or one of them");
    get->add_option("name", name, "Instance name")->required();
    get->add_option("key", key,
                    "One parameter, printed alone in its base unit: id, device, dev, size, "
                    "cache, batch, dirty_ratio, wb_interval");
    get->add_flag("-j,--json", json, "JSON output");

    EnableArgs enable_args;
    auto* enable = app.add_subcommand("enable", "Add a file to the enable table (root)");
    enable->add_option("file", enable_args.path, "A regular file on ext4 or xfs")->required();
    enable->add_option("-c,--cache", enable_args.cache,
                       "The file's fastmap cache: bytes or K, M, G, T (default: the module's "
                       "file_cache_mb)");

    DisableArgs disable_args;
    std::uint64_t ino = 0;
    auto* disable = app.add_subcommand("disable", "Remove a file from the enable table (root)");
    disable->add_option("file", disable_args.path, "A regular file");
    disable->add_option("--dev", disable_args.dev,
                        "Instead of FILE: the device as MAJOR:MINOR (see `files`)");
    auto* ino_opt = disable->add_option("--ino", ino, "Instead of FILE: the inode number");

    auto* files = app.add_subcommand("files", "List the enable table");
    files->add_flag("-j,--json", json, "JSON output");

    EventsArgs events_args;
    std::uint64_t count = 0;
    double timeout = 0;
    auto* events = app.add_subcommand("events", "Print fastmap events as they arrive");
    events->add_flag("-j,--json", events_args.json, "One JSON object per line");
    auto* count_opt = events->add_option("-n,--count", count, "Exit after N events");
    auto* timeout_opt =
        events->add_option("-t,--timeout", timeout, "Exit after SEC seconds (fractions allowed)");

    // `run` is parsed by hand (split_run_args()): everything after COMMAND is COMMAND's. This
    // subcommand is for --help.
    RunArgs run_args;
    auto* run_verb = app.add_subcommand(
        "run", "Run a command with fastmap serving its enabled files (LD_PRELOAD)");
    run_verb->add_flag("-q,--quiet", run_args.quiet, "No warnings (statically linked COMMAND)");
    run_verb->add_option("command", run_args.command, "COMMAND [ARGS...], after --")->required();

    DaemonVerbs daemon_verbs;
    daemon_verbs.add(app);
    bool no_daemon = false;
    app.add_flag("--no-daemon", no_daemon,
                 "Talk to the kernel directly even when fastmapd is running");

    std::string run_error;
    switch (split_run_args(args, run_args, run_error)) {
        case RunSplit::kRun:
            if (env.run != nullptr) {
                return verb_run(run_args, *env.run, out, err);
            }
            return verb_run(run_args, real_run_system(), out, err);
        case RunSplit::kError:
            return report_usage(err, "run", run_error);
        case RunSplit::kNotRun:
            break;
    }

    std::vector<const char*> argv{"fastmapctl"};
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e, out, err);
        return rc == 0 ? kExitOk : kExitUsage;
    }

    if (auto rc = daemon_verbs.dispatch(env, out, err)) {
        return *rc;
    }
    if (attach->parsed()) {
        if (batch_opt->count() > 0) {
            attach_args.batch = batch;
        }
        return verb_attach(ctl, attach_args, out, err);
    }
    if (detach->parsed()) {
        return verb_detach(ctl, name, out, err);
    }
    if (list->parsed()) {
        return verb_list(ctl, json, out, err);
    }
    std::unique_ptr<RealTicker> real_ticker;
    auto ticker = [&]() -> Ticker& {
        if (env.ticker != nullptr) {
            return *env.ticker;
        }
        real_ticker = std::make_unique<RealTicker>();
        return *real_ticker;
    };
    if (stats->parsed()) {
        if (watch_opt->count() > 0) {
            WatchArgs watch_args{name, watch, std::nullopt, json};
            if (watch_count_opt->count() > 0) {
                watch_args.count = watch_count;
            }
            return verb_stats_watch(ctl, watch_args, ticker(), out, err);
        }
        if (prometheus) {
            return verb_stats_prometheus(ctl, name, out, err);
        }
        return verb_stats(ctl, name, json, out, err);
    }
    if (status->parsed()) {
        return verb_status(ctl, json, out, err);
    }
    if (top->parsed()) {
        return verb_top(ctl, top_args, env.telemetry, ticker(), out, err, env.daemon);
    }
    if (version->parsed()) {
        return verb_version(ctl, json, out, err);
    }
    if (set->parsed()) {
        return verb_set(ctl, name, assignments, json, out, err);
    }
    if (get->parsed()) {
        return verb_get(ctl, name, key, json, out, err);
    }
    if (enable->parsed()) {
        return verb_enable(ctl, enable_args, out, err, env.kernel);
    }
    if (disable->parsed()) {
        if (ino_opt->count() > 0) {
            disable_args.ino = ino;
        }
        return verb_disable(ctl, disable_args, out, err);
    }
    if (files->parsed()) {
        return verb_files(ctl, json, out, err);
    }
    if (run_verb->parsed()) {  // (split_run_args() takes every valid `run` before parse())
        if (env.run != nullptr) {
            return verb_run(run_args, *env.run, out, err);
        }
        return verb_run(run_args, real_run_system(), out, err);
    }
    if (events->parsed()) {
        if (count_opt->count() > 0) {
            events_args.count = count;
        }
        if (timeout_opt->count() > 0) {
            events_args.timeout_s = timeout;
        }
        return verb_events(ctl, events_args, out, err);
    }
    return kExitUsage;  // not reached: require_subcommand(1)
}

}  // namespace fastmap::cli
