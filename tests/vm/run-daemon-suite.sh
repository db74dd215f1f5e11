#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The fastmapd system test: stages the build's install tree
# (DESTDIR=BUILD/vm-stage cmake --install BUILD --prefix /usr) and runs
# suites/daemon.sh in the systemd guest (run-vm.sh --systemd), which copies the
# tree to / and drives the installed unit, bus policy and binaries.
# usage: tests/vm/run-daemon-suite.sh BUILD KERNEL [run-suite.sh options...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
(($# >= 2)) || { echo "usage: $0 BUILD KERNEL [run-suite options]" >&2; exit 2; }
build=$(cd "$1" && pwd)
kernel=$2
shift 2
stage=$build/vm-stage
rm -rf "$stage"
DESTDIR=$stage cmake --install "$build" --prefix /usr >"$build/vm-stage.log" ||
	{ cat "$build/vm-stage.log" >&2; exit 2; }
exec bash "$here/run-suite.sh" --build-dir "$build" --kernel "$kernel" --systemd \
	--suite "$here/suites/daemon.sh" --file "$stage:/opt/stage" "$@"
