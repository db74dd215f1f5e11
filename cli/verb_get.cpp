// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl get NAME [KEY] [--json]
#include "cli.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "params.hpp"
#include "units.hpp"

namespace fastmap::cli {

int verb_get(Control& ctl, const std::string& name, const std::string& key, bool json,
             std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "get";
    if (auto valid = validate_name(name); !valid) {
        return report_usage(err, kVerb, valid.error().message);
    }
    const Param* one = nullptr;
    if (!key.empty()) {
        one = find_param(key);
        if (!one) {
            return report_usage(err, kVerb,
                                "unknown key '" + key + "' (keys: " + param_keys(false) + ")");
        }
    }
    auto info = ctl.get(name);
    if (!info) {
        return report_error(err, kVerb, info.error());
    }
    if (json) {
        nlohmann::json j{{"name", info->name}};
        for (const auto& p : kParams) {
            if (!one || one == &p) {
                j[std::string(p.json_key)] = p.value(*info);
            }
        }
        out << j.dump(2) << '\n';
    } else if (one) {
        // Alone, in its base unit, for scripts: `fastmapctl get db0 cache` -> 536870912.
        const nlohmann::json v = one->value(*info);
        out << (v.is_string() ? v.get<std::string>() : v.dump()) << '\n';
    } else {
        Table table({{"", Table::Align::kLeft}, {"", Table::Align::kLeft}});
        for (const auto& p : kParams) {
            table.add_row({std::string(p.key), p.text(*info)});
        }
        table.print(out);
    }
    return kExitOk;
}

}  // namespace fastmap::cli
