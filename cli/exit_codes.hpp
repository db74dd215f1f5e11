// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl's exit codes: stable, documented in docs/cli.md.
#pragma once

#include "control.hpp"
#include "result.hpp"

namespace fastmap::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;      // the kernel (or the system) refused or failed
inline constexpr int kExitUsage = 2;        // bad command line: syntax, size, name, range
inline constexpr int kExitNotLoaded = 3;    // the fastmap kernel module is not loaded
inline constexpr int kExitPermission = 4;   // permission denied (need CAP_SYS_ADMIN)
inline constexpr int kExitTimeout = 5;      // events: --timeout passed before --count events
inline constexpr int kExitNoDaemon = 6;     // the verb needs fastmapd, which is not running
inline constexpr int kExitCannotRun = 126;  // run: COMMAND was found but cannot be executed
inline constexpr int kExitNotFound = 127;   // run: COMMAND was not found

inline int exit_code_for(const Error& err) {
    switch (err.code) {
        case kErrModuleNotLoaded:
            return kExitNotLoaded;
        case kErrPermission:
            return kExitPermission;
        case ESRCH:
            return kExitNoDaemon;
        default:
            return kExitRuntime;
    }
}

}  // namespace fastmap::cli
