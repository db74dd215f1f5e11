#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-test of the VM rig, per kernel (default: 6.1 and 6.12):
#   smoke  - suites/smoke.sh must pass;
#   warn   - suites/warn-selftest.sh loads warnmod's warn_test.ko (its init
#            WARNs) and exits 0; the rig must fail the run with exit 3, i.e.
#            because of the dmesg check, and must show the WARN.
# usage: tests/vm/selftest.sh [KERNEL...]      (KVER, 6.1 or 6.12)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_vm=$here/run-vm.sh
cache=${FASTMAP_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastmap-vm}
kernels=("$@")
# FASTMAP_VM_KROOT=DIR: a kernel installed under DIR, as run-vm.sh takes it
# (the debug kernel of tools/debug-kernel.sh).
kroot=${FASTMAP_VM_KROOT:-}
((${#kernels[@]})) || kernels=(6.1 6.12)

logdir=$(mktemp -d "${TMPDIR:-/tmp}/fastmap-vm-selftest.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

passed=0 failed=0 summary=()
result() { # PASS|FAIL NAME SECONDS [WHY]
	summary+=("$(printf '%-4s %-28s %5ss%s' "$1" "$2" "$3" "${4:+  ($4)}")")
	if [[ $1 == PASS ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}
since() {
	local us=$((${EPOCHREALTIME//[!0-9]/} - ${1//[!0-9]/}))
	printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}

# kver KERNEL: the release run-vm.sh boots for KERNEL.
kver() {
	case $1 in
	*.*.*) echo "$1" ;;
	*) find /boot -maxdepth 1 -name "vmlinuz-$1.*" -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1 ;;
	esac
}

# Build warn_test.ko for KVER in a per-kernel copy of warnmod/ (so builds for
# different kernels never share objects); prints the .ko path.
build_warnmod() {
	local kv=$1 dir=$cache/build/warnmod-$1 f
	mkdir -p "$dir"
	for f in "$here"/warnmod/{Kbuild,Makefile,warn_test.c}; do
		cmp -s "$f" "$dir/${f##*/}" || cp -p "$f" "$dir/"
	done
	make -s -C "$kroot/lib/modules/$kv/build" M="$dir" modules >"$dir/build.log" 2>&1 || {
		cat "$dir/build.log" >&2
		return 1
	}
	echo "$dir/warn_test.ko"
}

for k in "${kernels[@]}"; do
	kv=$(kver "$k")
	if [[ -z $kv || ! -e $kroot/boot/vmlinuz-$kv ]]; then
		result FAIL "$k: kernel" 0 "no kernel $k installed"
		continue
	fi

	echo "=== rig-selftest: smoke on $kv"
	t=$EPOCHREALTIME
	rc=0
	"$run_vm" --kernel "$kv" --suite "$here/suites/smoke.sh" || rc=$?
	if ((rc == 0)); then
		result PASS "$k: smoke" "$(since "$t")"
	else
		result FAIL "$k: smoke" "$(since "$t")" "exit $rc"
	fi

	echo "=== rig-selftest: WARN must fail the run on $kv"
	t=$EPOCHREALTIME
	if ! ko=$(build_warnmod "$kv"); then
		result FAIL "$k: warn self-test" "$(since "$t")" "warn_test.ko build failed"
		continue
	fi
	log=$logdir/warn-$kv.log
	rc=0
	"$run_vm" --kernel "$kv" --module "$ko" --expect-fail \
		--suite "$here/suites/warn-selftest.sh" 2>&1 | tee "$log" || rc=$?
	secs=$(since "$t")
	# The inner run must have failed with 3 (suite passed, dmesg complaint),
	# and the complaint must be our WARN.
	if ((rc != 0)); then
		result FAIL "$k: warn self-test" "$secs" "--expect-fail run exited $rc"
	elif ! grep -q '^run-vm: result=3$' "$log"; then
		result FAIL "$k: warn self-test" "$secs" \
			"inner $(grep -o '^run-vm: result=[0-9]*' "$log" || echo 'result missing'), want 3"
	elif ! grep -q 'fastmap rig self-test: intentional warning' "$log" ||
		! grep -q 'WARNING:.*warn_test' "$log"; then
		result FAIL "$k: warn self-test" "$secs" "the WARN is not in the reported complaint"
	else
		result PASS "$k: warn self-test" "$secs"
	fi
done

echo "=== rig-selftest summary"
printf '%s\n' "${summary[@]}"
echo "rig-selftest: $passed passed, $failed failed"
((failed == 0))
