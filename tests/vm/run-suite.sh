#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run a VM suite with fastmap's build products in the guest: a wrapper around
# tests/vm/run-vm.sh that passes
#   --module BUILD/kmod/<release>/fastmap.ko
#   --bin    BUILD/tests/vm/fm_*  (every program listed in BUILD/tests/vm/vm-progs.txt)
#   --bin    BUILD/cli/fastmapctl
#   --bin    BUILD/bench/fmbench, BUILD/bench/fmgraph  (when they exist)
# and forwards everything else to run-vm.sh.  Exits with run-vm.sh's status
# (see tests/vm/README.md), 2 on bad arguments or a missing build product.
set -euo pipefail

prog=run-suite
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

usage() {
	cat <<'EOF'
usage: tests/vm/run-suite.sh --build-dir DIR --kernel KVER|6.1|6.12 --suite FILE
                             [--smp N] [--mem SIZE] [--timeout SEC]
                             [--extra-module KO]... [RUN-VM OPTIONS...] [-- ARGS...]
  --build-dir DIR     CMake build directory (cmake --build DIR must have run)
  --kernel K          a release (6.12.95+deb12-amd64) or a series (6.1, 6.12:
                      the newest installed /boot/vmlinuz-<series>.*)
  --suite FILE        suite script run as root in the guest
  --smp, --mem, --timeout          forwarded to run-vm.sh
  --extra-module KO   another module for /lib/modules/extra (run-vm --module)
  other options (--env, --file, --keep, --append, ...) and "-- ARGS" go to
  run-vm.sh unchanged.
EOF
}

build='' kernel='' suite=''
fwd=() suite_args=() extra_modules=()
while (($#)); do
	case $1 in
	--build-dir | --kernel | --suite | --smp | --mem | --timeout | --extra-module)
		(($# >= 2)) || die "$1 needs an argument"
		case $1 in
		--build-dir) build=$2 ;;
		--kernel) kernel=$2 ;;
		--suite) suite=$2 ;;
		--extra-module) extra_modules+=("$2") ;;
		*) fwd+=("$1" "$2") ;;
		esac
		shift 2
		;;
	--build-dir=* | --kernel=* | --suite=* | --smp=* | --mem=* | --timeout=* | --extra-module=*)
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
		;;
	-h | --help) usage && exit 0 ;;
	--) suite_args=("$@") && break ;; # keeps the "--"
	*) fwd+=("$1") && shift ;;        # a run-vm.sh option (its argument follows)
	esac
done

[[ -n $build ]] || { usage >&2; die "--build-dir is required"; }
[[ -n $kernel ]] || { usage >&2; die "--kernel is required"; }
[[ -n $suite ]] || { usage >&2; die "--suite is required"; }
[[ -d $build ]] || die "build directory '$build' not found; build first: cmake -S . -B build && cmake --build build"
build=$(cd "$build" && pwd)
[[ -f $suite ]] || die "suite '$suite' not found"

# Same rule as run-vm.sh: a series means its newest installed kernel image.
# (FASTMAP_VM_KROOT: see run-vm.sh.)
kroot=${FASTMAP_VM_KROOT:-}
case $kernel in
*.*.*) kver=$kernel ;;
*)
	kver=$(find "$kroot/boot" -maxdepth 1 -name "vmlinuz-$kernel.*" -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[[ -n $kver ]] || die "no $kroot/boot/vmlinuz-$kernel.* installed (run tools/setup.sh)"
	;;
esac

[[ -e $kroot/boot/vmlinuz-$kver ]] || die "no $kroot/boot/vmlinuz-$kver installed (run tools/setup.sh)"

hint="build first: cmake --build ${build/#"$PWD"\//}"
ko=$build/kmod/$kver/fastmap.ko
[[ -f $ko ]] || die "$ko missing (fastmap.ko for $kver); $hint" \
	"(or: cmake --build ${build/#"$PWD"\//} --target vm-test-deps)"

list=$build/tests/vm/vm-progs.txt
[[ -f $list ]] || die "$list missing: '$build' is not a configured fastmap build directory" \
	"with tests (BUILD_TESTING=ON); configure and $hint"
bins=()
while read -r p; do
	[[ -n $p ]] || continue
	[[ -f $build/tests/vm/$p && -x $build/tests/vm/$p ]] ||
		die "test program $build/tests/vm/$p missing; $hint"
	bins+=("$build/tests/vm/$p")
done <"$list"
ctl=$build/cli/fastmapctl
[[ -f $ctl && -x $ctl ]] || die "$ctl missing; $hint"
bins+=("$ctl")
[[ ! -x $build/bench/fmbench ]] || bins+=("$build/bench/fmbench")
[[ ! -x $build/bench/fmgraph ]] || bins+=("$build/bench/fmgraph")

args=(--kernel "$kver" --module "$ko")
for m in "${extra_modules[@]}"; do
	args+=(--module "$m")
done
for b in "${bins[@]}"; do
	args+=(--bin "$b")
done
args+=("${fwd[@]}" --suite "$suite" "${suite_args[@]}")

echo "$prog: $kver, module $ko, programs: ${bins[*]##*/}" >&2
rc=0
"$here/run-vm.sh" "${args[@]}" || rc=$?
exit "$rc"
