// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl set NAME KEY=VALUE... [--json]
#include "cli.hpp"
#include "exit_codes.hpp"
#include "json.hpp"
#include "output.hpp"
#include "params.hpp"
#include "units.hpp"

namespace fastmap::cli {

int verb_set(Control& ctl, const std::string& name, const std::vector<std::string>& assignments,
             bool json, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "set";
    if (auto valid = validate_name(name); !valid) {
        return report_usage(err, kVerb, valid.error().message);
    }
    auto req = parse_assignments(assignments);
    if (!req) {
        return report_usage(err, kVerb, req.error().message);
    }
    auto info = ctl.set(name, *req);
    if (!info) {
        return report_error(err, kVerb, info.error());
    }
    if (req->cache_bytes && info->cache_bytes != *req->cache_bytes) {
        // E.g. clamped to the device size: say so, the set still succeeded.
        err << "fastmapctl: " << kVerb << ": note: cache is " << format_bytes(info->cache_bytes)
            << " (asked for " << format_bytes(*req->cache_bytes) << ")\n";
    }
    if (json) {
        out << instance_to_json(*info).dump(2) << '\n';
        return kExitOk;
    }
    out << "set " << info->name << ":";
    const char* sep = " ";
    for (const auto& p : kParams) {
        if (p.settable) {
            out << sep << p.key << ' ' << p.text(*info);
            sep = ", ";
        }
    }
    out << '\n';
    return kExitOk;
}

}  // namespace fastmap::cli
