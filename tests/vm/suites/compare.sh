#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Linux mmap vs fastmap vs the device ceiling, in one VM run (the README's
# main job and the benchmark driver). Random 4 KiB touches by $THREADS threads
# over a dataset 16x the cache on null_blk; Linux mmap runs in a cgroup whose
# memory.high equals fastmap's cache. Prints telemetry while fastmap runs and a
# table of ratios. Ratios only: TCG makes absolute numbers meaningless.
#
# usage: compare.sh [--quick|--smoke] [--device nullb|pmem|nvme] [--out DIR]
#   --smoke: seconds-long runs on tiny sizes, only to keep the harness working (CI)
set -u

QUICK=0 DEVKIND=nullb OUT=/tmp/compare
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--smoke) QUICK=2 ;;
	--device) DEVKIND=$2 && shift ;;
	--out) OUT=$2 && shift ;;
	*) echo "compare: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift
done
THREADS=$(nproc)
case $QUICK in
1) CACHE_MB=8 SECS=5 ;;
2) CACHE_MB=2 SECS=1 ;;
*) CACHE_MB=16 SECS=10 ;;
esac
PAGES=$((CACHE_MB * 256 * 16))	# 16x the cache, in 4 KiB pages
mkdir -p "$OUT"

step() { echo; echo "=== $*"; }
die() { echo "compare: $*" >&2; exit 1; }
jget() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1" | head -n 1; }

step "setup: fastmap.ko, device, cgroup"
insmod /lib/modules/extra/fastmap.ko || die "cannot load fastmap.ko"
case $DEVKIND in
nullb)
	modprobe null_blk nr_devices=1 memory_backed=1 gb=1 || die "null_blk"
	DEV=/dev/nullb0 ;;
pmem) DEV=/dev/pmem0 ;;
nvme) DEV=/dev/nvme0n1 ;;
*) die "unknown device $DEVKIND" ;;
esac
[ -b "$DEV" ] || die "$DEV missing"
echo "+memory" >/sys/fs/cgroup/cgroup.subtree_control || die "memory controller"
# memory.high = the cache size throttles and reclaims the page cache there;
# memory.max at twice that only backs it up, because with memory.max alone
# 6.12 OOM-kills a random-write run whose dirty pages cannot be written out
# fast enough.
mkdir -p /sys/fs/cgroup/linux-mmap
echo $((CACHE_MB << 20)) >/sys/fs/cgroup/linux-mmap/memory.high
echo $((CACHE_MB << 21)) >/sys/fs/cgroup/linux-mmap/memory.max
echo "kernel $(uname -r), $THREADS vCPUs, device $DEV, cache $CACHE_MB MiB," \
	"dataset $((PAGES / 256)) MiB, $SECS s per run"

bench() { # NAME MODE PATH OP [cgroup]
	name=$1 mode=$2 path=$3 op=$4 cg=${5:-}
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if [ -n "$cg" ]; then
		sh -c "echo \$\$ >/sys/fs/cgroup/$cg/cgroup.procs && exec fmbench --mode $mode \
			--path $path --op $op --threads $THREADS --seconds $SECS --pages $PAGES \
			--quiet --json $OUT/$name.json"
	else
		fmbench --mode "$mode" --path "$path" --op "$op" --threads "$THREADS" \
			--seconds "$SECS" --pages "$PAGES" --quiet --json "$OUT/$name.json"
	fi || die "fmbench $name failed"
	[ "$mode" = fastmap ] || summary "$name"
}
summary() { # one line per run: the numbers the table is made of
	f=$OUT/$1.json
	echo "$1: $(jget "$f" ops_per_sec) ops/s, p50 $(jget "$f" p50) ns, p99 $(jget "$f" p99) ns," \
		"TLB IPIs $(jget "$f" tlb_ipis), CAL IPIs $(jget "$f" call_ipis)," \
		"device read $(jget "$f" device_read_bytes) B, written $(jget "$f" device_write_bytes) B" \
		"${2:+, evictions $(jget "$f" evictions), shootdown rounds $(jget "$f" shootdowns)}"
}

step "device ceiling: O_DIRECT pread/pwrite"
bench ceiling-read pread-direct "$DEV" read
bench ceiling-write pread-direct "$DEV" write

step "Linux mmap (cgroup memory.high = $CACHE_MB MiB)"
bench linux-read linux-mmap "$DEV" read linux-mmap
bench linux-write linux-mmap "$DEV" write linux-mmap

step "fastmap: attach $DEV with a $CACHE_MB MiB cache"
fastmapctl attach "$DEV" --name bench --cache ${CACHE_MB}M || die "attach"
bench fastmap-read fastmap /dev/fastmap/bench read
summary fastmap-read fm
fmbench --mode fastmap --path /dev/fastmap/bench --op write --threads "$THREADS" \
	--seconds "$SECS" --pages "$PAGES" --quiet --json "$OUT/fastmap-write.json" &
bp=$!
step "live telemetry while fastmap writes (fastmapctl stats bench)"
i=0
while [ $i -lt "$SECS" ] && kill -0 $bp 2>/dev/null; do
	sleep 2
	fastmapctl stats bench | grep -E "faults|hits|evictions|shootdowns|wb_pages|dirty_pages" |
		tr -s ' ' | tr '\n' ';'
	echo
	i=$((i + 2))
done
wait $bp || die "fmbench fastmap-write failed"
summary fastmap-write fm
fastmapctl stats bench
fastmapctl detach bench || die "detach"

step "comparison (same VM, same device, same dataset)"
awk -v out="$OUT" 'function get(f, k,   l, v) {
		v = 0
		while ((getline l < f) > 0)
			if (index(l, "\"" k "\":")) { sub(/.*: */, "", l); sub(/,$/, "", l); v = l + 0; break }
		close(f)
		return v
	}
	BEGIN {
		printf "%-6s %14s %14s %14s %9s %9s %14s %14s\n", "op", "ceiling ops/s",
			"linux ops/s", "fastmap ops/s", "fm/linux", "fm/ceil", "linux IPI/pg", "fastmap IPI/pg"
		split("read write", ops, " ")
		for (i = 1; i <= 2; i++) {
			op = ops[i]
			c = get(out "/ceiling-" op ".json", "ops_per_sec")
			l = get(out "/linux-" op ".json", "ops_per_sec")
			f = get(out "/fastmap-" op ".json", "ops_per_sec")
			# IPIs per page brought in: TLB-shootdown + function-call IPIs
			# per page read from the device (in steady state each read
			# page evicts one).
			lp = get(out "/linux-" op ".json", "device_read_bytes") / 4096
			li = get(out "/linux-" op ".json", "tlb_ipis") + get(out "/linux-" op ".json", "call_ipis")
			fe = get(out "/fastmap-" op ".json", "evictions")
			fi = get(out "/fastmap-" op ".json", "tlb_ipis") + get(out "/fastmap-" op ".json", "call_ipis")
			printf "%-6s %14.0f %14.0f %14.0f %8.2fx %8.2fx %14.3f %14.3f\n", op, c, l, f,
				l ? f / l : 0, c ? f / c : 0, lp ? li / lp : 0, fe ? fi / fe : 0
		}
	}'
