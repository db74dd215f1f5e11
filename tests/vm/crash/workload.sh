#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Crash harness, first boot (run by tests/vm/crash/crash-test.sh through
# tests/vm/run-vm.sh): attach a small fastmap cache to the emulated NVMe disk
# and run fm_crash's write + msync workload until the host kills the VM.
# Arguments: SEED PAGES THREADS SECONDS [async].  fm_crash writes its FMC-*
# lines straight to /dev/console; the host counts only the FMC-ACK lines it
# got.  "async" is the negative control (msync(MS_ASYNC), see fm_crash.c,
# no background writeback; the host gives it fewer pages than the cache).
seed=${1:?seed} pages=${2:?pages} threads=${3:?threads} seconds=${4:?seconds}
mode=
[ "${5:-}" != async ] || mode=--async
dev=${FASTMAP_VM_NVME:-/dev/nvme0n1}
blk=${dev##*/}

insmod /lib/modules/extra/fastmap.ko || { echo "FMC-ERROR insmod"; exit 1; }
# 4 MiB of cache for a 64 MiB working set: eviction all the time.
fastmapctl attach "$dev" --name c0 --cache 4M >/dev/null ||
	{ echo "FMC-ERROR attach"; exit 1; }
# The negative control keeps every dirty page in the cache (its working set
# is smaller than the cache): no threshold or periodic writeback.
[ -z "$mode" ] || fastmapctl set c0 dirty_ratio=100 wb_interval=off >/dev/null ||
	{ echo "FMC-ERROR set"; exit 1; }
echo "FMC-INFO kernel=$(uname -r) write_cache=$(tr ' ' _ </sys/block/"$blk"/queue/write_cache)" \
	"fua=$(cat /sys/block/"$blk"/queue/fua 2>/dev/null)"
fm_crash write /dev/fastmap/c0 --pages "$pages" --threads "$threads" \
	--seconds "$seconds" --seed "$seed" $mode --flushstat /sys/block/"$blk"/stat
rc=$?
# Only reached if the host did not kill the VM in time.
fastmapctl detach c0 >/dev/null
exit $rc
