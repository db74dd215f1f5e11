#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fastmap's one test command (README, .ci/run).  Idempotent; does all set-up:
#   setup      tools/setup.sh (Debian packages, kernels 6.1 + 6.12; via sudo if
#              not root; a no-op once done)
#   configure  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   build      cmake --build build -j N (userspace, fastmap.ko for every
#              installed kernel, the in-VM test programs)
#   test       ctest --test-dir build --output-on-failure: unit tests (label
#              unit) and the QEMU VM tests (label vm, vm-6.1, vm-6.12)
# then prints a summary with the time of each phase.  Exits non-zero if any
# phase or test failed.
# shellcheck disable=SC2317 # functions called via phase(); finish() exits
set -euo pipefail

usage() {
	cat <<'EOF'
usage: tools/test-all.sh [--unit | --vm] [--kernel 6.1|6.12] [-j N]
                         [--build-dir DIR] [--no-setup] [-- CTEST-ARGS...]
  --unit            only the unit tests (label unit)
  --vm              only the VM tests (label vm)
  --kernel SERIES   VM tests of that kernel series only (label vm-SERIES);
                    with --vm: nothing else, otherwise the unit tests too
  -j N, --jobs N    parallel build jobs and CTest jobs (default: nproc);
                    VM tests always run alone (RUN_SERIAL)
  --build-dir DIR   build directory (default: build)
  --no-setup        skip tools/setup.sh
  -- ARGS           extra ctest arguments (e.g. -- -R vm-rig)
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

only='' kernel='' jobs=$(nproc 2>/dev/null || echo 2) build=build setup=1
ctest_extra=()
while (($#)); do
	case $1 in
	--unit) only=unit ;;
	--vm) only=vm ;;
	--kernel)
		(($# >= 2)) || { usage >&2; exit 2; }
		kernel=$2
		shift
		;;
	--kernel=*) kernel=${1#*=} ;;
	-j | --jobs)
		(($# >= 2)) || { usage >&2; exit 2; }
		jobs=$2
		shift
		;;
	-j*) jobs=${1#-j} ;;
	--jobs=*) jobs=${1#*=} ;;
	--build-dir)
		(($# >= 2)) || { usage >&2; exit 2; }
		build=$2
		shift
		;;
	--build-dir=*) build=${1#*=} ;;
	--no-setup) setup=0 ;;
	-h | --help) usage && exit 0 ;;
	--)
		shift
		ctest_extra=("$@")
		break
		;;
	*)
		echo "test-all: unknown argument '$1'" >&2
		usage >&2
		exit 2
		;;
	esac
	shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "test-all: bad -j '$jobs'" >&2; exit 2; }
if [[ -n $kernel ]]; then
	[[ $kernel =~ ^[0-9]+\.[0-9]+$ ]] || { echo "test-all: --kernel wants a series (6.1, 6.12), got '$kernel'" >&2; exit 2; }
	[[ $only != unit ]] || { echo "test-all: --kernel selects VM tests; it cannot go with --unit" >&2; exit 2; }
fi

# CTest label regex (a test runs if one of its labels matches).
kre=${kernel//./\\.}
case $only:$kernel in
unit:) labels='^unit$' ;;
vm:) labels='^vm$' ;;
vm:?*) labels="^vm-$kre\$" ;;
:?*) labels="^(unit|vm-$kre)\$" ;;
*) labels='' ;;
esac

# Nothing below reads stdin (CI has none); the VM cache lives under $HOME.
exec </dev/null
if [[ -z ${HOME:-} ]]; then
	HOME=$(getent passwd "$(id -u)" | cut -d: -f6) || true
	export HOME
fi
[[ -n ${HOME:-} ]] || export FASTMAP_VM_CACHE=${FASTMAP_VM_CACHE:-$root/$build/vm-cache}

