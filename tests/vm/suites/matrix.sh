#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark matrix of issue 8 in one VM boot: every device (null_blk,
# emulated NVMe, pmem) x threads 1..nproc x op (random read, random write) x
# dataset (4x and 16x the cache) x mode (O_DIRECT ceiling, Linux mmap in a
# cgroup whose memory.high is the cache, fastmap with that cache). Each run
# starts cold (sync, drop_caches; fastmap attached fresh). Prints progress
# (cell i/N, ETA) and, at the end, the results as CSV between the console
# markers FASTMAP-CSV-BEGIN and FASTMAP-CSV-END, one row per run prefixed
# "FMCSV:" (tools/bench-matrix.sh collects them on the host).
# Ratios only: TCG makes absolute numbers meaningless.
#
# usage: matrix.sh [--smoke|--quick] [--cache-mb N] [--seconds N]
#                  [--devices nullb,nvme,pmem] [--threads 1,2,...] [--ops read,write]
#                  [--ratios 4,16] [--repeat N] [--out DIR]
#   default: cache 16 MiB, 10 s per run; --quick: 8 MiB, 5 s; --smoke: 2 MiB, 1 s,
#   threads = nproc only (a harness check for CI, not a benchmark)
#   --repeat N: every cell runs its three modes N times, interleaved (the order
#   reversed on every other repetition, so that a drift of the host does not
#   favour one mode); the CSV's last column "rep" numbers them (default 1)
set -u

QUICK=0 CACHE_MB='' SECS='' DEVICES=nullb,nvme,pmem THREADS='' OPS=read,write RATIOS=4,16
REPEAT=1
OUT=/tmp/matrix
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--smoke) QUICK=2 ;;
	--cache-mb) CACHE_MB=$2 && shift ;;
	--seconds) SECS=$2 && shift ;;
	--devices) DEVICES=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--ops) OPS=$2 && shift ;;
	--ratios) RATIOS=$2 && shift ;;
	--repeat) REPEAT=$2 && shift ;;
	--out) OUT=$2 && shift ;;
	*) echo "matrix: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift
done
NCPU=$(nproc)
case $REPEAT in
'' | 0* | *[!0-9]*) echo "matrix: bad --repeat '$REPEAT'" >&2 && exit 2 ;;
esac
case $QUICK in
1) : "${CACHE_MB:=8}" "${SECS:=5}" ;;
2) : "${CACHE_MB:=2}" "${SECS:=1}" "${THREADS:=$NCPU}" ;;
*) : "${CACHE_MB:=16}" "${SECS:=10}" ;;
esac
if [ -z "$THREADS" ]; then
	THREADS=$(seq -s, 1 "$NCPU")
fi
list() { echo "$1" | tr ',' ' '; }
mkdir -p "$OUT"

die() { echo "matrix: $*" >&2; exit 1; }
jget() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1" | head -n 1; }

MAXRATIO=0
for r in $(list "$RATIOS"); do
	[ "$r" -gt "$MAXRATIO" ] || continue
	MAXRATIO=$r
done
MAXPAGES=$((CACHE_MB * 256 * MAXRATIO))

echo "=== setup: fastmap.ko, devices, cgroup"
insmod /lib/modules/extra/fastmap.ko || die "cannot load fastmap.ko"
devpath() {
	case $1 in
	nullb) echo /dev/nullb0 ;;
	nvme) echo /dev/nvme0n1 ;;
	pmem) echo /dev/pmem0 ;;
	*) return 1 ;;
	esac
}
for d in $(list "$DEVICES"); do
	p=$(devpath "$d") || die "unknown device $d (want nullb, nvme, pmem)"
	if [ "$d" = nullb ]; then
		gb=$(((MAXPAGES / 262144) + 1))
		modprobe null_blk nr_devices=1 memory_backed=1 gb=$gb || die "null_blk"
	fi
	[ -b "$p" ] || die "$p missing (run-vm.sh --nvme-size/--pmem-size 0?)"
	size=$(($(cat "/sys/class/block/${p#/dev/}/size") / 8))
	[ "$size" -ge "$MAXPAGES" ] ||
		die "$p has $size pages, the largest dataset needs $MAXPAGES (grow it on the host)"
	# pmem keeps no I/O statistics by default; Linux's pages-in come from them.
	echo 1 >"/sys/class/block/${p#/dev/}/queue/iostats" 2>/dev/null || true
done
echo "+memory" >/sys/fs/cgroup/cgroup.subtree_control || die "memory controller"
# As compare.sh: memory.high = the cache throttles and reclaims the page cache
# there; memory.max at twice that only backs it up (memory.max alone makes
# 6.12 OOM-kill a random-write run).
mkdir -p /sys/fs/cgroup/linux-mmap
echo $((CACHE_MB << 20)) >/sys/fs/cgroup/linux-mmap/memory.high
echo $((CACHE_MB << 21)) >/sys/fs/cgroup/linux-mmap/memory.max

# Prefill the largest dataset of every device once, so that reads in every
# cell hit written (allocated) blocks whatever ran before.
for d in $(list "$DEVICES"); do
	p=$(devpath "$d")
	t0=$(date +%s)
	dd if=/dev/zero of="$p" bs=1M count=$((MAXPAGES / 256)) oflag=direct 2>/dev/null ||
		die "prefill of $p failed"
	echo "prefill $p: $((MAXPAGES / 256)) MiB in $(($(date +%s) - t0)) s"
