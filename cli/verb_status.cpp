// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl status [--json]
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fastmap.h"
#include "json.hpp"
#include "output.hpp"
#include "units.hpp"

namespace fastmap::cli {

int verb_status(Control& ctl, bool json, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "status";
    auto module = ctl.module_info();
    if (!module) {
        return report_error(err, kVerb, module.error());
    }
    if (!module->loaded) {
        if (json) {
            nlohmann::json j{{"fastmapctl", FASTMAP_VERSION}, {"module", {{"loaded", false}}}};
            out << j.dump(2) << '\n';
        } else {
            out << "module: not loaded (modprobe fastmap)\n";
        }
        return kExitNotLoaded;
    }
    auto instances = ctl.list();
    if (!instances) {
        return report_error(err, kVerb, instances.error());
    }
    auto files = ctl.list_files();
    if (!files) {
        return report_error(err, kVerb, files.error());
    }
    if (json) {
        nlohmann::json j = list_to_json(*instances);
        j["fastmapctl"] = FASTMAP_VERSION;
        j["module"] = {
            {"loaded", true}, {"version", module->version}, {"genl_version", module->genl_version}};
        j["enabled_files"] = files->size();
        out << j.dump(2) << '\n';
        return kExitOk;
    }
    out << "module: fastmap " << (module->version.empty() ? "?" : module->version)
        << " (genl family version " << module->genl_version << ")\n";
    if (instances->empty()) {
        out << "instances: none\n";
    } else {
        out << "instances: " << instances->size() << '\n';
        using A = Table::Align;
        Table table({{"NAME", A::kLeft},
                     {"DEVICE", A::kLeft},
                     {"USED", A::kRight},
                     {"CACHE", A::kRight},
                     {"USED%", A::kRight},
                     {"DIRTY", A::kRight},
                     {"HIT%", A::kRight},
                     {"OPEN", A::kRight}});
        for (const auto& info : *instances) {
            const Stats& s = info.stats;
            table.add_row({info.name, device_label(info),
                           format_bytes(s.cached_pages * page_size(info)),
                           format_bytes(info.cache_bytes), percent(s.cached_pages, s.cache_pages),
                           percent(s.dirty_pages, s.cache_pages), percent(s.hits, s.faults),
                           std::to_string(info.open_count)});
        }
        table.print(out);
    }
    out << "enabled files: " << files->size() << '\n';
    return kExitOk;
}

}  // namespace fastmap::cli
