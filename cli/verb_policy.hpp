// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl policy ...: the fastmapd policy files (daemon/policy/policy_loader.hpp).
#pragma once

#include <ostream>
#include <string>

namespace fastmap::cli {

// fastmapctl policy validate FILE [--json]: checks FILE as a complete fastmapd policy (syntax,
// schema, semantics). Text: each issue as "file:line:col: message" on err, exit kExitRuntime;
// valid: "FILE: valid (N instances, M attach entries, auto-enable on|off)" on out, kExitOk.
// JSON (on out): {"file": FILE, "valid": bool, "issues": [{"line", "column", "pointer",
// "message"}]}, with the same exit codes.
int verb_policy_validate(const std::string& file, bool json, std::ostream& out, std::ostream& err);

}  // namespace fastmap::cli
