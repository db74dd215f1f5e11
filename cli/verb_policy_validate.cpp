// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl policy validate FILE [--json]
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "policy/policy_loader.hpp"
#include "verb_policy.hpp"

namespace fastmap::cli {

int verb_policy_validate(const std::string& file, bool json, std::ostream& out, std::ostream& err) {
    const daemon::LoadResult result = daemon::load_policy_file(file);
    const int code = result.ok() ? kExitOk : kExitRuntime;
    if (json) {
        nlohmann::json issues = nlohmann::json::array();
        for (const auto& issue : result.issues) {
            issues.push_back({{"line", issue.line},
                              {"column", issue.column},
                              {"pointer", issue.pointer},
                              {"message", issue.message}});
        }
        out << nlohmann::json{{"file", file}, {"valid", result.ok()}, {"issues", issues}}.dump(2)
            << '\n';
        return code;
    }
    if (!result.ok()) {
        for (const auto& issue : result.issues) {
            err << issue.str() << '\n';
        }
        return code;
    }
    const daemon::Policy& policy = *result.policy;
    out << file << ": valid (" << policy.instances.size()
        << (policy.instances.size() == 1 ? " instance, " : " instances, ") << policy.attach.size()
        << (policy.attach.size() == 1 ? " attach entry, " : " attach entries, ") << "auto-enable "
        << (policy.auto_enable.enabled ? "on" : "off") << ")\n";
    return code;
}

}  // namespace fastmap::cli
