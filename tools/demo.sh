#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The README's main job. On a fresh Debian 12 machine it installs what is
# needed (tools/setup.sh), builds fastmap, boots a Debian kernel in QEMU with an
# emulated NVMe drive, loads fastmap.ko, attaches the drive, runs a workload,
# shows live telemetry and compares Linux mmap, fastmap and the O_DIRECT ceiling.
#
# usage: tools/demo.sh [--kernel 6.1|6.12] [--device nvme|nullb|pmem] [--full]
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kernel=6.1 device=nvme quick=--quick
while (($#)); do
	case $1 in
	--kernel) kernel=$2 && shift 2 ;;
	--device) device=$2 && shift 2 ;;
	--full) quick= && shift ;;
	-h | --help) sed -n '3,9p' "$0" && exit 0 ;;
	*) echo "demo: unknown argument '$1' (see --help)" >&2 && exit 2 ;;
	esac
done

echo "== 1/3 set-up (Debian packages; idempotent)"
if [[ $(id -u) == 0 ]]; then bash "$top/tools/setup.sh"; else sudo bash "$top/tools/setup.sh"; fi
echo "== 2/3 build"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
echo "== 3/3 VM: Linux $kernel under QEMU (TCG), emulated $device"
exec bash "$top/tests/vm/run-suite.sh" --build-dir "$top/build" --kernel "$kernel" \
	--timeout 1200 --suite "$top/tests/vm/suites/compare.sh" -- $quick --device "$device"
