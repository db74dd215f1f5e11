// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl events [--json] [--count N] [--timeout SEC]
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "json.hpp"
#include "output.hpp"

namespace fastmap::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string event_detail(const Event& e) {
    const std::string v = std::to_string(e.value);
    switch (e.type) {
        case EventType::kIoError: {
            const int code = e.value <= INT_MAX ? static_cast<int>(e.value) : 0;
            return "error " + v + " (" + std::strerror(code) + ")";
        }
        case EventType::kEvictStall:
            return v + " stalled faults";
        case EventType::kCachePressure:
            return v + " free pages";
        case EventType::kOutsideWrite:
            return "written outside fastmap, size " + v;
        default:
            return e.value ? "value " + v : "";
    }
}

// One line per event, in columns of fixed width (events are printed as they arrive).
std::string event_line(std::string_view type, std::string_view name, std::string_view detail) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%-14.*s  %-16.*s  %.*s", static_cast<int>(type.size()),
                  type.data(), static_cast<int>(name.size()), name.data(),
                  static_cast<int>(detail.size()), detail.data());
    std::string line(buf);
    line.erase(line.find_last_not_of(' ') + 1);
    return line;
}

void print_event(const Event& e, bool json, std::ostream& out) {
    if (json) {
        out << event_to_json(e).dump() << '\n';  // one object per line
    } else {
        std::string type(event_type_name(e.type));
        if (type.empty()) {
            type = "unknown(" + std::to_string(static_cast<std::uint32_t>(e.type)) + ")";
        }
        out << event_line(type, e.name, event_detail(e)) << '\n';
    }
    out.flush();  // for pipes: every event as soon as it arrives
}

}  // namespace

int verb_events(Control& ctl, const EventsArgs& args, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "events";
    if (args.count && *args.count == 0) {
        return report_usage(err, kVerb, "--count: must be at least 1");
    }
    if (args.timeout_s && !(*args.timeout_s >= 0 && *args.timeout_s <= 1e9)) {
        return report_usage(err, kVerb, "--timeout: must be 0 to 1e9 seconds");
    }
    auto source = ctl.subscribe();
    if (!source) {
        return report_error(err, kVerb, source.error());
    }
    if (!args.json) {
        // Printed once subscribed: scripts can wait for it before triggering events.
        out << event_line("EVENT", "NAME", "DETAIL") << '\n';
        out.flush();
    }
    std::optional<Clock::time_point> deadline;
    if (args.timeout_s) {
        deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(*args.timeout_s));
    }
    std::uint64_t got = 0;
    while (!args.count || got < *args.count) {
        EventSource::Timeout wait;
        if (deadline) {
            wait = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
            if (wait->count() <= 0) {
                break;
            }
        }
        auto event = (*source)->next(wait);
        if (!event) {
            if (event.error().code == ENOBUFS) {
                err << "fastmapctl: " << kVerb << ": warning: events were lost ("
                    << event.error().message << ")\n";
                continue;
            }
            return report_error(err, kVerb, event.error());
        }
        if (!*event) {
            break;  // timeout
        }
        print_event(**event, args.json, out);
        ++got;
    }
    if (args.count && got < *args.count) {
        err << "fastmapctl: " << kVerb << ": timed out with " << got << " of " << *args.count
            << " events\n";
        return kExitTimeout;
    }
    return kExitOk;
}

}  // namespace fastmap::cli
