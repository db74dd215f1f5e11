#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Crash-consistency harness (docs/reliability-crash.md).  Per trial:
#   1. boot a VM (tests/vm/run-vm.sh) on a fresh NVMe image kept on the host
#      (--nvme-image); crash/workload.sh attaches fastmap with a 4 MiB cache
#      and runs `fm_crash write`: threads write whole-page records through
#      the mapping, msync(MS_SYNC) them and print FMC-ACK lines to the
#      console only after msync returned 0;
#   2. a seeded random time after the workload's FMC-START line, SIGKILL
#      qemu: the whole VM dies at once, like a power cut;
#   3. take every complete FMC-ACK line the host received: the highest
#      acknowledged generation of each page;
#   4. boot a second VM on the same image with crash/verify.sh: `fm_crash
#      verify` checks with O_DIRECT and through a fresh fastmap attach that
#      every page holds at least its acknowledged generation (nothing lost,
#      nothing corrupt); the rig checks that boot's kernel log.
# Prints one line per trial and "crash: N trials, M acked writes checked,
# L lost"; exits 0 only if every trial passed.  Trial i uses seed SEED+i-1;
# a failing trial is replayed with --seed <its seed> --trials 1.
set -euo pipefail

prog=crash-test
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm=$(cd "$here/.." && pwd)

die() {
	echo "$prog: error: $*" >&2
	exit 2
}
log() { echo "$prog: $*" >&2; }

usage() {
	cat <<'EOF'
usage: tests/vm/crash/crash-test.sh --build-dir DIR --kernel KVER|6.1|6.12 [options]
  --build-dir DIR   build directory with kmod/<release>/fastmap.ko,
                    cli/fastmapctl and tests/vm/fm_crash
  --kernel K        a release or a series (as run-vm.sh)
  --trials N        number of crash trials (default 3; nightly: 100)
  --seed S          seed of the first trial (default: random); trial i uses S+i-1
  --min-delay SEC   kill at least SEC seconds after FMC-START (default 2)
  --max-delay SEC   ... and at most SEC seconds after it (default 20)
  --pages N         working set in 4 KiB pages (default 16384 = 64 MiB,
                    16x the 4 MiB cache)
  --threads T       writer threads (default 3)
  --smp N           vCPUs (default 2)
  --timeout SEC     per boot (default 300)
  --work DIR        keep images and logs there (default: a temporary
                    directory, removed unless a trial failed)
  --keep            keep every trial's image and logs (default: failed ones)
  --controls N      then N negative-control trials (default 0): the workload
                    acknowledges after msync(MS_ASYNC), which waits for
                    nothing, on 768 pages (less than the cache) without
                    background writeback; such a trial passes only if the
                    verify boot finds lost acknowledged writes
Exit: 0 all trials passed; 1 a trial failed (lost/corrupt data, an error in
the guest, a dirty kernel log, a boot that did not come up); 2 usage.
EOF
}

build='' kernel='' trials=3 seed='' min_delay=2 max_delay=20 pages=16384
threads=3 smp=2 timeout=300 work='' keep=0 controls=0
while (($#)); do
	case $1 in
	--build-dir | --kernel | --trials | --seed | --min-delay | --max-delay | --pages | \
		--threads | --smp | --timeout | --work | --controls)
		(($# >= 2)) || die "$1 needs an argument"
		case $1 in
		--build-dir) build=$2 ;;
		--kernel) kernel=$2 ;;
		--trials) trials=$2 ;;
		--seed) seed=$2 ;;
		--min-delay) min_delay=$2 ;;
		--max-delay) max_delay=$2 ;;
		--pages) pages=$2 ;;
		--threads) threads=$2 ;;
		--smp) smp=$2 ;;
		--timeout) timeout=$2 ;;
		--work) work=$2 ;;
		--controls) controls=$2 ;;
		esac
		shift 2
		;;
	--keep) keep=1 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && die "unknown argument '$1'" ;;
	esac
done
[[ -n $build ]] || die "--build-dir is required"
[[ -n $kernel ]] || die "--kernel is required"
for v in trials controls min_delay max_delay pages threads smp timeout; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "bad --${v/_/-} '${!v}'"
done
((trials + controls > 0 && threads > 0 && pages >= threads)) ||
	die "need --trials or --controls > 0, --pages >= --threads > 0"
((max_delay >= min_delay)) || die "--max-delay must be >= --min-delay"
[[ -z $seed ]] && seed=$(($(od -An -N4 -tu4 /dev/urandom)))
[[ $seed =~ ^[0-9]+$ ]] || die "bad --seed '$seed'"

case $kernel in
*.*.*) kver=$kernel ;;
*)
	kver=$(find /boot -maxdepth 1 -name "vmlinuz-$kernel.*" -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[[ -n $kver ]] || die "no /boot/vmlinuz-$kernel.* installed (run tools/setup.sh)"
	;;
esac
build=$(cd "$build" && pwd) || die "build directory '$build' not found"
ko=$build/kmod/$kver/fastmap.ko
ctl=$build/cli/fastmapctl
fmc=$build/tests/vm/fm_crash
for f in "$ko" "$ctl" "$fmc"; do
	[[ -f $f ]] || die "$f missing; build first: cmake --build $build --target vm-test-deps"
done

own_work=0
if [[ -z $work ]]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/fastmap-crash.XXXXXX")
	own_work=1
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)