done

KVER=$(uname -r)
NCELLS=0
for d in $(list "$DEVICES"); do for r in $(list "$RATIOS"); do for o in $(list "$OPS"); do
	for t in $(list "$THREADS"); do NCELLS=$((NCELLS + 1)); done
done; done; done
echo "kernel $KVER, $NCPU vCPUs, devices $DEVICES, threads $THREADS, ops $OPS," \
	"datasets ${RATIOS}x of a $CACHE_MB MiB cache, $SECS s per run: $NCELLS cells," \
	"$((NCELLS * 3 * REPEAT)) runs ($REPEAT per cell and mode)"

CSV=$OUT/matrix.csv
echo "kernel,vcpus,device,threads,op,ratio_dataset,mode,ops_per_sec,p50,p99,tlb_ipis,call_ipis,evictions,shootdowns,dev_read_bytes,dev_write_bytes,cache_mb,seconds,evict_batches,wb_pages,cpu_us_per_op,rep" >"$CSV"

bench() { # REP DEVICE THREADS OP RATIO MODE PATH [cgroup]
	rep=$1 dev=$2 thr=$3 op=$4 ratio=$5 mode=$6 path=$7 cg=${8:-}
	pages=$((CACHE_MB * 256 * ratio))
	j=$OUT/$dev-$ratio-$op-$thr-$mode-$rep.json
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if [ -n "$cg" ]; then
		sh -c "echo \$\$ >/sys/fs/cgroup/$cg/cgroup.procs && exec fmbench --mode $mode \
			--path $path --op $op --threads $thr --seconds $SECS --pages $pages \
			--quiet --json $j"
	else
		fmbench --mode "$mode" --path "$path" --op "$op" --threads "$thr" \
			--seconds "$SECS" --pages "$pages" --quiet --json "$j"
	fi || die "fmbench $mode $dev $op $thr threads ${ratio}x failed"
	ev=$(jget "$j" evictions) sd=$(jget "$j" shootdowns)
	row="$KVER,$NCPU,$dev,$thr,$op,$ratio,$mode,$(jget "$j" ops_per_sec),$(jget "$j" p50)"
	row="$row,$(jget "$j" p99),$(jget "$j" tlb_ipis),$(jget "$j" call_ipis),${ev:-0},${sd:-0}"
	eb=$(jget "$j" evict_batches) wb=$(jget "$j" wb_pages)
	row="$row,$(jget "$j" device_read_bytes),$(jget "$j" device_write_bytes),$CACHE_MB,$SECS"
	row="$row,${eb:-0},${wb:-0},$(jget "$j" cpu_us_per_op),$rep"
	echo "$row" >>"$CSV"
	printf '  %-12s %10.0f ops/s  p99 %s ns  IPIs %s+%s%s\n' "$mode" "$(jget "$j" ops_per_sec)" \
		"$(jget "$j" p99)" "$(jget "$j" tlb_ipis)" "$(jget "$j" call_ipis)" \
		"${ev:+  evictions $ev / $sd rounds}"
}

run_mode() { # REP DEVICE THREADS OP RATIO MODE PATH
	case $6 in
	pread-direct) bench "$@" ;;
	linux-mmap) bench "$@" linux-mmap ;;
	fastmap)
		# (fastmapctl notes on stderr that fastmapd is not running)
		msg=$(fastmapctl attach "$7" --name mx --cache "${CACHE_MB}M" 2>&1) ||
			die "attach $7: $msg"
		bench "$1" "$2" "$3" "$4" "$5" fastmap /dev/fastmap/mx
		msg=$(fastmapctl detach mx 2>&1) || die "detach mx: $msg"
		;;
	esac
}

T0=$(date +%s)
i=0
for d in $(list "$DEVICES"); do
	p=$(devpath "$d")
	for r in $(list "$RATIOS"); do
		for o in $(list "$OPS"); do
			for t in $(list "$THREADS"); do
				now=$(date +%s)
				eta=''
				[ $i -eq 0 ] || eta=", ETA $(((now - T0) * (NCELLS - i) / i)) s"
				i=$((i + 1))
				echo "=== matrix: cell $i/$NCELLS: $d, ${r}x, random $o, $t threads" \
					"(elapsed $((now - T0)) s$eta)"
				k=1
				while [ $k -le "$REPEAT" ]; do
					[ "$REPEAT" -eq 1 ] || echo "  repetition $k/$REPEAT"
					if [ $((k % 2)) -eq 1 ]; then
						modes="pread-direct linux-mmap fastmap"
					else
						modes="fastmap linux-mmap pread-direct"
					fi
					for m in $modes; do
						run_mode "$k" "$d" "$t" "$o" "$r" "$m" "$p"
					done
					k=$((k + 1))
				done
			done
		done
	done
done
echo "=== matrix: $NCELLS cells in $(($(date +%s) - T0)) s"

# Console markers for the host; each row prefixed so that a stray kernel line
# in between cannot be mistaken for data.
echo "FASTMAP-CSV-BEGIN"
sed 's/^/FMCSV:/' "$CSV"
echo "FASTMAP-CSV-END"
