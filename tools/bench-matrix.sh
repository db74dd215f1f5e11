#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark matrix of issue 8: for each kernel, ONE VM boot
# (tests/vm/suites/matrix.sh) runs null_blk, emulated NVMe and pmem x threads
# 1..vCPUs x random read/write x dataset 4x/16x the cache x {O_DIRECT ceiling,
# Linux mmap in a cgroup with memory.high = the cache, fastmap}. The guest
# prints its results as CSV on the console; this script collects them into
# OUT/matrix.csv and writes OUT/matrix.md (ratio tables, the command, kernel,
# vCPUs, date) and PNG plots (tools/bench-plot.sh, gnuplot).
# Ratios inside one run only: TCG makes absolute numbers meaningless.
set -euo pipefail

prog=bench-matrix
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

die() {
	echo "$prog: error: $*" >&2
	exit 2
}
log() { echo "$prog: $*" >&2; }

usage() {
	cat <<'EOF'
usage: tools/bench-matrix.sh [--build-dir DIR] [--kernel 6.1[,6.12]] [--smoke|--quick]
                             [--cache-mb N] [--seconds N] [--devices nullb,nvme,pmem]
                             [--threads 1,2] [--ratios 4,16] [--ops read,write]
                             [--repeat N] [--smp N] [--timeout SEC] [--out DIR] [--no-plot]
       tools/bench-matrix.sh --report CSV [--out DIR] [--no-plot]
  --build-dir DIR  CMake build directory (default: build)
  --kernel LIST    kernel series or releases, comma-separated: one VM boot each
                   (default 6.1)
  --smoke          tiny sizes, threads = vCPUs only: checks the harness (CI)
  --quick          cache 8 MiB, 5 s per run (default: cache 16 MiB, 10 s)
  --cache-mb, --seconds, --devices, --threads, --ratios, --ops
                   override the matrix (threads default: 1..vCPUs)
  --repeat N       run every cell N times, the modes interleaved (order reversed
                   on every other repetition); the tables show medians and the
                   range of the per-repetition ratios, OUT/matrix-median.csv
                   holds the medians (default 1)
  --smp N          vCPUs of the VM (default 2)
  --timeout SEC    kill a VM after SEC seconds (default: 3x the estimate + 300)
  --out DIR        results: matrix.csv, matrix.md, *.png (default docs/benchmarks)
  --no-plot        no PNGs (the CSV and the tables only)
  --report CSV     no VM: regenerate matrix.md and the plots from CSV
Exit: 0 done; 1 a VM run failed (its console is in OUT/console-<kernel>.log;
      the other kernels' results are still written); 2 bad arguments or missing
      prerequisites; 3 gnuplot missing (CSV and tables written, plots not;
      with --smoke only a warning, exit 0).
EOF
}

build=build kernels=6.1 size='' cache_mb='' seconds='' devices=nullb,nvme,pmem
threads='' ratios=4,16 ops=read,write repeat=1 smp=2 out=$top/docs/benchmarks plot=1 report='' timeout=''
cmdline="tools/bench-matrix.sh $*"
while (($#)); do
	case $1 in
	--build-dir | --kernel | --cache-mb | --seconds | --devices | --threads | --ratios | \
		--ops | --repeat | --smp | --out | --report | --timeout)
		(($# >= 2)) || die "$1 needs an argument"
		case $1 in
		--build-dir) build=$2 ;;
		--kernel) kernels=$2 ;;
		--cache-mb) cache_mb=$2 ;;
		--seconds) seconds=$2 ;;
		--devices) devices=$2 ;;
		--threads) threads=$2 ;;
		--ratios) ratios=$2 ;;
		--ops) ops=$2 ;;
		--repeat) repeat=$2 ;;
		--smp) smp=$2 ;;
		--out) out=$2 ;;
		--report) report=$2 ;;
		--timeout) timeout=$2 ;;
		esac
		shift 2
		;;
	--smoke) size=smoke && shift ;;
	--quick) size=quick && shift ;;
	--no-plot) plot=0 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && die "unknown argument '$1'" ;;
	esac
done

