#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# libFuzzer on the host (issue 9): fastmapd's policy parser and the size/count/
# duration/name parsers behind fastmapctl's arguments, and fastmapctl's whole
# command line (on an in-memory Control), with ASan + UBSan.
# Configures its own clang build directory, builds the fuzz targets, runs each
# for --seconds, keeps the grown corpus in BUILD/fuzz-corpus and any crashing
# input in BUILD/fuzz-artifacts.  Exit 0 when no target crashed.
#
#   tools/fuzz-host.sh [--build-dir DIR] [--seconds N] [--target NAME]...
set -euo pipefail
prog=fuzz-host
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-fuzz
seconds=60
targets=()
die() {
	echo "$prog: error: $*" >&2
	exit 2
}
while (($#)); do
	case $1 in
	--build-dir) build=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--target) targets+=("$2"); shift 2 ;;
	-h | --help) sed -n '3,12p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[[ $seconds =~ ^[0-9]+$ ]] || die "--seconds needs a number"
((${#targets[@]})) || targets=(fuzz_policy fuzz_units fuzz_cli)
command -v clang++ >/dev/null || die "clang++ not found (apt-get install clang)"

declare -A corpus=([fuzz_policy]=policy [fuzz_units]=units [fuzz_cli]=cli)
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
t0=$SECONDS
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFASTMAP_FUZZ=ON \
	-DFASTMAP_BUILD_KMOD=OFF -DFASTMAP_WERROR=OFF -DBUILD_TESTING=OFF \
	-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_C_FLAGS=-O1 -g $san" \
	"-DCMAKE_CXX_FLAGS=-O1 -g $san" >"$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log" >&2; die "configure failed"; }
cmake --build "$build" --parallel 2 --target "${targets[@]}" >"$build.build.log" 2>&1 ||
	{ tail -40 "$build.build.log" >&2; die "build failed"; }
echo "$prog: built ${targets[*]} in $((SECONDS - t0))s; fuzzing each for ${seconds}s"

rc=0
for t in "${targets[@]}"; do
	seeds=$root/tests/fuzz/corpus/${corpus[$t]:-$t}
	work=$build/fuzz-corpus/$t
	art=$build/fuzz-artifacts
	mkdir -p "$work" "$art"
	log=$build/$t.log
	if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/$t-" \
		"$work" "$seeds" >"$log" 2>&1; then
		stats=$(grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" |
			sed 's/^stat:://' | tr '\n' ' ')
		cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
		echo "$prog: $t: ok: ${stats}${cov}"
	else
		rc=1
		echo "$prog: $t: FAILED (log $log); crashing inputs:" >&2
		ls -1 "$art"/"$t"-* >&2 2>/dev/null || true
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$log" | head -20 >&2
	fi
done
exit "$rc"
