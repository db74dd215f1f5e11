#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# BPF telemetry in the VM (issue 4): the per-instance counters from fastmap's
# tracepoints agree with the module's own counters for a known workload; the
# stock-mmap per-file counters attribute an ext4 file's faults to its inode;
# the cost of the attached programs on fault throughput is reported.
# Closing line: "telemetry: N passed, N failed".
pass=0
fail=0
check() {
	d=$1
	shift
	if "$@"; then pass=$((pass + 1)) && echo "ok - $d"; else fail=$((fail + 1)) && echo "not ok - $d (exit $?)"; fi
}

insmod /lib/modules/extra/fastmap.ko || { echo "not ok - insmod"; exit 1; }
grep -q ' /sys/kernel/tracing ' /proc/mounts || mount -t tracefs tracefs /sys/kernel/tracing
modprobe null_blk nr_devices=1 memory_backed=1 gb=1
fastmapctl attach /dev/nullb0 --name tel --cache 4M >/dev/null
check "BPF instance counters == module counters" fm_telemetry instance /dev/fastmap/tel --seconds 5

mkfs.ext4 -q /dev/nvme0n1 && mkdir -p /mnt/x && mount -t ext4 /dev/nvme0n1 /mnt/x
check "stock mmap: per-file counters for an ext4 file" fm_telemetry file /mnt/x/data --pages 512
umount /mnt/x

fm_telemetry overhead /dev/fastmap/tel --seconds 4
fastmapctl detach tel >/dev/null
check "rmmod" rmmod fastmap
echo "telemetry: $pass passed, $fail failed"
[ "$fail" = 0 ]