num_list() { [[ $1 =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "$2: want a comma-separated list of numbers, got '$1'"; }
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "bad --smp '$smp'"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "bad --repeat '$repeat'"
[[ -z $timeout || $timeout =~ ^[1-9][0-9]*$ ]] || die "bad --timeout '$timeout'"
[[ -z $cache_mb || $cache_mb =~ ^[1-9][0-9]*$ ]] || die "bad --cache-mb '$cache_mb'"
[[ -z $seconds || $seconds =~ ^[1-9][0-9]*$ ]] || die "bad --seconds '$seconds'"
[[ -z $threads ]] || num_list "$threads" --threads
num_list "$ratios" --ratios
[[ $devices =~ ^(nullb|nvme|pmem)(,(nullb|nvme|pmem))*$ ]] || die "bad --devices '$devices' (nullb,nvme,pmem)"
[[ $ops =~ ^(read|write)(,(read|write))*$ ]] || die "bad --ops '$ops' (read,write)"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---------------------------------------------------------------------------
# Repetitions (CSVs whose last column is "rep"): one row per (cell, mode) with
# the median of every number over the repetitions, and per cell the range of
# the per-repetition ratios fastmap / ceiling and fastmap / Linux (the modes of
# one repetition ran back to back) in the extra columns reps, fc_min, fc_max,
# fl_min, fl_max.
reduce_csv() { # RAW OUT
	awk -F, '
	function med(g, c, n, i, j, t, a, any) {
		n = cnt[g]; any = 0
		for (i = 1; i <= n; i++) {
			if (val[g, i, c] != "") any = 1
			a[i] = val[g, i, c] + 0
		}
		if (!any) return ""
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
			a[j + 1] = t
		}
		return sprintf("%.10g", n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
	}
	NR == 1 { h = $1; for (i = 2; i < NF; i++) h = h "," $i; print h ",reps,fc_min,fc_max,fl_min,fl_max"; last = NF - 1; next }
	{
		cell = $1; for (i = 2; i <= 6; i++) cell = cell SUBSEP $i
		g = cell SUBSEP $7
		if (!(g in cnt)) { grp[++ng] = g; gcell[g] = cell }
		n = ++cnt[g]
		for (i = 8; i <= last; i++) val[g, n, i] = $i
		ops[cell, $NF, $7] = $8; if (!((cell, $NF) in seenr)) { seenr[cell, $NF] = 1; reps[cell, ++nr[cell]] = $NF }
	}
	END {
		for (q = 1; q <= ng; q++) {
			g = grp[q]; cell = gcell[g]
			if (!(cell in done)) {
				done[cell] = 1
				for (i = 1; i <= nr[cell]; i++) {
					k = reps[cell, i]
					# A repetition without a fastmap run gives no ratio.
					if (!((cell, k, "fastmap") in ops)) continue
					fm = ops[cell, k, "fastmap"]
					ce = ops[cell, k, "pread-direct"]; li = ops[cell, k, "linux-mmap"]
					if (ce > 0) { x = fm / ce; if (!(cell in fcl) || x < fcl[cell]) fcl[cell] = x; if (!(cell in fch) || x > fch[cell]) fch[cell] = x }
					if (li > 0) { x = fm / li; if (!(cell in fll) || x < fll[cell]) fll[cell] = x; if (!(cell in flh) || x > flh[cell]) flh[cell] = x }
				}
			}
			split(g, f, SUBSEP); line = f[1]
			for (i = 2; i <= 7; i++) line = line "," f[i]
			for (i = 8; i <= last; i++) line = line "," med(g, i)
			printf "%s,%d,%s,%s,%s,%s\n", line, cnt[g], (cell in fcl) ? sprintf("%.4f", fcl[cell]) : "", (cell in fch) ? sprintf("%.4f", fch[cell]) : "", (cell in fll) ? sprintf("%.4f", fll[cell]) : "", (cell in flh) ? sprintf("%.4f", flh[cell]) : ""
		}
	}' "$1" >"$2"
}

# ---------------------------------------------------------------------------
# Report: CSV -> markdown tables (+ plots).
# The rows of one kernel, one device: per (dataset, op, threads) the three
# modes side by side and their ratios.
write_report() { # CSV MD
	local csv=$1 md=$2
	{
		echo "# Benchmark matrix"
		echo
		echo "Generated by \`tools/bench-matrix.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
		echo "Command: \`$cmdline\`"
		echo
		echo "Random 4 KiB touches (\`fmbench\`), every run cold (sync, drop_caches, fastmap"
		echo "attached fresh). Modes: \`pread-direct\` = O_DIRECT pread/pwrite, the device ceiling;"
		echo "\`linux-mmap\` = mmap of the raw device, MADV_RANDOM, in a cgroup v2 with"
		echo "\`memory.high\` = the cache (\`memory.max\` = 2x as a backstop); \`fastmap\` = a"
		echo "fastmap instance with that cache. QEMU TCG on a shared, busy 2-core host:"
		echo "**only ratios inside one run mean anything**, and even they are noisy."
		echo "IPIs/page = (TLB + function-call IPIs) / pages brought in (device read bytes / 4096"
		echo "for Linux, evictions for fastmap). pages/round = fastmap evictions per shootdown round"
		echo "(the eviction batch is 512 pages, capped at an eighth of the cache: 64 at 2 MiB;"
		echo "write runs also count writeback rounds). Linux IPIs/page on pmem needs its iostats,"
		echo "which the suite enables. Guest CPU µs/op (newer runs) = busy time of all vCPUs"
		echo "(/proc/stat) per operation: on TCG the emulated device runs on the same host cores."
		local nrep
		nrep=$(awk -F, 'NR > 1 && $22 > n { n = $22 } END { print n + 0 }' "$csv")
		if ((nrep > 1)); then
			echo "Every cell ran $nrep times, its modes back to back and interleaved (the order reversed"
			echo "on every other repetition): ops/s and the other numbers are medians over the"
			echo "repetitions, ratios are of the medians, with the range of the per-repetition ratios"
			echo "in brackets."
		fi
		echo
	} >"$md"
	awk -F, -v plot="$plot" '
	function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.2f", x) }
	function r(a, b) { return b > 0 ? sprintf("%.2f×", a / b) : "–" }
	# With repetitions: the median ratio and the range of the per-repetition ones.
	function rng(lo, hi) { return lo != "" && hi != "" ? sprintf(" (%.2f–%.2f)", lo, hi) : "" }
	function rr(a, b, lo, hi) { return r(a, b) rng(lo, hi) }
	# Against target t: where two decimals would round up to the target, three,
	# truncated (0.896 is no 0.90, 0.8999 is 0.899).
	function rt(a, b, t, lo, hi, x, s) {
		if (b <= 0) return "–"
		x = a / b; s = sprintf("%.2f", x)
		if (x < t && s + 0 >= t) s = sprintf("%.3f", int(x * 1000) / 1000)
		return s "×" rng(lo, hi)
	}
	NR == 1 { next }
	{
		k = $1; key = $1 SUBSEP $3 SUBSEP $6 SUBSEP $5 SUBSEP $4
		if (!(k in seenk)) { seenk[k] = 1; kern[++nk] = k; vcpus[k] = $2; cache[k] = $17; secs[k] = $18 }
		if (!((k SUBSEP $3) in seend)) { seend[k SUBSEP $3] = 1; dev[k, ++nd[k]] = $3 }
		if (!(key in seenc)) { seenc[key] = 1; cell[k, $3, ++nc[k, $3]] = key }
		ops[key, $7] = $8; tlb[key, $7] = $11; cal[key, $7] = $12
		ev[key, $7] = $13; sd[key, $7] = $14; rd[key, $7] = $15
		p99[key, $7] = $10; eb[key, $7] = $19; cpu[key, $7] = $21
		if ($21 != "") hascpu[k] = 1
		if ($22 > 1) { fcl[key] = $23; fch[key] = $24; fll[key] = $25; flh[key] = $26 }
		maxthr[k] = $4 > maxthr[k] ? $4 : maxthr[k]
	}
	END {
		name["nullb"] = "null_blk (memory-backed)"; name["nvme"] = "emulated NVMe"; name["pmem"] = "pmem (NVDIMM)"
		for (i = 1; i <= nk; i++) {
			k = kern[i]
			printf "## Linux %s, %d vCPUs, cache %d MiB, %d s per run\n\n", k, vcpus[k], cache[k], secs[k]
			# Targets of issue 8, at the most threads.
			printf "| target (issue 8), %d threads | measured | |\n|---|---|---|\n", maxthr[k]
			for (d = 1; d <= nd[k]; d++) {
				dv = dev[k, d]
				for (c = 1; c <= nc[k, dv]; c++) {
					key = cell[k, dv, c]; split(key, f, SUBSEP)
					if (f[5] != maxthr[k]) continue
					fm = ops[key, "fastmap"]; li = ops[key, "linux-mmap"]; ce = ops[key, "pread-direct"]
					lab = dv ", " f[3] "x, random " f[4]
					if (dv == "nullb" && f[4] == "read")
						printf "| fastmap ≥ 3× Linux, %s | %s | %s |\n", lab, rt(fm, li, 3, fll[key], flh[key]), (li > 0 && fm / li >= 3 ? "met" : "missed")
					if (dv == "nullb" && f[4] == "write")
						printf "| fastmap ≥ 5× Linux, %s | %s | %s |\n", lab, rt(fm, li, 5, fll[key], flh[key]), (li > 0 && fm / li >= 5 ? "met" : "missed")
					if (dv == "nvme" && f[4] == "read")
						printf "| fastmap ≥ 0.9× ceiling, %s | %s (Linux %s) | %s |\n", lab, rt(fm, ce, 0.9, fcl[key], fch[key]), r(li, ce), (ce > 0 && fm / ce >= 0.9 ? "met" : "missed")
				}
			}
			# Evicted pages per shootdown round: overall and the worst run, per op.
			for (q = 1; q <= 2; q++) {
				op = q == 1 ? "read" : "write"; te = 0; ts = 0; mn = -1; mk = ""
				for (key2 in sd) {
					split(key2, g, SUBSEP)
					if (g[1] != k || g[6] != "fastmap" || g[4] != op || sd[key2] == 0) continue
					te += ev[key2]; ts += sd[key2]
					if (mn < 0 || ev[key2] / sd[key2] < mn) { mn = ev[key2] / sd[key2]; mk = g[2] ", " g[3] "x, " g[5] " thr" }
				}
				if (!ts) continue
				printf "| ≤ 1 shootdown round per 256 evicted pages, random %s%s | %.0f pages/round overall, worst run %.0f (%s) | %s |\n", op, (op == "write" ? " (writeback rounds count too)" : ""), te / ts, mn, mk, (mn >= 256 ? "met" : (te / ts >= 256 ? "met overall, not in every run" : "missed"))
			}
			print ""
			for (d = 1; d <= nd[k]; d++) {
				dv = dev[k, d]
				printf "### %s\n\n", (dv in name) ? name[dv] : dv
				if (plot) printf "![%s, ops/s](matrix-%s-%s.png)\n\n", dv, k, dv
				printf "| dataset | op | threads | ceiling ops/s | Linux ops/s | fastmap ops/s | fastmap / Linux | fastmap / ceiling | Linux / ceiling | IPIs/page Linux | IPIs/page fastmap | pages/round | p99 Linux / fastmap (µs) |%s\n", hascpu[k] ? " guest CPU µs/op ceiling / Linux / fastmap |" : ""
				printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|%s\n", hascpu[k] ? "---|" : ""
				for (c = 1; c <= nc[k, dv]; c++) {
					key = cell[k, dv, c]; split(key, f, SUBSEP)
					fm = ops[key, "fastmap"]; li = ops[key, "linux-mmap"]; ce = ops[key, "pread-direct"]
					lp = rd[key, "linux-mmap"] / 4096; fe = ev[key, "fastmap"]
					lipi = lp > 0 ? sprintf("%.3f", (tlb[key, "linux-mmap"] + cal[key, "linux-mmap"]) / lp) : "–"
					fipi = fe > 0 ? sprintf("%.3f", (tlb[key, "fastmap"] + cal[key, "fastmap"]) / fe) : "–"
					ppr = sd[key, "fastmap"] > 0 ? sprintf("%.0f", fe / sd[key, "fastmap"]) : "–"
					# Newer CSVs: eviction batches, i.e. rounds that were not writeback rounds.
					if (sd[key, "fastmap"] > 0 && eb[key, "fastmap"] != "")
						ppr = ppr sprintf(" (%d rounds, %d eviction batches)", sd[key, "fastmap"], eb[key, "fastmap"])
					printf "| %s× | %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %.0f / %.0f |", f[3], f[4], f[5], fmt(ce), fmt(li), fmt(fm), rr(fm, li, fll[key], flh[key]), rr(fm, ce, fcl[key], fch[key]), r(li, ce), lipi, fipi, ppr, p99[key, "linux-mmap"] / 1000, p99[key, "fastmap"] / 1000
					if (hascpu[k]) printf " %.0f / %.0f / %.0f |", cpu[key, "pread-direct"], cpu[key, "linux-mmap"], cpu[key, "fastmap"]
					printf "\n"
				}
				print ""
			}
			if (plot) printf "Ratios: ![fastmap / Linux and fastmap / ceiling](matrix-%s-ratios.png)\n\n", k
		}
	}' "$csv" >>"$md" || die "cannot make the tables of $csv"
	# no blank line at the end of the file
	printf '%s\n' "$(cat "$md")" >"$md.tmp" && mv "$md.tmp" "$md"
	# One table per (kernel, device) of the CSV, one row per cell.
	local want have rows cells
	want=$(tail -n +2 "$csv" | cut -d, -f1,3 | sort -u | wc -l)
	have=$(grep -c '^| dataset | op | threads |' "$md" || true)
	((want > 0 && have == want)) || die "$md has $have tables, the CSV $want (kernel, device) pairs"
	cells=$(tail -n +2 "$csv" | cut -d, -f1,3-6 | sort -u | wc -l)
	rows=$(grep -cE '^\| [0-9]+× \| (read|write) \|' "$md" || true)
	((rows == cells)) || die "$md has $rows table rows, the CSV $cells cells"
	log "wrote $md ($have tables, $rows rows)"
}

finish() { # CSV
	local rc=0 missing=0 red
	# Without gnuplot (pngcairo) the tables are still written, without links to plots.
	if ((plot)) && ! gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
		missing=1 plot=0
	fi
	# With repetitions the tables and plots come from OUT/matrix-median.csv.
	red=$1
	if head -n 1 "$1" | grep -q ',rep$' && awk -F, 'NR > 1 && $NF > 1 { f = 1 } END { exit !f }' "$1"; then
		red=$out/matrix-median.csv
		reduce_csv "$1" "$red"
	fi
	write_report "$red" "$out/matrix.md"
	if ((plot)); then
		"$here/bench-plot.sh" --csv "$red" --out "$out" || rc=$?
		((rc == 0)) || die "bench-plot.sh failed ($rc)"
	fi
	if ((missing)); then
		log "WARNING: gnuplot with the pngcairo terminal is missing: NO PLOTS" \
			"(install gnuplot-nox); the CSV and the tables are written and checked"
		[[ $size == smoke ]] || return 3
	fi
	return 0
}

if [[ -n $report ]]; then
	[[ -f $report ]] || die "--report: '$report' not found"
	# The command that produced the CSV, if it was recorded next to it.
	rdir=$(dirname "$report")
	[[ ! -s $rdir/matrix.cmd ]] || cmdline="$(<"$rdir/matrix.cmd") (report regenerated by: $cmdline)"
	head -n 1 "$report" | grep -q '^kernel,vcpus,device,threads,op,ratio_dataset,mode,ops_per_sec' ||
		die "--report: '$report' is not a matrix CSV"
	if [[ $(realpath "$report") != "$out/matrix.csv" ]]; then
		cp "$report" "$out/matrix.csv"
	fi
	rc=0
	finish "$out/matrix.csv" || rc=$?
	exit "$rc"
fi

# ---------------------------------------------------------------------------
# VM runs.
[[ -d $build ]] || die "build directory '$build' not found (cmake -S . -B build && cmake --build build)"
build=$(cd "$build" && pwd)
[[ -x $build/bench/fmbench ]] || die "$build/bench/fmbench missing: cmake --build $build --target fmbench"

# Sizes as the suite picks them, for the device sizes and the time estimate.
case $size in
smoke) : "${cache_mb:=2}" "${seconds:=1}" "${threads:=$smp}" ;;
quick) : "${cache_mb:=8}" "${seconds:=5}" ;;
*) : "${cache_mb:=16}" "${seconds:=10}" ;;
esac
[[ -n $threads ]] || threads=$(seq -s, 1 "$smp")
maxratio=$(tr , '\n' <<<"$ratios" | sort -n | tail -n 1)
data_mb=$((cache_mb * maxratio))
# Devices big enough for the largest dataset (run-vm's defaults otherwise).
pmem_mb=$((data_mb + 64 > 512 ? data_mb + 64 : 512))
nvme_mb=$((data_mb + 64 > 1024 ? data_mb + 64 : 1024))
count() { tr , '\n' <<<"$1" | wc -l; }
ncells=$(($(count "$devices") * $(count "$threads") * $(count "$ops") * $(count "$ratios")))
# Per run: the measured seconds plus ~4 s of sync/drop_caches/attach/detach
# under TCG; per device a prefill; plus the boot.
est=$((ncells * 3 * repeat * (seconds + 4) + $(count "$devices") * (data_mb / 8 + 5) + 60))
[[ -n $timeout ]] || timeout=$((est * 3 + 300))
# null_blk is memory-backed: it takes guest RAM for the dataset.
mem_mb=$((data_mb + 1536 > 2048 ? data_mb + 1536 : 2048))

