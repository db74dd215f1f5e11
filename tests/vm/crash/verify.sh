#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Crash harness, second boot on the same NVMe image (run by
# tests/vm/crash/crash-test.sh): check that every write the first boot
# acknowledged (msync returned 0, FMC-ACK line received by the host) is on the
# device, first on the raw device with O_DIRECT, then through a fresh fastmap
# attach.  Argument: PAGES.  The acknowledged generations are in ACKS (one
# "page gen" line per page, written by the host).  The rig checks dmesg.
pages=${1:?pages}
acks=/opt/fastmap/crash/acks
dev=${FASTMAP_VM_NVME:-/dev/nvme0n1}
fail=0

[ -r $acks ] || { echo "FMC-ERROR no $acks"; exit 1; }
fm_crash verify "$dev" --acks $acks --pages "$pages" --direct || fail=1
insmod /lib/modules/extra/fastmap.ko || { echo "FMC-ERROR insmod"; exit 1; }
if fastmapctl attach "$dev" --name v0 --cache 4M >/dev/null; then
	fm_crash verify /dev/fastmap/v0 --acks $acks --pages "$pages" || fail=1
	fastmapctl detach v0 >/dev/null || fail=1
else
	echo "FMC-ERROR attach"
	fail=1
fi
rmmod fastmap || fail=1
[ $fail = 0 ] && echo "FMC-VERIFY ok" || echo "FMC-VERIFY FAILED"
exit $fail
