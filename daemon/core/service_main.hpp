// SPDX-License-Identifier: GPL-2.0-only
// fastmapd's event loop: sd-event with the policy timer, SIGHUP reloads (Type=notify-reload),
// SIGTERM/SIGINT stop, the systemd watchdog, and the D-Bus service on the system bus.
#pragma once

#include <string>

namespace fastmap::daemon {

struct Options {
    std::string root;         // policy files and the state file below this directory ("" = /)
    std::string bus_address;  // "" = the system bus
    bool no_telemetry = false;
    std::string record_trace;  // "" = off
    bool check = false;        // validate the policy and exit
};

// Returns the process exit status.
int service_main(const Options& opt);

}  // namespace fastmap::daemon
