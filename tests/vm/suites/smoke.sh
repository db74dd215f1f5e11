#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Rig smoke test: the devices and kernel modules fastmap's suites rely on are
# there.  Loads nothing of fastmap's.  Run by tests/vm/selftest.sh:
#   tests/vm/run-vm.sh --kernel 6.12 --suite tests/vm/suites/smoke.sh
# Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.

fails=0
pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
skip() { echo "SKIP: $*"; }

# Nodes are created by devtmpfs' kernel thread, possibly after modprobe returns.
wait_blk() {
	n=0
	while [ ! -b "$1" ] && [ "$n" -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -b "$1" ]
}

# check NAME BLOCKDEV: the device exists and its first 4 KiB can be read.
check_blk() {
	if ! wait_blk "$2"; then
		fail "$1: $2 missing"
	elif ! dd if="$2" of=/dev/null bs=4096 count=1 2>/dev/null; then
		fail "$1: cannot read $2"
	else
		pass "$1: $2 ($(($(cat "/sys/class/block/${2#/dev/}/size") / 2048)) MiB)"
	fi
}

echo "smoke: kernel $(uname -r), $(nproc) CPUs"

check_blk nvme /dev/nvme0n1
check_blk pmem /dev/pmem0

if modprobe null_blk nr_devices=1 memory_backed=1 gb=1; then
	check_blk null_blk /dev/nullb0
else
	fail "null_blk: modprobe failed"
fi

if modprobe brd rd_nr=1 rd_size=65536; then
	check_blk brd /dev/ram0
else
	fail "brd: modprobe failed"
fi

if modprobe dm-flakey && [ -d /sys/module/dm_flakey ]; then
	pass "dm-flakey: loaded"
else
	fail "dm-flakey: modprobe failed"
fi

if modprobe loop && [ -d /sys/module/loop ]; then
	pass "loop: loaded"
else
	fail "loop: modprobe failed"
fi

if grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	pass "cgroup2: memory controller available"
else
	fail "cgroup2: no memory controller at /sys/fs/cgroup"
fi
if [ -d /sys/kernel/debug/block ]; then
	pass "debugfs: mounted"
else
	fail "debugfs: not mounted"
fi

# The host tools the rig copies in when the host has them.
if ! command -v dmsetup >/dev/null; then
	skip "dmsetup: not in the guest"
elif [ ! -b /dev/ram0 ]; then
	skip "dmsetup: no /dev/ram0"
else
	sectors=$(blockdev --getsz /dev/ram0)
	if dmsetup create fm-flakey --table "0 $sectors flakey /dev/ram0 0 5 0" &&
		wait_blk /dev/mapper/fm-flakey &&
		dd if=/dev/mapper/fm-flakey of=/dev/null bs=4096 count=1 2>/dev/null &&
		dmsetup remove fm-flakey; then
		pass "dmsetup: flakey target over /dev/ram0"
	else
		fail "dmsetup: flakey target over /dev/ram0"
	fi
fi

# mkfs_mount FSTYPE DEV MKFS-COMMAND...: make a file system on DEV, mount it,
# write to it.
mkfs_mount() {
	name=$1 dev=$2
	shift 2
	if ! command -v "$1" >/dev/null; then
		skip "$name: $1 not in the guest"
	elif [ ! -b "$dev" ]; then
		skip "$name: no $dev"
	elif "$@" "$dev" >/tmp/mkfs.log 2>&1 && mkdir -p /mnt/smoke &&
		mount -t "$name" "$dev" /mnt/smoke &&
		echo fastmap >/mnt/smoke/f && sync && umount /mnt/smoke; then
		pass "$name: mkfs + mount + write on $dev"
	else
		cat /tmp/mkfs.log
		umount /mnt/smoke 2>/dev/null
		fail "$name: mkfs + mount + write on $dev"
	fi
}
mkfs_mount ext4 /dev/ram0 mkfs.ext4 -q -F
mkfs_mount xfs /dev/nullb0 mkfs.xfs -q -f

if [ "$fails" -eq 0 ]; then
	echo "smoke: all checks passed"
	exit 0
fi
echo "smoke: $fails check(s) failed"
exit 1
