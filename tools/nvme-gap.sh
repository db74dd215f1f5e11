#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Where the gap between fastmap and the O_DIRECT ceiling on emulated NVMe goes
# (issue 8): boots one VM (tests/vm/suites/nvme-gap.sh: pread-direct and
# fastmap alternating, random reads over 16x the cache, then an idle phase)
# and samples the CPU time of every QEMU thread on the host once a second.
# Prints, per phase: ops/s, guest CPU per op (all vCPUs, /proc/stat), guest
# busy %, and the host CPU of QEMU's vCPU threads, its main loop (device
# emulation, completions) and its I/O workers, in % of one host core.
# With perf on the host, the guest also profiles one run of each mode.
#
# usage: tools/nvme-gap.sh [--build-dir DIR] [--kernel 6.1|6.12] [--rounds N]
#                          [--seconds N] [--threads N] [--out DIR]
# Writes OUT/nvme-gap-<kernel>.txt (the table and the perf tops) and the
# console log next to it. Ratios and shares only: TCG makes absolute numbers
# meaningless.
set -euo pipefail

prog=nvme-gap
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
die() {
	echo "$prog: error: $*" >&2
	exit 2
}
log() { echo "$prog: $*" >&2; }

build=build kernel=6.1 rounds=2 seconds=12 threads=2 out=$top/docs/benchmarks/nvme-gap
while (($#)); do
	case $1 in
	--build-dir | --kernel | --rounds | --seconds | --threads | --out)
		(($# >= 2)) || die "$1 needs an argument"
		case $1 in
		--build-dir) build=$2 ;;
		--kernel) kernel=$2 ;;
		--rounds) rounds=$2 ;;
		--seconds) seconds=$2 ;;
		--threads) threads=$2 ;;
		--out) out=$2 ;;
		esac
		shift 2
		;;
	-h | --help)
		sed -n '/^# usage:/,/^# meaningless/p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
for v in rounds seconds threads; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "bad --$v '${!v}'"
done
[[ -x $build/bench/fmbench ]] || die "$build/bench/fmbench missing: build first (cmake --build $build)"
command -v python3 >/dev/null || die "python3 is needed for the report"
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/nvme-gap.XXXXXX")
sampler=''
cleanup() {
	[[ -z $sampler ]] || kill "$sampler" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

before=$(pgrep -d ' ' -x qemu-system-x86 || true)
perf_bin=()
! command -v perf >/dev/null || perf_bin=(--bin "$(command -v perf)")

# Host sampler: "<epoch> <tid> <thread name> <utime+stime ticks>" for every
# thread of the new QEMU process, once a second, until it exits.
sample() {
	local pid='' p t name st
	while [[ -z $pid ]]; do
		for p in $(pgrep -x qemu-system-x86 || true); do
			[[ " $before " == *" $p "* ]] || pid=$p
		done
		sleep 0.2
	done
	while kill -0 "$pid" 2>/dev/null; do
		now=$(date +%s.%N)
		for t in /proc/"$pid"/task/*; do
			# (a thread may end between the listing and the reads)
			name=$({ tr ' ' _ <"$t/comm"; } 2>/dev/null) || continue
			st=$({ sed 's/^.*) //' "$t/stat"; } 2>/dev/null) || continue
			read -r -a f <<<"$st"
			echo "$now ${t##*/} $name $((f[11] + f[12]))"
		done
		sleep 1
	done
}
sample >"$work/threads.txt" &
sampler=$!

con=$out/console-$kernel.log
timeout=$((rounds * 2 * (seconds + 20) + 3 * seconds + 400))
log "kernel $kernel: $rounds rounds of pread-direct and fastmap, $seconds s each, $threads threads"
rc=0
"$top/tests/vm/run-suite.sh" --build-dir "$build" --kernel "$kernel" \
	--suite "$top/tests/vm/suites/nvme-gap.sh" --timeout "$timeout" "${perf_bin[@]}" \
	-- --rounds "$rounds" --seconds "$seconds" --threads "$threads" 2>&1 |
	while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done >"$work/console.txt" ||
	rc=$?
