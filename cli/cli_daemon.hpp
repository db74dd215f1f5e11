// SPDX-License-Identifier: GPL-2.0-only
// The command-line part of the daemon verbs (policy validate/show/reload, decisions,
// restore-defaults), kept out of cli.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "monitor.hpp"

namespace fastmap::cli {

class DaemonVerbs {
public:
    // Adds the subcommands to app; the object must outlive app.parse().
    void add(CLI::App& app);
    // Runs the verb that was parsed, if it is one of these.
    std::optional<int> dispatch(const Env& env, std::ostream& out, std::ostream& err) const;

private:
    CLI::App* validate_ = nullptr;
    CLI::App* show_ = nullptr;
    CLI::App* reload_ = nullptr;
    CLI::App* decisions_ = nullptr;
    CLI::App* restore_ = nullptr;
    std::string file_;
    std::string name_;
    bool json_ = false;
    std::size_t count_ = 20;
};

}  // namespace fastmap::cli
