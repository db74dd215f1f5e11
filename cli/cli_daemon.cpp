// SPDX-License-Identifier: GPL-2.0-only
#include "cli_daemon.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "verb_daemon.hpp"
#include "verb_policy.hpp"

namespace fastmap::cli {

void DaemonVerbs::add(CLI::App& app) {
    auto* policy = app.add_subcommand("policy", "Validate, show or reload fastmapd's policy");
    policy->require_subcommand(1);
    validate_ = policy->add_subcommand("validate", "Check a policy file (exit 1 on any error)");
    validate_->add_option("file", file_, "A policy file (JSON)")->required();
    validate_->add_flag("-j,--json", json_, "JSON output");
    show_ = policy->add_subcommand("show", "Show the policy in force and where it came from");
    show_->add_flag("-j,--json", json_, "JSON output");
    reload_ = policy->add_subcommand("reload", "Make fastmapd re-read its policy (root)");

    decisions_ = app.add_subcommand("decisions", "Show fastmapd's recent decisions");
    decisions_->add_flag("-j,--json", json_, "JSON output");
    decisions_->add_option("-n,--count", count_, "The last N decisions (default 20)");

    restore_ = app.add_subcommand("restore-defaults",
                                  "Hand an instance back to the policy after `set` (root)");
    restore_->add_option("name", name_, "Instance name")->required();
    restore_->add_flag("-j,--json", json_, "Print the instance as JSON");
}

std::optional<int> DaemonVerbs::dispatch(const Env& env, std::ostream& out,
                                         std::ostream& err) const {
    if (validate_->parsed()) {
        return verb_policy_validate(file_, json_, out, err);
    }
    if (show_->parsed()) {
        return verb_policy_show(env.daemon, json_, out, err);
    }
    if (reload_->parsed()) {
        return verb_policy_reload(env.daemon, out, err);
    }
    if (decisions_->parsed()) {
        return verb_decisions(env.daemon, json_, count_, out, err);
    }
    if (restore_->parsed()) {
        return verb_restore_defaults(env.daemon, name_, json_, out, err);
    }
    return std::nullopt;
}

}  // namespace fastmap::cli
