#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/bench-matrix.sh --report on hand-made CSVs (no VM): with repetitions
# (the "rep" column) the tables must show the medians and the range of the
# per-repetition ratios; an older CSV without "rep" renders without ranges.
# usage: bench_report_test.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: bench_report_test.sh SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-report-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # DESCRIPTION FILE FIXED-STRING
	if grep -qF -- "$3" "$2"; then
		echo "PASS: $1"
	else
		echo "FAIL: $1: '$3' not in $2:" && cat "$2"
		fails=$((fails + 1))
	fi
}
hdr=kernel,vcpus,device,threads,op,ratio_dataset,mode,ops_per_sec,p50,p99,tlb_ipis,call_ipis,evictions,shootdowns,dev_read_bytes,dev_write_bytes,cache_mb,seconds,evict_batches,wb_pages,cpu_us_per_op
row() { # MODE OPS CPU REP
	echo "6.1.0-test,2,nvme,2,read,16,$1,$2,100000,200000,0,10,5120,10,41943040,0,16,10,10,0,$3${4:+,$4}"
}
# report NAME: the CSV on stdin -> $tmp/NAME/matrix.md (stderr in $tmp/NAME/err)
report() {
	mkdir "$tmp/$1"
	cat >"$tmp/$1/matrix.csv"
	if ! bash "$src/tools/bench-matrix.sh" --report "$tmp/$1/matrix.csv" --out "$tmp/$1" \
		--no-plot 2>"$tmp/$1/err"; then
		echo "bench-matrix.sh --report failed on the CSV '$1':" >&2
		cat "$tmp/$1/err" >&2
		return 1
	fi
}

# Three repetitions: fastmap / ceiling 0.90, 0.80, 1.10 and fastmap / Linux 1.80, 1.60, 2.20;
# the medians are ceiling 1000, Linux 500, fastmap 900.
{
	echo "$hdr,rep"
	row pread-direct 1000 30 1 && row linux-mmap 500 90 1 && row fastmap 900 50 1
	row fastmap 960 52 2 && row linux-mmap 600 95 2 && row pread-direct 1200 31 2
	row pread-direct 800 29 3 && row linux-mmap 400 80 3 && row fastmap 880 60 3
} | report rep
md=$tmp/rep/matrix.md
check "repetitions: the target row has the median ratio and its range" "$md" \
	"| fastmap ≥ 0.9× ceiling, nvme, 16x, random read | 0.90× (0.80–1.10) (Linux 0.50×) | met |"
check "repetitions: the table row has the medians and both ranges" "$md" \
	"| 16× | read | 2 | 1000 | 500 | 900 | **1.80× (1.60–2.20)** | 0.90× (0.80–1.10) | 0.50× |"
check "repetitions: the median guest CPU per op" "$md" "| 30 / 90 / 52 |"
check "repetitions: the method is stated" "$md" "Every cell ran 3 times"

# The same cell without repetitions (an older CSV): plain ratios.
{
	echo "$hdr"
	row pread-direct 1000 30 && row linux-mmap 500 90 && row fastmap 850 50
} | report old
md=$tmp/old/matrix.md
check "one run: plain ratios" "$md" "| 16× | read | 2 | 1000 | 500 | 850 | **1.70×** | 0.85× | 0.50× |"
check "one run: the target is missed" "$md" "| 0.85× (Linux 0.50×) | missed |"
# 0.89996 of the ceiling misses 0.9: the target row must not round it up to "0.90×".
{
	echo "$hdr"
	row pread-direct 1000 30 && row linux-mmap 500 90 && row fastmap 899.96 50
} | report edge
check "a ratio just below the target keeps a third decimal" "$tmp/edge/matrix.md" \
	"| 0.899× (Linux 0.50×) | missed |"
if grep -q "Every cell ran" "$md"; then
	echo "FAIL: one run: the repetition note is printed" && fails=$((fails + 1))
else
	echo "PASS: one run: no repetition note"
fi
# A CSV whose repetitions miss a mode must still render (no ratio for that repetition).
if {
	echo "$hdr,rep"
	row pread-direct 1000 30 1 && row linux-mmap 500 90 1 && row fastmap 900 50 1
	row pread-direct 1000 30 2 && row linux-mmap 500 90 2
} | report gap; then
	check "a repetition without fastmap: the ratio of the one complete repetition" "$tmp/gap/matrix.md" "0.90× (0.90–0.90)"
else
	echo "FAIL: --report on a CSV with a missing mode: $(cat "$tmp/gap/err")" && fails=$((fails + 1))
fi
if ((fails)); then
	echo "bench_report_test: $fails failed"
	exit 1
fi
echo "bench_report_test: all passed"
