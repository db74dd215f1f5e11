// SPDX-License-Identifier: GPL-2.0-only
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "daemon_link.hpp"
#include "dbus/client.hpp"
#include "direct_control.hpp"
#include "kernel_details.hpp"
#include "netlink_control.hpp"
#ifdef FASTMAP_HAVE_BPF_TELEMETRY
#include "telemetry/bpf_telemetry.hpp"
#endif

namespace {

#ifdef FASTMAP_HAVE_BPF_TELEMETRY
// `top`: the module's tracepoint programs, for the fault latency histograms.
fastmap::Result<std::unique_ptr<fastmap::telemetry::Telemetry>> open_bpf_telemetry() {
    namespace tm = fastmap::telemetry;
    auto bpf = tm::BpfTelemetry::open();
    if (!bpf) {
        return std::move(bpf).error();
    }
    if (auto attached = (*bpf)->attach(tm::Programs::kFastmap); !attached) {
        return std::move(attached).error();
    }
    return std::unique_ptr<tm::Telemetry>(std::move(*bpf));
}
#endif

// fastmapd's extras over the D-Bus client.
class ClientLink final : public fastmap::cli::DaemonLink {
public:
    explicit ClientLink(fastmap::dbus::DaemonClient& client) : client_(client) {}
    fastmap::Result<fastmap::daemon::PolicyState> policy() override { return client_.policy(); }
    fastmap::Result<void> reload_policy() override { return client_.reload_policy(); }
    fastmap::Result<std::vector<fastmap::daemon::DecisionRecord>> decisions() override {
        return client_.decisions();
    }
    fastmap::Result<fastmap::InstanceInfo> restore_defaults(std::string_view name) override {
        return client_.restore_defaults(name);
    }

private:
    fastmap::dbus::DaemonClient& client_;
};

// --no-daemon (before a "--") or FASTMAP_NO_DAEMON=1: talk to the kernel directly.
bool direct_requested(const std::vector<std::string>& args) {
    const char* env = std::getenv("FASTMAP_NO_DAEMON");
    if (env != nullptr && std::string(env) == "1") {
        return true;
    }
    for (const auto& a : args) {
        if (a == "--") {
            break;
        }
        if (a == "--no-daemon") {
            return true;
        }
    }
    return false;
}

// `run` replaces the process: it needs neither fastmapd nor netlink.
bool is_run(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a != "--no-daemon") {
            return a == "run";
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    fastmap::cli::Env env;
#ifdef FASTMAP_HAVE_BPF_TELEMETRY
    env.telemetry = open_bpf_telemetry;
#endif
    const bool direct = direct_requested(args) || is_run(args);
    std::unique_ptr<fastmap::dbus::DaemonClient> client;
    if (!direct) {
        auto connected =
            fastmap::dbus::DaemonClient::connect(std::make_unique<fastmap::NetlinkControl>());
        if (connected) {
            client = std::move(*connected);
        }
    }
    int rc = 0;
    if (client) {
        ClientLink link(*client);
        env.daemon = &link;
        // For what fastmapd's API cannot carry (enable --cache; file instances' files, the
        // enable table's instances): the kernel itself.
        fastmap::NetlinkControl kernel;
        env.kernel = &kernel;
        fastmap::cli::WithKernelDetails ctl(*client, kernel);
        rc = fastmap::cli::run(args, ctl, env, std::cout, std::cerr);
    } else {
        fastmap::NetlinkControl netlink;
        // Says once, on first use, that the daemon is bypassed (not when asked to).
        fastmap::cli::DirectControl ctl(netlink, direct ? nullptr : &std::cerr);
        rc = fastmap::cli::run(args, ctl, env, std::cout, std::cerr);
    }
    std::cout.flush();
    return rc;
}
