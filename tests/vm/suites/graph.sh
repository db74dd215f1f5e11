#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Application benchmark (issue 8): BFS and PageRank (bench/fmgraph.c) over a
# memory-mapped CSR graph stored on a block device, stock Linux mmap of the
# device vs fastmap, datasets 4x and 16x the cache, in one VM run. Linux runs
# in a cgroup whose memory.max is the cache plus the program's vertex arrays
# (anonymous memory counts against the cgroup; fastmap's run gets the same
# arrays outside its cache). Both start cold. Each run is bounded (--seconds;
# stock mmap under a tight limit can take hours under TCG): the table compares
# rates (million traversed edges per second), and a pair of runs that both
# completed must compute the same answer (checksum). Ratios only: TCG.
#
# usage: graph.sh [--smoke] [--device nullb|pmem|nvme] [--cache MIB] [--threads N]
#                 [--seconds S]
set -u

SMOKE=0 DEVKIND=nullb CACHE_MB=16 THREADS=$(nproc) SECS=90
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--device) DEVKIND=$2 && shift ;;
	--cache) CACHE_MB=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--seconds) SECS=$2 && shift ;;
	*) echo "graph: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift
done
if [ $SMOKE = 1 ]; then CACHE_MB=4 SECS=8; fi
OUT=/tmp/graph
mkdir -p $OUT
bad=0
die() { echo "graph: $*" >&2; exit 1; }
jget() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1" | head -n 1; }

insmod /lib/modules/extra/fastmap.ko || die "cannot load fastmap.ko"
case $DEVKIND in
nullb)
	modprobe null_blk nr_devices=1 memory_backed=1 gb=2 || die "null_blk"
	DEV=/dev/nullb0 ;;
pmem) DEV=/dev/pmem0 ;;
nvme) DEV=/dev/nvme0n1 ;;
*) die "unknown device $DEVKIND" ;;
esac
[ -b "$DEV" ] || die "$DEV missing"
echo "+memory" >/sys/fs/cgroup/cgroup.subtree_control || die "memory controller"
mkdir -p /sys/fs/cgroup/linux-mmap
echo "kernel $(uname -r), $THREADS threads, device $DEV, cache $CACHE_MB MiB, at most $SECS s per run"

# run TAG APP MODE: one cold run; JSON in $OUT/TAG-APP-MODE.json. Modes: linux
# (stock mmap of the device, as programs do it), linux-random (the same with
# madvise(MADV_RANDOM): no read-around on misses), fastmap.
run() {
	tag=$1 app=$2 mode=$3
	f=$OUT/$tag-$app-$mode.json
	case $app in
	bfs) opt=--sources ;;
	*) opt=--iters ;;
	esac
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if [ "$mode" != fastmap ]; then
		adv=''
		[ "$mode" = linux ] || adv=--random
		sh -c "echo \$\$ >/sys/fs/cgroup/linux-mmap/cgroup.procs && exec fmgraph $app $DEV \
			$opt 2 --threads $THREADS --seconds $SECS $adv" >"$f" ||
			die "fmgraph $app ($mode) failed"
	else
		fastmapctl --no-daemon attach "$DEV" --name graph --cache "${CACHE_MB}M" >/dev/null ||
			die "attach"
		fmgraph "$app" /dev/fastmap/graph $opt 2 --threads "$THREADS" --seconds "$SECS" >"$f" ||
			die "fmgraph $app (fastmap) failed"
		ev=$(cat /sys/kernel/fastmap/graph/stats/evictions)
		sd=$(cat /sys/kernel/fastmap/graph/stats/shootdowns)
		fastmapctl --no-daemon detach graph >/dev/null || die "detach"
		sed -i "s/}\$/, \"evictions\": $ev, \"shootdowns\": $sd}/" "$f"
	fi
	echo "$tag $app $mode: $(cat "$f")"
}

for mult in 4 16; do
	tag=${mult}x
	# bytes ~ 8 n + 4 m with m ~ 16 n: 72 bytes per vertex
	n=$((CACHE_MB * mult * 1048576 / 72))
	arrays=$((n * 16))	# PageRank's two 8-byte arrays (BFS needs 12 n)
	# + 4 MiB for the process itself (static binary, stacks, page tables):
	# Linux gets the cache plus everything the program needs besides the
	# graph, so any error favours Linux. memory.max, not memory.high: the
	# graph is only read, its pages are always reclaimable, and reclaim at
	# memory.max is plain direct reclaim, whereas a task over memory.high is
	# also put to sleep as a penalty, which would make Linux look worse than
	# it is.
	lim=$((CACHE_MB * 1048576 + arrays + 4194304))
	echo max >/sys/fs/cgroup/linux-mmap/memory.high
	echo $lim >/sys/fs/cgroup/linux-mmap/memory.max
	echo
	echo "=== dataset $tag the cache: $(fmgraph gen $DEV --vertices $n --degree 16 --seed $mult)"
	for app in bfs pagerank; do
		run "$tag" "$app" linux
		run "$tag" "$app" linux-random
		run "$tag" "$app" fastmap
		a=$(jget "$OUT/$tag-$app-linux.json" checksum)
		b=$(jget "$OUT/$tag-$app-fastmap.json" checksum)
		if ! grep -q '"complete": true' "$OUT/$tag-$app-linux.json" ||
			! grep -q '"complete": true' "$OUT/$tag-$app-fastmap.json"; then
			echo "graph: $tag $app: a run hit the time bound; results not compared"
		elif [ "$a" != "$b" ] || [ -z "$a" ]; then
			echo "graph: $tag $app: results differ (linux $a, fastmap $b)"
			bad=1
		else
			echo "graph: $tag $app: identical results (checksum $a)"
		fi
	done
done

echo
echo "=== comparison (same VM, same device, same graph; MTEPS = million traversed edges/s;"
echo "    speedup = fastmap / the better of the two Linux runs)"
printf "%-8s %-9s %12s %12s %12s %9s %12s %10s\n" dataset app "linux" "linux-rand" "fastmap" \
	speedup "fm evicted" "fm rounds"
for mult in 4 16; do
	for app in bfs pagerank; do
		l=$(jget $OUT/${mult}x-$app-linux.json mteps)
		r=$(jget $OUT/${mult}x-$app-linux-random.json mteps)
		f=$(jget $OUT/${mult}x-$app-fastmap.json mteps)
		awk -v d="${mult}x" -v a=$app -v l="$l" -v r="$r" -v f="$f" \
			-v e="$(jget $OUT/${mult}x-$app-fastmap.json evictions)" \
			-v s="$(jget $OUT/${mult}x-$app-fastmap.json shootdowns)" \
			'BEGIN { b = (l > r ? l : r)
				printf "%-8s %-9s %12.4f %12.4f %12.4f %8.2fx %12d %10d\n", d, a, l, r, f,
				(b > 0 ? f / b : 0), e, s }'
	done
done
rmmod fastmap || bad=1
[ $bad = 0 ] && echo "graph: no pair of complete runs computed different results"
exit $bad
