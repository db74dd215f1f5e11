#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Memory pressure (issue 9): cache growth beyond what the system can give is
# refused without side effects, and an OOM in the guest during heavy use of an
# instance leaves the module consistent.  Run in a 1 GiB guest.  The OOM
# killer's stack dump is expected here (/run/fastmap-expect-oom tells the
# rig's dmesg check); any other kernel complaint fails the run.
# Closing line "pressure: N passed, N failed".

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
meminfo() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' /proc/meminfo; }
cache_mb() { echo $(($(cat /sys/kernel/fastmap/mp/cache_bytes) >> 20)); }
cache_is() { # cache_is MIB DESCRIPTION
	if [ "$(cache_mb)" = "$1" ]; then ok "$2"; else nok "$2: cache is $(cache_mb) MiB"; fi
}
ctl() { fastmapctl --no-daemon "$@"; }

check "null_blk" modprobe null_blk nr_devices=1 memory_backed=1 gb=1
check "insmod fastmap.ko" insmod $KO
check "prefill nullb0" fm_integrity prefill /dev/nullb0 --pages $PAGES
check "attach with a 32 MiB cache" ctl attach /dev/nullb0 --name mp --cache 32M

# 1. More than half of RAM is refused up front.
total=$(meminfo MemTotal)
out=$(ctl set mp cache=$((total * 6 / 10))M 2>&1)
rc=$?
case $rc:$out in
1:*"half of the system's memory"*) ok "cache of 60% of RAM refused: $out" ;;
*) nok "cache of 60% of RAM: exit $rc: $out" ;;
esac
cache_is 32 "cache still 32 MiB"

# 2. Growth beyond what is free (but below half of RAM) fails cleanly: the
# module allocates with __GFP_RETRY_MAYFAIL (no OOM kill) and keeps the old size.
avail=$(meminfo MemAvailable)
hold=$((avail - 120))
fm_hog hold $hold >/tmp/hog.out 2>&1 &
hog=$!
i=0
while ! grep -q held /tmp/hog.out 2>/dev/null && [ $i -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
echo "# MemTotal ${total} MiB, MemAvailable ${avail} MiB, hog holds $(cat /tmp/hog.out), now available $(meminfo MemAvailable) MiB"
want=$((total * 4 / 10))
out=$(ctl set mp cache=${want}M 2>&1)
rc=$?
if [ $rc -ne 0 ]; then ok "growing to $want MiB with ~120 MiB free refused (exit $rc): $out"; else nok "growing to $want MiB succeeded with ~120 MiB free"; fi
cache_is 32 "cache still 32 MiB after the failed grow"
if kill -0 $hog 2>/dev/null; then ok "nothing was OOM-killed by the failed grow"; else nok "the hog died during the grow"; fi
if dmesg | grep -q 'invoked oom-killer'; then nok "the grow invoked the OOM killer"; else ok "no OOM killer during the grow"; fi
kill $hog
wait $hog 2>/dev/null
check "growing to 48 MiB works once memory is back" ctl set mp cache=48M
cache_is 48 "cache 48 MiB"

# 3. The OOM killer runs while two threads write through a mapping (the
# writer is protected with oom_score_adj -1000; the hog grows until killed).
touch /run/fastmap-expect-oom
sh -c 'echo -1000 >/proc/self/oom_score_adj && exec fm_integrity write /dev/fastmap/mp \
	--state /tmp/st.mp --pages 16384 --threads 2 --ops 40000 --seed 5' >/tmp/w.out 2>&1 &
writer=$!
sleep 1
fm_hog grow >/dev/null 2>&1 &
hog=$!
wait $hog
rc=$?
if [ $rc -eq 137 ] && dmesg | grep -q 'Killed process .*(fm_hog)'; then
	ok "the OOM killer took the hog (exit $rc)"
else
	nok "the hog ended with exit $rc; OOM kill not seen"
fi
if wait $writer; then ok "the writer finished: $(tail -n 1 /tmp/w.out)"; else nok "the writer failed: $(tail -n 3 /tmp/w.out)"; fi
check "verify through the mapping" fm_integrity verify /dev/fastmap/mp --state /tmp/st.mp --pages $PAGES
check "the instance still serves a new write pass" fm_integrity write /dev/fastmap/mp \
	--state /tmp/st.mp --pages $PAGES --threads 1 --ops 2000 --seed 6
check "shrink to 8 MiB after the OOM" ctl set mp cache=8M
check "detach" ctl detach mp
check "verify the device with O_DIRECT" fm_integrity verify /dev/nullb0 --state /tmp/st.mp \
	--pages $PAGES --direct
check "rmmod fastmap" rmmod fastmap
echo "pressure: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
