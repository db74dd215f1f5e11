// SPDX-License-Identifier: GPL-2.0-only
// libbpf's diagnostics, kept for error messages instead of being printed to stderr.
// FASTMAP_BPF_DEBUG=1 in the environment also prints everything, debug output included.
#pragma once

#include <string>

namespace fastmap::telemetry {

// Installs the libbpf print callback (once per process).
void capture_libbpf_log();
// Warnings and info libbpf printed since the last call (the last few KiB), then forgets them.
std::string take_libbpf_log();

}  // namespace fastmap::telemetry
