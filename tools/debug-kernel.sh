#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The debug kernel (issue 9): Linux 6.1 from Debian's linux-source-6.1 with
# KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, KMEMLEAK and DEBUG_VM
# (config/debug-kernel/fastmap-debug.config), and the VM suites run on it.
#
#   tools/debug-kernel.sh build [--dir DIR] [--jobs N]
#       extract, configure and build it; install under DIR/root (boot/ and
#       lib/modules/), nothing outside DIR. Prints the release.
#   tools/debug-kernel.sh test --build-dir BUILD [--dir DIR] [--suites "a b"]
#       build fastmap.ko against it (BUILD/kmod/<release>/, and the
#       unsafe_skip_tlb_flush test build in BUILD/kmod-unsafe/<release>/) and run
#       the suites with FASTMAP_VM_KROOT=DIR/root, as CTest runs them on the
#       stock kernels (default: all of them, the list in $all_suites); KMEMLEAK
#       is scanned after each suite that ends with a clean shutdown.
#       --parallel N runs N suites at a time (each VM has 2 vCPUs; the suites'
#       timeouts allow for a busy host); each suite's output then goes to
#       BUILD/debug-kernel/<suite>.log and its last lines are shown on failure.
#
# Opt-in (not in CI): the build takes long on 2 cores; durations are printed.
set -euo pipefail
prog=debug-kernel
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=/var/tmp/fastmap-debug-kernel
jobs=$(nproc)
build=''
parallel=1
all_suites="rig datapath control perfile fuzz crash hotplug pressure telemetry systemd-smoke daemon cli tlb-negative"
suites=$all_suites
die() {
	echo "$prog: error: $*" >&2
	exit 2
}
log() { echo "$prog: $*" >&2; }
(($#)) || die "usage: tools/debug-kernel.sh build|test [options]"
cmd=$1
shift
while (($#)); do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--build-dir) build=$2; shift 2 ;;
	--suites) suites=$2; shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
src=$dir/linux-source-6.1
kroot=$dir/root

release() { make -s -C "$src" kernelrelease; }

do_build() {
	local t0=$SECONDS tarball=/usr/src/linux-source-6.1.tar.xz
	[[ -r $tarball ]] || die "$tarball missing (apt-get install linux-source-6.1)"
	local t
	for t in flex bison bc make gcc pahole; do
		command -v $t >/dev/null ||
			die "'$t' not found (apt-get install flex bison bc libelf-dev libssl-dev dwarves)"
	done
	mkdir -p "$dir"
	if [[ ! -f $src/Makefile ]]; then
		log "extracting $tarball"
		tar -C "$dir" -xaf "$tarball"
	fi
	make -s -C "$src" x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
		"$root/config/debug-kernel/fastmap-debug.config" >/dev/null
	make -s -C "$src" olddefconfig
	local opt
	for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK DEBUG_VM \
		DEBUG_INFO_BTF BPF_SYSCALL BPF_JIT BPF_EVENTS FUNCTION_TRACER CGROUP_BPF; do
		grep -q "^CONFIG_$opt=y" "$src/.config" || die "CONFIG_$opt did not stick"
	done
	log "building $(release) with $jobs jobs"
	make -s -C "$src" -j"$jobs" bzImage modules
	local rel
	rel=$(release)
	rm -rf "$kroot"
	mkdir -p "$kroot/boot"
	cp "$src/arch/x86/boot/bzImage" "$kroot/boot/vmlinuz-$rel"
	cp "$src/vmlinux" "$kroot/boot/vmlinux-$rel" 2>/dev/null || true
	make -s -C "$src" INSTALL_MOD_PATH="$kroot" modules_install
	ln -sfn "$src" "$kroot/lib/modules/$rel/build"
	log "built and installed $rel in $((SECONDS - t0)) s"
	echo "$rel"
}

# The systemd guest gives a unit 60 s to start; journald alone takes longer
# under KASAN + lockdep on TCG. The kernel command line overrides system.conf.
sd_timeout=systemd.default_timeout_start_sec=900

# run_one SUITE RELEASE: one suite as CTest runs it on a stock kernel.
run_one() {
	local s=$1 rel=$2 extra=() run=() ts=$SECONDS t
	case $s in
	rig) run=(bash "$root/tests/vm/selftest.sh" "$rel") ;;
	crash) run=(bash "$root/tests/vm/crash/crash-test.sh" --build-dir "$build"
		--kernel "$rel" --trials 3 --controls 1) ;;
	daemon | cli) run=(bash "$root/tests/vm/run-$s-suite.sh" "$build" "$rel"
		--timeout 3000 --append "$sd_timeout") ;;
	systemd-smoke) extra=(--systemd --append "$sd_timeout") ;;
	tlb-negative) extra=(--file "$build/kmod-unsafe/$rel/fastmap.ko:/lib/modules/unsafe/fastmap.ko") ;;
	hotplug) extra=(--hotplug) ;;
	pressure) extra=(--mem 1G) ;;
	perfile) # as tests/vm/CMakeLists.txt: the preload and LMDB's tools
		extra=(--bin "$build/libfastmap/libfastmap-preload.so"
			--env FASTMAP_PRELOAD_LIB=/opt/fastmap/bin/libfastmap-preload.so)
		for t in mdb_load mdb_dump mdb_stat; do
			extra+=(--bin "$(command -v $t || echo /usr/bin/$t)")
		done ;;
	esac
	((${#run[@]})) || run=("$root/tests/vm/run-suite.sh" --build-dir "$build"
		--kernel "$rel" --suite "$root/tests/vm/suites/$s.sh" --timeout 3000
		"${extra[@]}")
	log "suite $s on $rel"
	if "${run[@]}"; then
		log "suite $s: PASSED in $((SECONDS - ts)) s"
		return 0
	fi
	log "suite $s: FAILED in $((SECONDS - ts)) s"
	return 1
}

do_test() {
	[[ -n $build ]] || die "test needs --build-dir (a configured fastmap build)"
	[[ -d $kroot/lib/modules ]] || die "no debug kernel in $kroot (run: $0 build)"
	[[ -d $build ]] || die "build directory '$build' not found"
	build=$(cd "$build" && pwd) # kbuild's M= must be absolute
	local rel out t0=$SECONDS s rc=0
	for s in $suites; do
		[[ " $all_suites " == *" $s "* ]] || die "unknown suite '$s' (one of: $all_suites)"
	done
	rel=$(ls "$kroot/lib/modules")
	out=$build/kmod/$rel
	mkdir -p "$out/uapi"
	cp "$root"/kmod/*.c "$root"/kmod/*.h "$root"/kmod/Kbuild "$out/"
	cp "$root"/kmod/uapi/*.h "$out/uapi/"
	make -s -C "$kroot/lib/modules/$rel/build" M="$out" modules
	log "fastmap.ko for $rel built"
	if [[ " $suites " == *" tlb-negative "* ]]; then
		local uout=$build/kmod-unsafe/$rel
		mkdir -p "$uout/uapi"
		cp "$out"/*.c "$out"/*.h "$out"/Kbuild "$uout/"
		cp "$out"/uapi/*.h "$uout/uapi/"
		make -s -C "$kroot/lib/modules/$rel/build" M="$uout" FASTMAP_UNSAFE_TESTING=1 modules
		log "fastmap.ko test build (unsafe_skip_tlb_flush) for $rel built"
	fi
	export FASTMAP_VM_KROOT=$kroot FASTMAP_VM_KMEMLEAK=1
	# The systemd guest under KASAN + lockdep prints nothing (quiet) for over
	# 90 s while it unpacks its root file system and starts systemd.
	export FASTMAP_VM_SILENT_BOOT_SECONDS=${FASTMAP_VM_SILENT_BOOT_SECONDS:-900}
	local logs=$build/debug-kernel
	mkdir -p "$logs"
	for s in $suites; do rm -f "$logs/$s.log" "$logs/$s.rc"; done
	for s in $suites; do
		if ((parallel <= 1)); then
			run_one "$s" "$rel" || rc=1
			continue
		fi
		while (($(jobs -pr | wc -l) >= parallel)); do wait -n || true; done
		{
			run_one "$s" "$rel" >"$logs/$s.log" 2>&1
			echo $? >"$logs/$s.rc"
		} &
	done
	wait
	if ((parallel > 1)); then
		for s in $suites; do
			grep -h -E "^$prog: suite $s: (PASSED|FAILED) in" "$logs/$s.log" >&2 || true
			[[ $(cat "$logs/$s.rc" 2>/dev/null) == 0 ]] && continue
			rc=1
			echo "--- last lines of $logs/$s.log:" >&2
			tail -n 40 "$logs/$s.log" >&2
		done
	fi
	log "all suites on $rel in $((SECONDS - t0)) s: $([[ $rc == 0 ]] && echo PASSED || echo FAILED)"
	return $rc
}

case $cmd in
build) do_build ;;
test) do_test ;;
*) die "unknown command '$cmd' (build or test)" ;;
esac
