// SPDX-License-Identifier: GPL-2.0-only
// fastmapd: the fastmap policy daemon. See docs/man/fastmapd.8.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "core/service_main.hpp"
#include "policy/policy_loader.hpp"

int main(int argc, char** argv) {
    fastmap::daemon::Options opt;
    CLI::App app{"fastmapd: the fastmap policy daemon (runs under systemd)", "fastmapd"};
    app.add_option("--root", opt.root,
                   "Read the policy and keep the state file (var/lib/fastmap/files.json) below "
                   "this directory instead of / (testing)");
    app.add_option("--bus-address", opt.bus_address,
                   "Serve on this D-Bus address instead of the system bus (testing)");
    app.add_flag("--no-telemetry", opt.no_telemetry, "Do not load the BPF programs");
    app.add_option("--record-trace", opt.record_trace,
                   "Append every observation to FILE as JSON lines (engine traces)");
    app.add_flag("--check", opt.check, "Validate the policy files, print the result and exit");
    bool version = false;
    app.add_flag("--version", version, "Print the version and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (version) {
        std::cout << "fastmapd " << FASTMAP_VERSION << "\n";
        return 0;
    }
    return fastmap::daemon::service_main(opt);
}
