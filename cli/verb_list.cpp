// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl list [--json]
#include "cli.hpp"
#include "exit_codes.hpp"
#include "json.hpp"
#include "output.hpp"
#include "units.hpp"

namespace fastmap::cli {

int verb_list(Control& ctl, bool json, std::ostream& out, std::ostream& err) {
    auto instances = ctl.list();
    if (!instances) {
        return report_error(err, "list", instances.error());
    }
    if (json) {
        out << list_to_json(*instances).dump(2) << '\n';
        return kExitOk;
    }
    if (instances->empty()) {
        out << "no fastmap instances\n";
        return kExitOk;
    }
    using A = Table::Align;
    Table table({{"NAME", A::kLeft},
                 {"ID", A::kRight},
                 {"DEVICE", A::kLeft},
                 {"DEV", A::kLeft},
                 {"SIZE", A::kRight},
                 {"CACHE", A::kRight},
                 {"USED", A::kRight},
                 {"DIRTY", A::kRight},
                 {"HIT%", A::kRight},
                 {"OPEN", A::kRight}});
    for (const auto& info : *instances) {
        const auto& s = info.stats;
        table.add_row({info.name, std::to_string(info.id), device_label(info), info.dev.str(),
                       format_bytes(info.size_bytes), format_bytes(info.cache_bytes),
                       percent(s.cached_pages, s.cache_pages),
                       percent(s.dirty_pages, s.cache_pages), percent(s.hits, s.faults),
                       std::to_string(info.open_count)});
    }
    table.print(out);
    return kExitOk;
}

}  // namespace fastmap::cli