now() { echo "${EPOCHREALTIME/./}"; }
fmt_secs() { # microseconds -> "M:SS.s"
	local us=$1
	printf '%d:%02d.%d' $((us / 60000000)) $((us / 1000000 % 60)) $((us / 100000 % 10))
}
summary=() failed_phase=''
t_all=$(now)
# phase NAME CMD...: run CMD, record its time and status.
phase() {
	local name=$1 t rc=0
	shift
	echo
	echo "===== test-all: $name: $*"
	t=$(now)
	"$@" || rc=$?
	local d
	d=$(fmt_secs $(($(now) - t)))
	if ((rc == 0)); then
		summary+=("$(printf '  %-10s %9s  ok' "$name" "$d")")
	else
		summary+=("$(printf '  %-10s %9s  FAILED (exit %d)' "$name" "$d" "$rc")")
		failed_phase=$name
	fi
	echo "===== test-all: $name: $([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)") in $d"
	return "$rc"
}

ctest_log=''
finish() {
	local rc=$1
	echo
	echo "===== test-all summary"
	printf '%s\n' "${summary[@]}"
	printf '  %-10s %9s\n' total "$(fmt_secs $(($(now) - t_all)))"
	if [[ -n $ctest_log && -f $ctest_log ]]; then
		# CTest's own closing lines: "N% tests passed, ..." and the failed tests.
		sed -n '/tests passed, .* tests failed out of/,$p' "$ctest_log" |
			grep -v '^Errors while running CTest' | grep -v '^Output from these tests' |
			grep -v '^Use "--rerun-failed' | sed 's/^/  /' || true
	fi
	if ((rc == 0)); then
		echo "test-all: PASSED"
	else
		echo "test-all: FAILED${failed_phase:+ (in $failed_phase)}"
	fi
	exit "$rc"
}

echo "test-all: $root, build dir $build, $jobs jobs${labels:+, tests with labels matching $labels}"

# --- setup -----------------------------------------------------------------
run_setup() {
	if (($(id -u) == 0)); then
		bash tools/setup.sh
		return
	fi
	# Once done, setup.sh exits 0 before it checks for root: no sudo needed.
	local out
	if out=$(bash tools/setup.sh 2>&1); then
		echo "$out"
		return 0
	fi
	command -v sudo >/dev/null || {
		echo "test-all: tools/setup.sh needs root and there is no sudo; run it as root or pass --no-setup" >&2
		return 1
	}
	# sudo asks for a password on the terminal, if there is one (stdin is
	# /dev/null); without one (CI), it must not need a password.
	if sudo -n true 2>/dev/null || ! { : </dev/tty; } 2>/dev/null; then
		sudo -n bash tools/setup.sh
	else
		sudo bash tools/setup.sh
	fi
}
if ((setup)); then
	phase setup run_setup || finish 1
fi

# --- configure, build --------------------------------------------------------
phase configure cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo || finish 1
phase build cmake --build "$build" -j "$jobs" || finish 1

# --- test ------------------------------------------------------------------
ctest_log=$build/test-all-ctest.log
run_ctest() {
	local args=(--test-dir "$build" --output-on-failure --no-tests=error -j "$jobs")
	[[ -z $labels ]] || args+=(-L "$labels")
	echo "ctest ${args[*]} ${ctest_extra[*]}"
	ctest "${args[@]}" "${ctest_extra[@]}" 2>&1 | tee "$ctest_log"
	local rc=${PIPESTATUS[0]}
	vm_highlights
	return "$rc"
}

# What the VM tests proved, from CTest's full log (passing tests print nothing
# with --output-on-failure): module load/unload per kernel, the WARN-detection
# self-test failing its inner run, and each suite's closing line.
vm_highlights() {
	local log=$build/Testing/Temporary/LastTest.log
	[[ -f $log ]] || return 0
	grep -qE '^[0-9]+/[0-9]+ Test: vm-' "$log" || return 0
	echo
	echo "===== test-all: VM highlights (full output: $log)"
	grep -E '^[0-9]+/[0-9]+ Test: vm-|run-vm: kernel |ok - (insmod fastmap.ko|rmmod after detach)|fastmap: version .* loaded|fastmap: unloaded|warn_test_init|result=3|rig-selftest:|(datapath|control|telemetry|tlb-negative|daemon|systemd-smoke): [0-9]+ passed|fastmapd CPU:|^op  |^(read|write)  |overhead [0-9.]+ %|fm_tlb: [0-9]+ hot|^(PASS|FAIL) ' \
		"$log" | sed 's/^/  /' || true
}
phase test run_ctest || finish 1
finish 0
