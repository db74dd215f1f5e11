#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The hit path of issue 8 ("fully cached >= 0.95x Linux mmap") in one VM boot:
# fastmap vs Linux mmap when the whole dataset is cached. null_blk
# (memory-backed), dataset = half the cache, warmed (every page touched once)
# before timing; Linux runs without a memory limit, so nothing is reclaimed.
# Two shapes per op and thread count:
#   steady   one mapping whose PTEs are all in place: touches are plain memory
#            accesses (page tables and TLB only, no fault)
#   refault  fmbench --remap 256: 1 MiB windows are mapped, each page touched
#            once in random order, unmapped, so every touch takes a fault that
#            hits the cache (a minor fault for Linux, fastmap's cache lookup);
#            mmap/munmap count in ops/s for both
#   refault-nofa  (reads only) refault with Linux's fault-around turned off
#            (debugfs fault_around_bytes = 4096): a Linux read fault maps up
#            to 16 cached neighbours by default, fastmap maps one page per
#            fault; this isolates the cost of one fault
# Each cell runs Linux, fastmap, fastmap, Linux and compares the means.
# Prints a table (fastmap hits/misses of its last run) and every run as CSV between FASTMAP-CSV-BEGIN/END (FMHIT:).
# Ratios only: TCG makes absolute numbers meaningless.
#
# usage: hitpath.sh [--smoke] [--cache-mb N] [--seconds N] [--threads 1,2] [--ops read,write]
#   default: cache 64 MiB, 10 s per run, threads 1..nproc, ops read,write;
#   --smoke: 8 MiB, 1 s, threads = nproc (a harness check for CI, not a benchmark)
set -u

CACHE_MB=64 SECS=10 THREADS='' OPS=read,write
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) CACHE_MB=8 SECS=1 THREADS=$(nproc) ;;
	--cache-mb) CACHE_MB=$2 && shift ;;
	--seconds) SECS=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--ops) OPS=$2 && shift ;;
	*) echo "hitpath: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift
done
NCPU=$(nproc)
[ -n "$THREADS" ] || THREADS=$(seq -s, 1 "$NCPU")
list() { echo "$1" | tr ',' ' '; }
die() { echo "hitpath: $*" >&2; exit 1; }
jget() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1" | head -n 1; }

OUT=/tmp/hitpath
mkdir -p "$OUT"
PAGES=$((CACHE_MB * 256 / 2))
insmod /lib/modules/extra/fastmap.ko || die "cannot load fastmap.ko"
gb=$((CACHE_MB / 1024 + 1))
modprobe null_blk nr_devices=1 memory_backed=1 gb=$gb || die "null_blk"
DEV=/dev/nullb0
dd if=/dev/zero of=$DEV bs=1M count=$((PAGES / 256)) oflag=direct 2>/dev/null ||
	die "prefill of $DEV failed"
KVER=$(uname -r)
echo "kernel $KVER, $NCPU vCPUs, cache $CACHE_MB MiB, dataset $((PAGES / 256)) MiB," \
	"$SECS s per run, threads $THREADS, ops $OPS"

CSV=$OUT/hitpath.csv
echo "kernel,vcpus,shape,op,threads,mode,ops_per_sec,p50,p99,faults,hits,misses" >"$CSV"

# run SHAPE OP THREADS MODE PATH: one fmbench run; prints its ops/s
run() {
	j=$OUT/$1-$2-$3-$4.json
	extra=''
	case $1 in refault*) extra='--remap 256' ;; esac
	fa=/sys/kernel/debug/fault_around_bytes
	if [ "$1" = refault-nofa ]; then
		[ -w $fa ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
		fa_was=$(cat $fa) || die "no $fa"
		echo 4096 >$fa || die "cannot set $fa"
	fi
	sync
	echo 3 >/proc/sys/vm/drop_caches
	# shellcheck disable=SC2086 # $extra is word-split on purpose
	fmbench --mode "$4" --path "$5" --op "$2" --threads "$3" --seconds "$SECS" \
		--pages "$PAGES" --warm $extra --quiet --json "$j" >/dev/null ||
		die "fmbench $*: failed"
	[ "$1" != refault-nofa ] || echo "$fa_was" >$fa
	echo "$KVER,$NCPU,$1,$2,$3,$4,$(jget "$j" ops_per_sec),$(jget "$j" p50),$(jget "$j" p99),$(jget "$j" faults),$(jget "$j" hits),$(jget "$j" misses)" >>"$CSV"
	jget "$j" ops_per_sec
}

# fastmap_run SHAPE OP THREADS: one run on a fresh instance
fastmap_run() {
	msg=$(fastmapctl attach $DEV --name hit --cache "${CACHE_MB}M" 2>&1) ||
		die "attach: $msg"
	run "$1" "$2" "$3" fastmap /dev/fastmap/hit || return 1
	msg=$(fastmapctl detach hit 2>&1) || die "detach: $msg"
}

printf '%-8s %-6s %7s %14s %14s %9s %s\n' shape op threads "Linux ops/s" "fastmap ops/s" \
	"fm/Linux" "fastmap hits/misses"
for shape in steady refault refault-nofa; do
	for op in $(list "$OPS"); do
		[ $shape != refault-nofa ] || [ "$op" = read ] || continue
		for t in $(list "$THREADS"); do
			# Linux, fastmap, fastmap, Linux: an order effect (host
			# load drifting during the cell) cancels out in the means.
			lx1=$(run $shape "$op" "$t" linux-mmap $DEV) || exit 1
			fm1=$(fastmap_run $shape "$op" "$t") || exit 1
			fm2=$(fastmap_run $shape "$op" "$t") || exit 1
			hm=$(tail -n 1 "$CSV" | awk -F, '{ print $11 "/" $12 }')
			lx2=$(run $shape "$op" "$t" linux-mmap $DEV) || exit 1
			lx=$(awk -v a="$lx1" -v b="$lx2" 'BEGIN { print (a + b) / 2 }')
			fm=$(awk -v a="$fm1" -v b="$fm2" 'BEGIN { print (a + b) / 2 }')
			printf '%-8s %-6s %7s %14.0f %14.0f %8.2fx %s\n' $shape "$op" "$t" "$lx" "$fm" \
				"$(awk -v a="$fm" -v b="$lx" 'BEGIN { print (b > 0 ? a / b : 0) }')" "$hm"
		done
	done
done
echo "FASTMAP-CSV-BEGIN"
sed 's/^/FMHIT:/' "$CSV"
echo "FASTMAP-CSV-END"
rmmod null_blk
rmmod fastmap || die "rmmod fastmap failed"
echo "hitpath: done"
