// SPDX-License-Identifier: GPL-2.0-only
// The verbs that need fastmapd: policy show/reload, decisions, restore-defaults; and `run`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "control.hpp"
#include "daemon_link.hpp"

namespace fastmap::cli {

// fastmapctl policy show [--json]: the policy in force (from fastmapd), or, without the daemon,
// what the files on disk give (said so).
int verb_policy_show(DaemonLink* daemon, bool json, std::ostream& out, std::ostream& err);

// fastmapctl policy reload: asks fastmapd to re-read the files; prints every error and exits 1
// when the new policy is invalid (the old one stays).
int verb_policy_reload(DaemonLink* daemon, std::ostream& out, std::ostream& err);

// fastmapctl decisions [--json] [--count N]: the daemon's recent decisions, newest last.
int verb_decisions(DaemonLink* daemon, bool json, std::size_t count, std::ostream& out,
                   std::ostream& err);

// fastmapctl restore-defaults NAME: the policy (and kernel defaults) take over again.
int verb_restore_defaults(DaemonLink* daemon, const std::string& name, bool json, std::ostream& out,
                          std::ostream& err);

// "2026-11-26 20:15:03" in local time, from microseconds since the epoch.
std::string format_realtime(std::uint64_t realtime_us);

// {"time_us", "kind", "target", "from", "to", "reason", "applied"} plus "error" when not applied
// (decisions --json, top --json).
nlohmann::json decision_to_json(const daemon::DecisionRecord& rec);

// One decision as a line: "20:15:03 cache_grow db0 512 MiB -> 640 MiB: miss ratio ..."
std::string format_decision(const daemon::DecisionRecord& rec);

}  // namespace fastmap::cli
