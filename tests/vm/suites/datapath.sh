#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fastmap data-path tests (issue 3), run as root in the VM by tests/vm/run-vm.sh.
# Needs in the guest: /lib/modules/extra/fastmap.ko, fastmapctl, fm_integrity,
# fm_tlb, fm_stress, fm_badinput. Prints TAP-like lines and a closing
# "datapath: N passed, N failed" line; exits non-zero on any failure.
# Optional first argument: a test name to run alone.

KO=/lib/modules/extra/fastmap.ko
CACHE=4M		# instance cache for the integrity runs
PAGES=8192		# dataset: 32 MiB = 8x the cache
only=${1:-}
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION CMD...
	d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d (exit $?)"; fi
}
want_rc() { # want_rc RC DESCRIPTION CMD...
	w=$1 d=$2
	shift 2
	"$@"
	rc=$?
	if [ "$rc" = "$w" ]; then ok "$d"; else nok "$d (exit $rc, want $w)"; fi
}
run() { [ -z "$only" ] || [ "$only" = "$1" ]; }

setup_devices() {
	modprobe null_blk nr_devices=1 memory_backed=1 gb=1 || return 1
	modprobe brd rd_nr=2 rd_size=65536 || return 1
	modprobe dm-flakey || return 1
	[ -b /dev/nvme0n1 ] && [ -b /dev/pmem0 ] && [ -b /dev/nullb0 ]
}

# integrity DEV: random multi-threaded writes through mmap over 8x the cache,
# msync, detach, re-attach with another cache size, verify, detach, verify raw.
integrity() {
	dev=$1 tag=$2
	st=/tmp/state.$tag
	rm -f "$st"
	check "$tag: prefill" fm_integrity prefill "$dev" --pages $PAGES
	check "$tag: attach cache $CACHE" fastmapctl attach "$dev" --name "$tag" --cache $CACHE
	check "$tag: 3 threads write 8x cache" fm_integrity write /dev/fastmap/"$tag" \
		--state "$st" --pages $PAGES --threads 3 --ops 12000 --seed 7
	check "$tag: second write pass" fm_integrity write /dev/fastmap/"$tag" \
		--state "$st" --pages $PAGES --threads 2 --ops 8000 --seed 8
	check "$tag: verify through mapping" fm_integrity verify /dev/fastmap/"$tag" --state "$st" --pages $PAGES
	ev=$(cat /sys/kernel/fastmap/"$tag"/stats/evictions)
	sd=$(cat /sys/kernel/fastmap/"$tag"/stats/shootdowns)
	if [ "$ev" -gt 0 ] && [ "$sd" -gt 0 ] && [ "$sd" -lt "$ev" ]; then
		ok "$tag: evicted $ev pages in $sd shootdown rounds"
	else
		nok "$tag: evictions=$ev shootdowns=$sd"
	fi
	check "$tag: detach" fastmapctl detach "$tag"
	check "$tag: re-attach with cache 6M" fastmapctl attach "$dev" --name "$tag" --cache 6M --batch 64
	check "$tag: verify after re-attach" fm_integrity verify /dev/fastmap/"$tag" --state "$st" --pages $PAGES
	check "$tag: detach again" fastmapctl detach "$tag"
	check "$tag: verify raw device with O_DIRECT" fm_integrity verify "$dev" --state "$st" --pages $PAGES --direct
}

t_load() {
	check "insmod fastmap.ko" insmod $KO
	check "/dev/fastmap/control exists" test -c /dev/fastmap/control
	check "module parameters in sysfs" test -r /sys/module/fastmap/parameters/default_batch_pages
	check "bad module parameter rejected" sh -c '! echo 0 > /sys/module/fastmap/parameters/default_batch_pages 2>/dev/null'
}

t_integrity() {
	integrity /dev/nullb0 nullb
	integrity /dev/pmem0 pmem
	integrity /dev/nvme0n1 nvme
}

t_coherence() {
	fastmapctl attach /dev/ram0 --name coh --cache 1M >/dev/null &&
		check "read()/write() coherent with the mapping" fm_integrity coherence /dev/fastmap/coh --pages 64 &&
		check "dd reads the node" dd if=/dev/fastmap/coh of=/dev/null bs=64k count=16 2>/dev/null
	fastmapctl detach coh >/dev/null
}

t_tlb() {
	fm_integrity prefill /dev/nullb0 --pages 16384 >/dev/null
	fastmapctl attach /dev/nullb0 --name tlb --cache 2M --batch 256 >/dev/null
	check "no stale TLB entry after eviction (fm_tlb)" fm_tlb /dev/fastmap/tlb --seconds 6 --hot 4
	fastmapctl detach tlb >/dev/null
}

