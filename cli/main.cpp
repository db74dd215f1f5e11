// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
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

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    fastmap::NetlinkControl ctl;
    fastmap::cli::Env env;
#ifdef FASTMAP_HAVE_BPF_TELEMETRY
    env.telemetry = open_bpf_telemetry;
#endif
    const int rc = fastmap::cli::run(args, ctl, env, std::cout, std::cerr);
    std::cout.flush();
    return rc;
}
