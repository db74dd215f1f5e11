// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: fastmapctl's whole command line. The input is split at NUL bytes into argv
// (at most 24 words) and run through cli::run() on an in-memory Control with two instances and
// an enabled file, a clock that stops every loop after a few ticks, no BPF telemetry and a
// `run` that never executes anything. Any argument naming a path is replaced by a small
// policy file made at start-up, so no input can make the verbs open FIFOs or devices.
// Checks: no crash or sanitizer report; the exit code is one of the documented ones
// (exit_codes.hpp); a usage error (2) says something on stderr.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fake_control.hpp"

namespace {

using namespace fastmap;

class StopTicker final : public cli::Ticker {
public:
    double now() override { return t_; }
    bool sleep(double seconds) override {
        t_ += seconds > 0 && seconds < 1e6 ? seconds : 1.0;
        return ++sleeps_ < 3;
    }

private:
    double t_ = 1000.0;
    int sleeps_ = 0;
};

const std::string& policy_path() {
    static const std::string path = [] {
        std::string p = "/tmp/fuzz_cli_policy." + std::to_string(getpid()) + ".json";
        std::ofstream(p) << R"({"interval": "1s", "instances": {}})" << '\n';
        return p;
    }();
    return path;
}

cli::RunSystem fake_run_system() {
    cli::RunSystem sys;
    sys.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    sys.control_node = "/nonexistent/fastmap/control";
    sys.probe_control = [](const std::string&) { return ENOENT; };
    sys.self_exe = "/nonexistent/bin/fastmapctl";
    sys.exec = [](const std::string&, const std::vector<std::string>&, const std::string&) {
        return ENOENT;  // never replaces the fuzzer
    };
    return sys;
}

bool documented_exit(int rc) {
    return rc == cli::kExitOk || rc == cli::kExitRuntime || rc == cli::kExitUsage ||
           rc == cli::kExitNotLoaded || rc == cli::kExitPermission || rc == cli::kExitTimeout ||
           rc == cli::kExitNoDaemon || rc == cli::kExitCannotRun || rc == cli::kExitNotFound;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args;
    std::string word;
    for (std::size_t i = 0; i < size && args.size() < 24; ++i) {
        if (data[i] == 0) {
            args.push_back(std::move(word));
            word.clear();
        } else {
            word.push_back(static_cast<char>(data[i]));
        }
    }
    if (args.size() < 24 && !word.empty()) {
        args.push_back(std::move(word));
    }
    for (auto& a : args) {
        if (a.find('/') != std::string::npos || a == "-" || a == "." || a == "..") {
            a = policy_path();
        }
    }

    test::FakeControl ctl;
    ctl.instances = {test::sample_instance("db0"), test::sample_file_instance()};
    ctl.files.push_back({{{8, 3}, 1234}, "/data/db.mdb"});
    StopTicker ticker;
    const cli::RunSystem sys = fake_run_system();
    cli::Env env;
    env.ticker = &ticker;
    env.run = &sys;

    std::ostringstream out, err;
    const int rc = cli::run(args, ctl, env, out, err);
    if (!documented_exit(rc)) {
        std::abort();
    }
    if (rc == cli::kExitUsage && err.str().empty()) {
        std::abort();  // a usage error must say what is wrong
    }
    return 0;
}