rvpid=''
# shellcheck disable=SC2317 # invoked by trap
cleanup() {
	# run-vm.sh kills its qemu on TERM
	[[ -z $rvpid ]] || kill -TERM "$rvpid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The qemu process below run-vm.sh $1 (run-vm.sh starts it in the background).
find_qemu() {
	ps -e -o pid=,ppid=,comm= | awk -v root="$1" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			for (p in parent) {
				if (comm[p] !~ /^qemu-system/)
					continue
				for (q = parent[p]; q > 1 && q != root; q = parent[q])
					;
				if (q == root)
					print p
			}
		}'
}

# Seconds (one decimal) since $1, a value of $EPOCHREALTIME.
since() {
	local us=$((${EPOCHREALTIME//[!0-9]/} - ${1//[!0-9]/}))
	printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}

# The guest's console with \r removed, complete lines only.
console() { tr -d '\r' <"$1"; }

vm_args=(--kernel "$kver" --smp "$smp" --mem 1G --pmem-size 0 --timeout "$timeout"
	--module "$ko" --bin "$ctl" --bin "$fmc")

passed=0 failed=0 total_writes=0 total_pages=0 total_lost=0 t_all=$EPOCHREALTIME
log "kernel $kver, $trials trials from seed $seed, kill ${min_delay}-${max_delay}s" \
	"after FMC-START, $pages pages x $threads threads, work $work"

# trial SEED NEGATIVE DIR -> 0 passed, 1 failed; sets trial_writes, trial_lost,
# reason.  NEGATIVE=1: the negative control (msync(MS_ASYNC)).
trial() {
	local s=$1 negative=$2 dir=$3 img t0 delay_ds qp rc n
	local mode=() np=$pages
	local seconds=$((max_delay + 300)) st
	reason='' trial_writes=0 trial_pages=0 trial_lost=0
	# The control: 3 MiB, less than the 4 MiB cache, and no background
	# writeback in the guest: no acknowledged write can reach the device.
	((!negative)) || mode=(async) np=768
	rm -rf "$dir"
	mkdir -p "$dir"
	img=$dir/nvme.img
	truncate -s 1G "$img"
	# Kill delay in tenths of a second, from the seed (replayable).
	delay_ds=$((min_delay * 10 + (((s * 2654435761) >> 7) & 0xffffffff) % ((max_delay - min_delay) * 10 + 1)))

	t0=$EPOCHREALTIME
	"$vm/run-vm.sh" "${vm_args[@]}" --nvme-image "$img" \
		--suite "$here/workload.sh" -- "$s" "$np" "$threads" "$seconds" "${mode[@]}" \
		>"$dir/boot1.log" 2>"$dir/boot1.err" &
	rvpid=$!
	st=$EPOCHREALTIME
	while ! grep -aq '^FMC-START' "$dir/boot1.log"; do
		if ! kill -0 "$rvpid" 2>/dev/null; then
			wait "$rvpid" || true
			rvpid=''
			reason="boot 1 ended before the workload started (see $dir/boot1.*)"
			return 1
		fi
		sleep 0.1
	done
	local boot_s
	boot_s=$(since "$st")
	sleep "$((delay_ds / 10)).$((delay_ds % 10))"
	qp=$(find_qemu "$rvpid")
	if [[ -z $qp ]]; then
		wait "$rvpid" || true
		rvpid=''
		reason="qemu was gone before the kill (workload ended early?) (see $dir/boot1.*)"
		return 1
	fi
	kill -KILL "$qp"
	rc=0
	wait "$rvpid" || rc=$?
	rvpid=''
	console "$dir/boot1.log" >"$dir/boot1.con"
	if grep -aE '^FMC-(ERROR|NOFLUSH|DONE)' "$dir/boot1.con" >"$dir/boot1.bad"; then
		reason="workload: $(head -n 1 "$dir/boot1.bad")"
		return 1
	fi
	grep -a '^FMC-INFO' "$dir/boot1.con" >"$dir/info" || true
	# Complete FMC-ACK lines: "FMC-ACK t round n p:g ... END" with n pairs.
	grep -a '^FMC-ACK .* END$' "$dir/boot1.con" |
		awk -v out="$dir/acks" '
			NF == $4 + 5 {
				for (i = 5; i < 5 + $4; i++) {
					split($i, a, ":")
					print a[1] + 0, a[2] + 0 > out
					writes++
					if (!(a[1] in seen)) {
						seen[a[1]] = 1
						pages++
					}
				}
				lines++
			}
			END {
				close(out)
				printf "%d %d %d\n", lines, writes, pages
			}' >"$dir/ackcount"
	touch "$dir/acks"
	read -r n trial_writes trial_pages <"$dir/ackcount"
	if ((trial_writes == 0)); then
		reason="the host received no FMC-ACK line: nothing to check"
		return 1
	fi

	"$vm/run-vm.sh" "${vm_args[@]}" --nvme-image "$img" \
		--file "$dir/acks:/opt/fastmap/crash/acks" \
		--suite "$here/verify.sh" -- "$np" \
		>"$dir/boot2.log" 2>"$dir/boot2.err" &
	rvpid=$!
	rc=0
	wait "$rvpid" || rc=$?
	rvpid=''
	console "$dir/boot2.log" >"$dir/boot2.con"
	# Lost acknowledged writes: the larger count of the two verify passes.
	trial_lost=$(awk '/^verify .* lost writes;/ {
			for (i = 1; i < NF; i++)
				if ($(i + 1) == "lost" && $(i + 2) == "writes;" && $i + 0 > m) m = $i + 0
		} END { print m + 0 }' "$dir/boot2.con")
	printf '%s' "$(grep -a '^verify ' "$dir/boot2.con" | sed 's/^/    /')" >"$dir/verify"
	local line
	line=$(printf 'boot %ss, kill after %d.%ds, %d msyncs acked = %d writes on %d pages, %s, %s' \
		"$boot_s" $((delay_ds / 10)) $((delay_ds % 10)) "$n" "$trial_writes" "$trial_pages" \
		"$(sed 's/^FMC-INFO //' "$dir/info")" "total $(since "$t0")s")
	echo "$line" >"$dir/summary"
	if ((negative)); then
		if ((rc == 0 || trial_lost == 0)); then
			reason="negative control: no acknowledged write was lost (verify status $rc)"
			return 1
		elif grep -aq '^CORRUPT' "$dir/boot2.con" ||
			grep -aq 'kernel also complained' "$dir/boot2.err"; then
			reason="negative control: corrupt pages or a kernel complaint, not just lost writes"
			return 1
		fi
		return 0
	fi
	if ((rc != 0)); then
		reason="verify boot failed with status $rc ($(grep -a 'run-vm: FAILED' "$dir/boot2.err" | sed 's/^run-vm: //' | head -n 1))"
		return 1
	fi
	if ! grep -aq '^FMC-VERIFY ok' "$dir/boot2.con" || ((trial_lost != 0)); then
		reason="verify did not pass"
		return 1
	fi
	return 0
}

# run_trial I SEED NEGATIVE: one trial and its report.
run_trial() {
	local i=$1 s=$2 neg=$3 d=$work/trial-$2 f what=trial
	((!neg)) || what=control
	if trial "$s" "$neg" "$d"; then
		echo "crash: $what $i seed=$s ok: $(cat "$d/summary")"
		cat "$d/verify"
		echo
		((keep)) || rm -rf "$d"
		return 0
	fi
	echo "crash: $what $i seed=$s FAILED: $reason"
	[[ ! -f $d/summary ]] || echo "    $(cat "$d/summary")"
	for f in boot1.con boot2.con; do
		[[ -f $d/$f ]] || continue
		echo "    --- $f (last 30 lines, without FMC-ACK)"
		grep -av '^FMC-ACK' "$d/$f" | tail -n 30 | sed 's/^/    /'
	done
	for f in boot1.err boot2.err; do
		[[ -f $d/$f ]] || continue
		echo "    --- $f"
		grep -a 'run-vm:' "$d/$f" | tail -n 5 | sed 's/^/    /'
	done
	echo "    kept: $d"
	echo "    replay: tests/vm/crash/crash-test.sh --build-dir $build --kernel $kver" \
		"$( ((neg)) && echo "--trials 0 --controls 1" || echo "--trials 1")" \
		"--seed $s --min-delay $min_delay --max-delay $max_delay --pages $pages --threads $threads"
	return 1
}

for ((i = 1; i <= trials; i++)); do
	if run_trial "$i" $((seed + i - 1)) 0; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	total_writes=$((total_writes + trial_writes))
	total_pages=$((total_pages + trial_pages))
	total_lost=$((total_lost + trial_lost))
done
c_passed=0 c_failed=0 c_writes=0 c_lost=0
for ((i = 1; i <= controls; i++)); do
	if run_trial "$i" $((seed + trials + i - 1)) 1; then
		c_passed=$((c_passed + 1))
	else
		c_failed=$((c_failed + 1))
	fi
	c_writes=$((c_writes + trial_writes))
	c_lost=$((c_lost + trial_lost))
done

((controls == 0)) ||
	echo "crash: $controls negative-control trials (msync MS_ASYNC), $c_writes acked writes," \
		"$c_lost lost: a loss was detected in $c_passed of $controls"
echo "crash: $trials trials, $total_writes acked writes checked, $total_lost lost" \
	"($passed passed, $failed failed; $total_pages acked pages; kernel $kver; seeds $seed..$((seed + trials + controls - 1)); $(since "$t_all")s)"
if ((failed + c_failed == 0 && own_work && !keep)); then
	rm -rf "$work"
fi
((failed + c_failed == 0))
