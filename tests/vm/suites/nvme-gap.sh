#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Why fastmap misses the O_DIRECT ceiling on emulated NVMe (issue 8): random
# 4 KiB reads over 16x the cache, pread-direct and fastmap alternating for
# --rounds rounds, then an idle phase. Each phase is framed by console markers
#   NVME-GAP-START <mode> <round>
#   NVME-GAP-END <mode> <round> <ops/s> <guest CPU us/op> <guest busy %> <faults> <evictions> <stalls>
#                <context switches/op> <interrupts/op>
# so that tools/nvme-gap.sh can charge the host's QEMU threads to phases.
# With perf in the guest (run-vm --bin /usr/bin/perf), a last round of each
# mode runs under `perf record -a -g` and prints its top symbols.
#
# usage: nvme-gap.sh [--rounds N] [--seconds N] [--threads N] [--cache-mb N] [--ratio N]
set -u

ROUNDS=2 SECS=12 THREADS=$(nproc) CACHE_MB=16 RATIO=16
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2 && shift ;;
	--seconds) SECS=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--cache-mb) CACHE_MB=$2 && shift ;;
	--ratio) RATIO=$2 && shift ;;
	*) echo "nvme-gap: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift
done
DEV=/dev/nvme0n1
PAGES=$((CACHE_MB * 256 * RATIO))
die() { echo "nvme-gap: $*" >&2; exit 1; }
jget() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1" | head -n 1; }

insmod /lib/modules/extra/fastmap.ko || die "cannot load fastmap.ko"
[ -b $DEV ] || die "$DEV missing"
size=$(($(cat /sys/class/block/nvme0n1/size) / 8))
[ "$size" -ge "$PAGES" ] || die "$DEV has $size pages, the dataset needs $PAGES"
dd if=/dev/zero of=$DEV bs=1M count=$((PAGES / 256)) oflag=direct 2>/dev/null ||
	die "prefill failed"
echo "nvme-gap: $(uname -r), $(nproc) vCPUs, $THREADS threads, cache $CACHE_MB MiB," \
	"dataset ${RATIO}x ($PAGES pages), $SECS s per phase, $ROUNDS rounds"

# run MODE ROUND [perf-data]
run() {
	mode=$1 rnd=$2 pdata=${3:-} path=$DEV j=/tmp/gap-$1-$2.json
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if [ "$mode" = fastmap ]; then
		msg=$(fastmapctl attach $DEV --name gap --cache "${CACHE_MB}M" 2>&1) ||
			die "attach: $msg"
		path=/dev/fastmap/gap
	fi
	set -- fmbench --mode "$mode" --path "$path" --op read --threads "$THREADS" \
		--seconds "$SECS" --pages "$PAGES" --quiet --json "$j"
	echo "NVME-GAP-START $mode $rnd"
	if [ -n "$pdata" ]; then
		$PERF record -q -a -g -o "$pdata" -- "$@" >/dev/null 2>&1 || die "perf record $mode failed"
	else
		"$@" >/dev/null || die "fmbench $mode failed"
	fi
	ev=$(jget "$j" evictions) fa=$(jget "$j" faults) st=$(jget "$j" evict_stalls)
	echo "NVME-GAP-END $mode $rnd $(jget "$j" ops_per_sec) $(jget "$j" cpu_us_per_op)" \
		"$(jget "$j" cpu_busy_pct) ${fa:-0} ${ev:-0} ${st:-0} $(jget "$j" ctx_switches_per_op)" \
		"$(jget "$j" interrupts_per_op)"
	[ "$mode" != fastmap ] || fastmapctl detach gap >/dev/null 2>&1 || die "detach failed"
}

r=1
while [ $r -le "$ROUNDS" ]; do
	run pread-direct $r
	run fastmap $r
	r=$((r + 1))
done
sleep 2
echo "NVME-GAP-START idle 0"
sleep "$SECS"
echo "NVME-GAP-END idle 0 0 0 0 0 0 0 0 0"

PERF=$(command -v perf 2>/dev/null || true)
[ -n "$PERF" ] || PERF=/opt/fastmap/bin/perf
if [ -x "$PERF" ]; then
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	for m in pread-direct fastmap; do
		run $m perf /tmp/gap-$m.data
		echo "=== perf, $m: top symbols (all vCPUs; idle is native_safe_halt)"
		$PERF report -i /tmp/gap-$m.data --stdio --no-children --sort sym 2>/dev/null |
			grep '%' | grep -v '^#' | grep -v '^ *|' | grep -v -- '--' | head -25
	done
else
	echo "nvme-gap: no perf in the guest (tools/nvme-gap.sh passes it when the host has it)"
fi
rmmod fastmap || die "rmmod failed"