sed 's/^[0-9.]* //' "$work/console.txt" | tr -d '\r' >"$con"
((rc == 0)) || die "the VM run failed ($rc); console in $con"
wait "$sampler" 2>/dev/null || true
sampler=''

python3 - "$work/threads.txt" "$work/console.txt" "$con" >"$out/nvme-gap-$kernel.txt" <<'EOF'
import collections, re, sys

threads_f, console_f, con = sys.argv[1:4]
hz = 100.0  # USER_HZ: /proc/<pid>/task/<tid>/stat counts in 1/100 s
series = collections.defaultdict(list)
names = {}
for line in open(threads_f):
    ts, tid, name, ticks = line.split()
    series[tid].append((float(ts), int(ticks)))
    names[tid] = name

def ticks_at(points, t):
    prev = None
    for ts, v in points:
        if ts >= t:
            if prev is None:
                return v
            pts, pv = prev
            return pv + (v - pv) * (t - pts) / (ts - pts)
        prev = (ts, v)
    return points[-1][1]

def kind(name):
    if re.match(r"CPU_\d+/TCG", name):
        return "vcpu"
    if name.startswith("worker"):
        return "io"
    if name.startswith("qemu-system"):
        return "main"
    return "other"

phases, starts, kver, secs = [], {}, "?", 0.0
for line in open(console_f):
    ts, _, rest = line.partition(" ")
    m = re.match(r"nvme-gap: (\S+),.* (\d+) s per phase", rest)
    if m:
        kver, secs = m.group(1), float(m.group(2))
    m = re.match(r"NVME-GAP-(START|END) (\S+) (\S+)(.*)", rest.strip())
    if not m:
        continue
    key = (m.group(2), m.group(3))
    if m.group(1) == "START":
        starts[key] = float(ts)
    elif key in starts:
        phases.append((key, starts[key], float(ts), m.group(4).split()))

print(f"# NVMe gap: {kver}, console {con}")
print()
print("| phase | ops/s | guest CPU µs/op | guest busy % | context switches/op | interrupts/op | evictions/op | eviction stalls | host CPU %: vCPUs | main loop | I/O workers | other | total |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (mode, rnd), a, b, vals in phases:
    # Skip the first and last second: start-up and the JSON write.
    a, b = a + 1.0, b - 1.0
    if b <= a:
        continue
    use = collections.Counter()
    for tid, pts in series.items():
        if pts[0][0] > a or pts[-1][0] < b:
            continue
        use[kind(names[tid])] += (ticks_at(pts, b) - ticks_at(pts, a)) / hz / (b - a) * 100
    ops, cpu, busy, faults, ev, stalls, ctx, intr = ((vals + [""] * 8)[:8])
    ctx = f"{float(ctx):.2f}" if ctx else "–"
    intr = f"{float(intr):.2f}" if intr else "–"
    opsf = float(ops or 0)
    epo = f"{float(ev) / (opsf * secs):.2f}" if mode == "fastmap" and opsf > 0 and secs else "–"
    total = sum(use.values())
    print(f"| {mode} {rnd} | {opsf:.0f} | {float(cpu or 0):.1f} | {float(busy or 0):.1f} | {ctx} | {intr} | {epo} | "
          f"{stalls if mode == 'fastmap' else '–'} | {use['vcpu']:.0f} | {use['main']:.0f} | "
          f"{use['io']:.0f} | {use['other']:.0f} | {total:.0f} |")
print()
print("Host CPU in % of one host core, averaged over the phase; guest busy % is of all vCPUs.")
inperf = False
for line in open(console_f):
    rest = line.partition(" ")[2].rstrip("\n")
    if rest.startswith("=== perf,"):
        inperf = True
        print()
        print(rest)
        continue
    if inperf:
        if re.match(r"\s+\d+\.\d+%", rest):
            print(rest)
        elif rest.startswith("==="):
            inperf = False
EOF
cat "$out/nvme-gap-$kernel.txt"
log "wrote $out/nvme-gap-$kernel.txt"
