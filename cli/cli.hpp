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

namespace fastmap::cli {

// Parses args (without the program name) and runs the verb.
int run(const std::vector<std::string>& args, Control& ctl, std::ostream& out, std::ostream& err);

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

int verb_version(Control& ctl, bool json, std::ostream& out, std::ostream& err);

}  // namespace fastmap::cli
