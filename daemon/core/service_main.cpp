// SPDX-License-Identifier: GPL-2.0-only
#include "core/service_main.hpp"

#include <signal.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "core/daemon.hpp"
#include "core/host.hpp"
#include "core/telemetry_holder.hpp"
#include "dbus/authorizer.hpp"
#include "dbus/names.hpp"
#include "dbus/service.hpp"
#include "engine/proc_maps.hpp"
#include "engine/trace.hpp"
#include "netlink_control.hpp"
#include "policy/policy_loader.hpp"
#ifdef FASTMAP_HAVE_BPF_TELEMETRY
#include "telemetry/bpf_telemetry.hpp"
#endif

namespace fastmap::daemon {

namespace {

namespace tm = fastmap::telemetry;

struct EventDeleter {
    void operator()(sd_event* e) const { sd_event_unref(e); }
};
struct SourceDeleter {
    void operator()(sd_event_source* s) const { sd_event_source_unref(s); }
};
struct BusDeleter {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
using EventPtr = std::unique_ptr<sd_event, EventDeleter>;
using SourcePtr = std::unique_ptr<sd_event_source, SourceDeleter>;
using BusPtr = std::unique_ptr<sd_bus, BusDeleter>;

std::string errno_text(int r) {
    return std::strerror(r < 0 ? -r : r);
}

TelemetryHolder::Factory bpf_factory() {
#ifdef FASTMAP_HAVE_BPF_TELEMETRY
    return [](tm::Programs which) -> Result<std::unique_ptr<tm::Telemetry>> {
        auto bpf = tm::BpfTelemetry::open();
        if (!bpf) {
            return std::move(bpf).error();
        }
        if (auto attached = (*bpf)->attach(which); !attached) {
            return std::move(attached).error();
        }
        return std::unique_ptr<tm::Telemetry>(std::move(*bpf));
    };
#else
    return [](tm::Programs) -> Result<std::unique_ptr<tm::Telemetry>> {
        return Error{ENOTSUP, "fastmapd was built without BPF telemetry"};
    };
#endif
}

bool module_tracepoints() {
#ifdef FASTMAP_HAVE_BPF_TELEMETRY
    return tm::fastmap_tracepoints_present();
#else
    return false;
#endif
}

// Everything the event loop's callbacks need.
struct Loop {
    Daemon* daemon = nullptr;
    Logger* log = nullptr;
    TelemetryHolder* telemetry = nullptr;
    Host* host = nullptr;
    sd_event_source* timer = nullptr;
    dbus::DbusService* service = nullptr;
    std::uint32_t armed_ms = 0;
    std::ofstream trace;
};

int arm_timer(Loop& loop) {
    const std::uint32_t ms = loop.daemon->interval_ms();
    loop.armed_ms = ms;
    // sd-event's default accuracy (250 ms) made a 1 s interval ~1.25 s: allow 1% of it.
    int r = sd_event_source_set_time_accuracy(loop.timer, std::uint64_t{ms} * 10ULL);
    if (r >= 0) {
        r = sd_event_source_set_time_relative(loop.timer, std::uint64_t{ms} * 1000ULL);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(loop.timer, SD_EVENT_ONESHOT);
    }
    return r;
}

int on_timer(sd_event_source* /*s*/, std::uint64_t /*usec*/, void* userdata) {
    auto& loop = *static_cast<Loop*>(userdata);
    loop.daemon->set_telemetry(loop.telemetry->get(loop.host->monotonic_ms()));
    loop.daemon->tick();
    return arm_timer(loop);
}

void notify_status(Daemon& daemon) {
    const PolicyState st = daemon.policy();
    std::string status = "STATUS=";
    if (!st.last_error.empty()) {
        status += "policy reload failed, old policy in force: " +
                  st.last_error.substr(0, st.last_error.find('\n'));
    } else {
        status += "policy from " +
                  (st.sources.empty() ? std::string("built-in defaults")
                                      : std::to_string(st.sources.size()) + " file(s)") +
                  ", interval " + std::to_string(st.interval_ms) + " ms";
    }
    sd_notify(0, status.c_str());
}

int on_sighup(sd_event_source* /*s*/, const signalfd_siginfo* /*si*/, void* userdata) {
    auto& loop = *static_cast<Loop*>(userdata);
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
    (void)loop.daemon->reload_policy();  // logs why it failed; the old policy stays
    if (loop.armed_ms != loop.daemon->interval_ms()) {
        arm_timer(loop);
    }
    if (loop.service != nullptr) {
        loop.service->policy_changed();
        loop.service->files_changed();  // the reload may enable or disable the policy's files
    }
    sd_notify(0, "READY=1");
    notify_status(*loop.daemon);
    return 0;
}

int check_policy(const Options& opt) {
    const PolicyPaths paths =
        opt.root.empty() ? default_policy_paths() : policy_paths_under(opt.root);
    const LoadResult loaded = load_policy(paths);
    for (const auto& issue : loaded.issues) {
        std::cerr << issue.str() << "\n";
    }
    if (!loaded.ok()) {
        return 1;
    }
    std::cout << "policy valid (" << loaded.policy->sources.size() << " file(s))\n";
    return 0;
}

Result<BusPtr> open_bus(const std::string& address) {
    sd_bus* raw = nullptr;
    int r = 0;
    if (address.empty()) {
        r = sd_bus_open_system_with_description(&raw, "fastmapd");
    } else {
        r = sd_bus_new(&raw);
        if (r >= 0) {
            r = sd_bus_set_address(raw, address.c_str());
        }
        if (r >= 0) {
            r = sd_bus_set_bus_client(raw, 1);
        }
        if (r >= 0) {
            r = sd_bus_start(raw);
        }
    }
    BusPtr bus(raw);
    if (r < 0) {
        return Error{-r, "cannot connect to the " +
                             (address.empty() ? std::string("system bus") : address) + ": " +
                             errno_text(r)};
    }
    return bus;
}

}  // namespace

int service_main(const Options& opt) {
    if (opt.check) {
        return check_policy(opt);
    }
    StderrLogger log;
    RealHost host(opt.root.empty() ? default_policy_paths() : policy_paths_under(opt.root));
    NetlinkControl ctl;
    ProcMapsResolver paths("/proc");
    Daemon daemon(ctl, host, log, &paths);
    daemon.set_state_file(state_file_under(opt.root.empty() ? "/" : opt.root));
    if (auto started = daemon.start(); !started) {
        log.log(LogLevel::kError, "invalid policy, not starting:\n" + started.error().message);
        sd_notifyf(0, "STATUS=invalid policy\nERRNO=%d", EINVAL);
        return 1;
    }

    TelemetryHolder telemetry(
        opt.no_telemetry
            ? TelemetryHolder::Factory([](tm::Programs) -> Result<std::unique_ptr<tm::Telemetry>> {
                  return Error{ENOTSUP, "disabled with --no-telemetry"};
              })
            : bpf_factory(),
        module_tracepoints, log);

    Loop loop;
    loop.daemon = &daemon;
    loop.log = &log;
    loop.telemetry = &telemetry;
    loop.host = &host;
    if (!opt.record_trace.empty()) {
        loop.trace.open(opt.record_trace, std::ios::app);
        if (!loop.trace) {
            log.log(LogLevel::kError, "cannot open " + opt.record_trace);
            return 1;
        }
        daemon.set_trace_sink([&loop](const Observation& obs) {
            loop.trace << observation_to_json(obs).dump() << "\n";
            loop.trace.flush();
        });
    }

    sd_event* raw_event = nullptr;
    int r = sd_event_default(&raw_event);
    EventPtr event(raw_event);
    if (r < 0) {
        log.log(LogLevel::kError, "sd_event_default: " + errno_text(r));
        return 1;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    // A null handler makes sd-event exit the loop on the signal.
    sd_event_source* raw = nullptr;
    sd_event_add_signal(event.get(), &raw, SIGTERM, nullptr, nullptr);
    SourcePtr term(raw);
    sd_event_add_signal(event.get(), &raw, SIGINT, nullptr, nullptr);
    SourcePtr intr(raw);
    sd_event_add_signal(event.get(), &raw, SIGHUP, on_sighup, &loop);
    SourcePtr hup(raw);
    // Pings the watchdog (WatchdogSec=) from the loop itself: a hung loop gets restarted.
    sd_event_set_watchdog(event.get(), 1);

    r = sd_event_add_time_relative(event.get(), &raw, CLOCK_MONOTONIC, 0, 0, on_timer, &loop);
    if (r < 0) {
        log.log(LogLevel::kError, "timer: " + errno_text(r));
        return 1;
    }
    SourcePtr timer(raw);
    loop.timer = timer.get();

    // The first BPF load (seconds on a slow or debug kernel) happens before the bus name is
    // owned and READY=1 is sent, so a started daemon answers at once; later attaches (the
    // module's group when the module appears) happen in the loop.
    (void)telemetry.get(host.monotonic_ms());

    auto bus = open_bus(opt.bus_address);
    if (!bus) {
        log.log(LogLevel::kError, bus.error().message);
        return 1;
    }
    r = sd_bus_attach_event(bus->get(), event.get(), SD_EVENT_PRIORITY_NORMAL);
    if (r < 0) {
        log.log(LogLevel::kError, "sd_bus_attach_event: " + errno_text(r));
        return 1;
    }
    const dbus::LogFn bus_log = [&log](std::string_view line) {
        log.log(LogLevel::kWarning, "dbus: " + std::string(line));
    };
    dbus::PolkitAuthorizer::Options auth_options;
    auth_options.log = bus_log;
    dbus::PolkitAuthorizer auth(auth_options);
    auto service = dbus::DbusService::create(bus->get(), daemon, auth, bus_log);
    if (!service) {
        log.log(LogLevel::kError, "D-Bus service: " + service.error().message);
        return 1;
    }
    if (auto named = (*service)->request_name(); !named) {
        log.log(LogLevel::kError,
                "cannot own " + std::string(dbus::kBusName) + ": " + named.error().message);
        return 1;
    }

    loop.service = service->get();
    sd_notify(0, "READY=1");
    notify_status(daemon);
    log.log(LogLevel::kInfo, "fastmapd " FASTMAP_VERSION " serving " + std::string(dbus::kBusName));
    r = sd_event_loop(event.get());
    sd_notify(0, "STOPPING=1");
    log.log(LogLevel::kInfo, "stopping; the module keeps its instances and parameters");
    daemon.set_listener(nullptr);
    return r < 0 ? 1 : 0;
}

}  // namespace fastmap::daemon
