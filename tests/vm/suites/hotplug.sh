#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Surprise removal of the emulated NVMe device while fastmap has it attached
# and mapped (issue 9, fault injection).  Run by tests/vm/run-vm.sh --hotplug,
# which forwards "FASTMAP-HOST: device_del nvme0" on the console to the QEMU
# monitor.  A writer maps an instance on the NVMe device, another writer maps
# an instance on null_blk; the NVMe controller is removed under them.
# Promises checked: the process using the removed device gets SIGBUS or an
# error (never stale success), the other one finishes and verifies, the
# instance reports I/O errors, detach and rmmod work, the kernel log stays
# clean (checked by the rig).  Closing line "hotplug: N passed, N failed".

KO=/lib/modules/extra/fastmap.ko
PAGES=16384
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d (exit $?)"; fi
}
# wait_gone PID SECONDS: 0 if PID exited within SECONDS.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}

check "null_blk" modprobe null_blk nr_devices=1 memory_backed=1 gb=1
check "insmod fastmap.ko" insmod $KO
check "prefill nvme0n1" fm_integrity prefill /dev/nvme0n1 --pages $PAGES
check "prefill nullb0" fm_integrity prefill /dev/nullb0 --pages $PAGES
check "attach nvme0n1" fastmapctl --no-daemon attach /dev/nvme0n1 --name hp --cache 2M
check "attach nullb0" fastmapctl --no-daemon attach /dev/nullb0 --name other --cache 2M

fm_integrity write /dev/fastmap/hp --state /tmp/st.hp --pages $PAGES --threads 2 \
	--ops 100000000 --seed 3 >/tmp/hp.out 2>&1 &
hp=$!
fm_integrity write /dev/fastmap/other --state /tmp/st.other --pages $PAGES --threads 2 \
	--ops 30000 --seed 4 >/tmp/other.out 2>&1 &
other=$!
sleep 3
if kill -0 $hp 2>/dev/null; then ok "the NVMe writer runs"; else nok "the NVMe writer runs"; fi
echo "FASTMAP-HOST: device_del nvme0"
i=0
while [ -e /sys/block/nvme0n1 ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
if [ ! -e /sys/block/nvme0n1 ]; then
	ok "nvme0n1 removed from the guest after $((i / 10)).$((i % 10))s"
else
	nok "nvme0n1 still present 60s after device_del"
fi

if wait_gone $hp 120; then
	wait $hp
	rc=$?
	# 135 = killed by SIGBUS; 1/2 = the program saw an error (EIO from msync).
	if [ $rc -ne 0 ]; then
		ok "the NVMe writer stopped with an error (exit $rc: $(tail -n 1 /tmp/hp.out))"
	else
		nok "the NVMe writer reported success after its device went away"
	fi
else
	nok "the NVMe writer still runs 120s after the removal (hung?)"
	kill -9 $hp 2>/dev/null
	grep -l fm_integrity /proc/[0-9]*/comm 2>/dev/null | while read -r c; do
		p=${c%/comm}
		echo "# stuck $p: $(cat "$p"/wchan 2>/dev/null) $(head -n 5 "$p"/stack 2>/dev/null)"
	done
fi
if wait_gone $other 300 && wait $other; then
	ok "the null_blk writer finished: $(tail -n 1 /tmp/other.out)"
else
	nok "the null_blk writer failed: $(tail -n 3 /tmp/other.out)"
fi
check "the null_blk instance verifies" fm_integrity verify /dev/fastmap/other \
	--state /tmp/st.other --pages $PAGES

errs=$(($(cat /sys/kernel/fastmap/hp/stats/read_errors) + $(cat /sys/kernel/fastmap/hp/stats/write_errors)))
if [ "$errs" -gt 0 ]; then ok "the NVMe instance counted $errs I/O errors"; else nok "no I/O errors counted"; fi
check "a new read of the removed device's instance fails (EIO), no crash" \
	sh -c '! dd if=/dev/fastmap/hp of=/dev/null bs=4k count=1 skip=12345 iflag=direct 2>/dev/null'
out=$(fastmapctl --no-daemon detach hp 2>&1)
rc=$?
echo "# detach hp: rc $rc: $out"
# The instance goes; fastmapctl exits 1 because its dirty pages could not be written.
case $rc:$out in
1:*"detached hp"*"writeback failed: some data did not reach the device"*)
	ok "detach of the dead device's instance works and says data was lost" ;;
*) nok "detach hp: exit $rc, want 1 with the writeback warning" ;;
esac
check "hp is gone" sh -c '! fastmapctl --no-daemon list | grep -qw hp'
check "detach other" fastmapctl --no-daemon detach other
check "the null_blk data is on the device" fm_integrity verify /dev/nullb0 \
	--state /tmp/st.other --pages $PAGES --direct
check "rmmod fastmap" rmmod fastmap
echo "hotplug: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
