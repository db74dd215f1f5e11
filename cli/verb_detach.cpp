// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl detach NAME
#include "cli.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "units.hpp"

namespace fastmap::cli {

int verb_detach(Control& ctl, const std::string& name, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "detach";
    if (auto valid = validate_name(name); !valid) {
        return report_usage(err, kVerb, valid.error().message);
    }
    auto done = ctl.detach(name);
    if (!done) {
        return report_error(err, kVerb, done.error());
    }
    out << "detached " << name << '\n';
    if (!done->warning.empty()) {
        // The instance is gone, but the kernel says data may be lost: scripts must notice.
        err << "fastmapctl: " << kVerb << ": warning: " << done->warning << '\n';
        return kExitRuntime;
    }
    return kExitOk;
}

}  // namespace fastmap::cli
