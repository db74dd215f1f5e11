#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The fastmapctl system test: stages the build's install tree
# (DESTDIR=BUILD/vm-stage-cli cmake --install BUILD --prefix /usr, which carries the JSON
# schemas to /usr/share/fastmap/schema) and runs suites/cli.sh in the systemd guest
# (run-vm.sh --systemd) with fm_jsonschema to check every --json output.
# usage: tests/vm/run-cli-suite.sh BUILD KERNEL [run-suite.sh options...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
(($# >= 2)) || { echo "usage: $0 BUILD KERNEL [run-suite options]" >&2; exit 2; }
build=$(cd "$1" && pwd)
kernel=$2
shift 2
checker=$build/tests/vm/fm_jsonschema
[[ -x $checker ]] || { echo "$0: $checker missing; build it (cmake --build $build --target fm_jsonschema)" >&2; exit 2; }
stage=$build/vm-stage-cli
rm -rf "$stage"
DESTDIR=$stage cmake --install "$build" --prefix /usr >"$build/vm-stage-cli.log" ||
	{ cat "$build/vm-stage-cli.log" >&2; exit 2; }
# Direct mode (no fastmapd) makes fastmapctl top attach and detach the BPF programs itself, several
# times, while fmbench faults on the other vCPU: each attach re-patches the tracepoint sites in
# fm_vm_fault. Under multi-threaded TCG a vCPU then ran a stale translation of that text and
# trapped on an int3 that was long gone (both boots of one CI run on 6.12: an emulator artifact,
# tests/vm/README.md). This suite tests the CLI, not SMP races (datapath, fuzz and stress do), so
# it runs its vCPUs on one host thread.
export FASTMAP_VM_TCG_THREAD=${FASTMAP_VM_TCG_THREAD:-single}
exec bash "$here/run-suite.sh" --build-dir "$build" --kernel "$kernel" --systemd \
	--suite "$here/suites/cli.sh" --file "$stage:/opt/stage" --bin "$checker" "$@"