suite_args=(--cache-mb "$cache_mb" --seconds "$seconds" --devices "$devices"
	--threads "$threads" --ratios "$ratios" --ops "$ops" --repeat "$repeat")
all=$out/matrix.csv
tmpcsv=$(mktemp "${TMPDIR:-/tmp}/bench-matrix.XXXXXX")
trap 'rm -f "$tmpcsv"' EXIT
header='' failed=() rc=0
IFS=, read -r -a klist <<<"$kernels"
for k in "${klist[@]}"; do
	log "kernel $k: $ncells cells x 3 modes x $repeat = $((ncells * 3 * repeat)) runs of ${seconds}s (cache ${cache_mb} MiB," \
		"datasets ${ratios}x, threads $threads, $smp vCPUs); estimated $((est / 60)) min $((est % 60)) s," \
		"VM timeout ${timeout}s"
	con=$out/console-$k.log
	t0=$SECONDS
	vrc=0
	"$top/tests/vm/run-suite.sh" --build-dir "$build" --kernel "$k" \
		--suite "$top/tests/vm/suites/matrix.sh" --smp "$smp" --mem "${mem_mb}M" \
		--timeout "$timeout" --nvme-size "${nvme_mb}M" --pmem-size "${pmem_mb}M" \
		-- "${suite_args[@]}" 2>&1 | tr -d '\r' | tee "$con" || vrc=$? # pipefail: run-suite's status
	log "kernel $k: VM finished with status $vrc after $((SECONDS - t0)) s; console in $con"
	rows=$(tr -d '\r' <"$con" | sed -n '/^FASTMAP-CSV-BEGIN$/,/^FASTMAP-CSV-END$/p' |
		sed -n 's/^FMCSV://p')
	n=0
	[[ -z $rows ]] || n=$(($(wc -l <<<"$rows") - 1))
	if ((vrc != 0 || n != ncells * 3 * repeat)); then
		log "kernel $k: FAILED (VM status $vrc, $n of $((ncells * 3 * repeat)) CSV rows between" \
			"FASTMAP-CSV-BEGIN and FASTMAP-CSV-END): no results for it"
		failed+=("$k")
		continue
	fi
	[[ -n $header ]] || header=$(head -n 1 <<<"$rows")
	[[ $(head -n 1 <<<"$rows") == "$header" ]] || die "CSV header of $k differs"
	tail -n +2 <<<"$rows" >>"$tmpcsv"
	# Results so far, after every kernel: a later failure keeps them.
	{
		echo "$header"
		cat "$tmpcsv"
	} >"$all"
	echo "$cmdline" >"$out/matrix.cmd"
	log "wrote $all ($(($(wc -l <"$all") - 1)) rows)"
	finish "$all" || rc=$?
done
if ((${#failed[@]})); then
	log "FAILED kernels: ${failed[*]} (consoles in $out/console-<kernel>.log)"
	exit 1
fi
exit "$rc"