t_stress() {
	fm_integrity prefill /dev/pmem0 --pages 8192 >/dev/null
	fastmapctl attach /dev/pmem0 --name stress --cache 4M --batch 128 >/dev/null
	check "3 procs x (3 writers + chaos: fork/split/mremap/exit)" \
		fm_stress /dev/fastmap/stress --procs 3 --threads 2 --seconds 12 --pages 8192
	check "stress: detach" fastmapctl detach stress
}

t_errors() {
	sectors=$(($(blockdev --getsz /dev/ram1)))
	dmsetup create fmerr --table "0 $sectors error" || { nok "dmsetup error"; return; }
	fastmapctl attach /dev/mapper/fmerr --name err --cache 1M >/dev/null
	want_rc 135 "read fault on dm-error gets SIGBUS" fm_integrity touch /dev/fastmap/err --pages 3
	want_rc 0 "other processes keep working (ram0 instance)" sh -c \
		'fastmapctl attach /dev/ram0 --name ok0 --cache 1M >/dev/null && fm_integrity writesync /dev/fastmap/ok0 --pages 16 >/dev/null; r=$?; fastmapctl detach ok0 >/dev/null; exit $r'
	want_rc 0 "detach after read errors" fastmapctl detach err
	dmsetup remove fmerr

	# flakey: reads work, writes fail with EIO
	dmsetup create fmflaky --table "0 $sectors flakey /dev/ram1 0 0 60 1 error_writes" ||
		{ nok "dmsetup flakey"; return; }
	fastmapctl attach /dev/mapper/fmflaky --name flaky --cache 1M >/dev/null
	want_rc 5 "msync returns EIO when writeback fails" fm_integrity writesync /dev/fastmap/flaky --pages 32
	check "write errors counted" test "$(cat /sys/kernel/fastmap/flaky/stats/write_errors)" -gt 0
	want_rc 0 "detach after write errors" fastmapctl detach flaky
	dmsetup remove fmflaky
}

# faultaround: with every page cached, a read scan through a fresh mapping
# takes about one fault per fault-around window (->map_pages maps the cached
# neighbours read-only), the neighbours read right, writes to them still
# reach the device (pfn_mkwrite dirties them), and with fault_around_bytes at
# one page every page faults on its own.
t_faultaround() {
	n=2048 st=/tmp/state.fa fab=/sys/kernel/debug/fault_around_bytes
	faults() { cat /sys/kernel/fastmap/fa/stats/faults; }
	fm_integrity prefill /dev/nullb0 --pages $n >/dev/null
	head -c $((4 * n)) /dev/zero >$st
	fastmapctl attach /dev/nullb0 --name fa --cache 16M >/dev/null
	check "fa: first scan (reads the device)" fm_integrity verify /dev/fastmap/fa --state $st --pages $n
	f0=$(faults)
	check "fa: scan of cached pages" fm_integrity verify /dev/fastmap/fa --state $st --pages $n
	f=$(($(faults) - f0))
	if [ "$f" -gt 0 ] && [ "$f" -le $((n / 8)) ]; then
		ok "fa: $n cached pages read in $f faults"
	else
		nok "fa: $n cached pages read in $f faults (want 1..$((n / 8)))"
	fi
	check "fa: writes to pages mapped around" fm_integrity write /dev/fastmap/fa \
		--state $st --pages $n --threads 2 --ops 6000 --seed 11
	[ -w $fab ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	if old=$(cat $fab 2>/dev/null) && echo 4096 >$fab; then
		f0=$(faults)
		check "fa: scan with fault-around off" fm_integrity verify /dev/fastmap/fa --state $st --pages $n
		f=$(($(faults) - f0))
		echo "$old" >$fab
		if [ "$f" -eq $n ]; then ok "fa: off: $f faults for $n pages"; else nok "fa: off: $f faults for $n pages"; fi
	else
		nok "fa: cannot set $fab"
	fi
	check "fa: detach" fastmapctl detach fa
	check "fa: device has every acknowledged write" fm_integrity verify /dev/nullb0 --state $st --pages $n --direct
}

t_badinput() {
	check "bad netlink and ioctl input (fm_badinput)" fm_badinput /dev/ram0
}

t_unload() {
	fastmapctl attach /dev/ram0 --name busy --cache 1M >/dev/null
	check "rmmod refused while an instance is attached" sh -c '! rmmod fastmap 2>/dev/null'
	fastmapctl detach busy >/dev/null
	check "rmmod after detach" rmmod fastmap
	check "no fastmap sysfs left" test ! -e /sys/kernel/fastmap
}

echo "datapath: kernel $(uname -r), $(nproc) CPUs"
setup_devices || { echo "not ok - device setup"; exit 1; }
t_load
for t in integrity coherence tlb stress errors faultaround badinput; do
	run $t && t_$t
done
t_unload
dmesg | grep -E "fastmap: (version|unloaded)" | sed 's/^/  /'
echo "datapath: $pass passed, $fail failed"
[ "$fail" = 0 ]
