// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl version [--json]
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fastmap.h"

namespace fastmap::cli {

int verb_version(Control& ctl, bool json, std::ostream& out, std::ostream& err) {
    (void)err;
    auto module = ctl.module_info();
    if (json) {
        nlohmann::json j{{"fastmapctl", FASTMAP_VERSION}, {"genl_version", FASTMAP_GENL_VERSION}};
        if (module) {
            j["module"] = {{"loaded", module->loaded},
                           {"version", module->version},
                           {"genl_version", module->genl_version}};
        } else {
            j["module"] = {{"error", module.error().message}};
        }
        out << j.dump(2) << '\n';
        return kExitOk;
    }
    out << "fastmapctl " << FASTMAP_VERSION << " (genl family " << FASTMAP_GENL_NAME << " version "
        << FASTMAP_GENL_VERSION << ")\n";
    if (!module) {
        out << "module: unknown (" << module.error().message << ")\n";
    } else if (!module->loaded) {
        out << "module: not loaded\n";
    } else {
        out << "module: fastmap " << (module->version.empty() ? "?" : module->version)
            << " (genl family version " << module->genl_version << ")\n";
    }
    return kExitOk;
}

}  // namespace fastmap::cli
