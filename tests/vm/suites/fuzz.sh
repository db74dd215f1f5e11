#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzzing of fastmap's kernel interfaces (reliability item 3), run as root in
# the VM: fm_fuzz hammers the generic netlink family and the node ioctls,
# I/O and mappings from several threads (plus an unprivileged child), with
# valid attach/set/detach interleaved, then everything is detached and the
# module must unload (no leaked references). The rig fails the run on any
# kernel complaint in dmesg. See docs/reliability-fuzz.md.
#
#   fuzz.sh [--calls N] [--threads T] [--seed S|random] [--unpriv N]
#           [--max-seconds SEC]
#
# Defaults are CI-sized (a few minutes under TCG on 2 vCPUs). Nightly:
#   tests/vm/run-suite.sh --build-dir build --kernel 6.1 \
#       --suite tests/vm/suites/fuzz.sh --timeout 7200 -- --calls 1000000
# Closing line: "fuzz: N passed, N failed".
KO=/lib/modules/extra/fastmap.ko
calls=50000
threads=4
seed=1
unpriv=
maxs=
while [ $# -gt 0 ]; do
	case $1 in
	--calls) calls=$2 ;;
	--threads) threads=$2 ;;
	--seed) seed=$2 ;;
	--unpriv) unpriv=$2 ;;
	--max-seconds) maxs=$2 ;;
	*) echo "fuzz.sh: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift 2 || exit 2
done
[ "$seed" = random ] && seed=$(od -An -tu4 -N4 /dev/urandom | tr -d ' ')
[ -n "$unpriv" ] || unpriv=$((calls / 20))
# a nightly budget gets a wall-clock cap well inside run-vm's --timeout
[ -n "$maxs" ] || maxs=$((calls / 150 + 300))

pass=0
fail=0
ok() { pass=$((pass + 1)) && echo "ok - $*"; }
nok() { fail=$((fail + 1)) && echo "not ok - $*"; }
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d (exit $?)"; fi
}

insmod $KO || { echo "not ok - insmod"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
modprobe null_blk nr_devices=1 gb=1
modprobe brd rd_nr=2 rd_size=65536
for d in /dev/ram0 /dev/ram1 /dev/nullb0; do
	check "$d is a block device" test -b $d
done
DEVS="--dev /dev/ram0 --dev /dev/ram1 --dev /dev/nullb0"

# 1. Deterministic reproducers of races fm_fuzz found: concurrent DETACH of one
# instance (double misc_deregister -> list_del corruption), SET while a
# DETACH tears the instance down (NULL dereference in fm_nl_set).
t_races() {
	for c in detach-race set-detach-race; do
		if fm_fuzz --case $c --calls 50 --dev /dev/ram1 >/tmp/$c.log 2>&1; then
			ok "$c: $(tail -n 1 /tmp/$c.log)"
		else
			nok "$c"
			cat /tmp/$c.log
		fi
	done
}

# 2. A short single-threaded run replays exactly: same seed, same errnos.
t_replay() {
	fm_fuzz --seed 7 --calls 1500 --threads 1 $DEVS >/tmp/replay1.log 2>&1
	r1=$?
	fm_fuzz --seed 7 --calls 1500 --threads 1 $DEVS >/tmp/replay2.log 2>&1
	r2=$?
	if [ $r1 = 0 ] && [ $r2 = 0 ]; then
		ok "single-threaded runs of seed 7 are clean"
	else
		nok "single-threaded runs of seed 7: exit $r1/$r2"
		grep -E '^(ORACLE|fm_fuzz)' /tmp/replay1.log /tmp/replay2.log
	fi
	h1=$(grep -E '^fm_fuzz: (errno|netlink|calls by)' /tmp/replay1.log)
	h2=$(grep -E '^fm_fuzz: (errno|netlink|calls by)' /tmp/replay2.log)
	if [ -n "$h1" ] && [ "$h1" = "$h2" ]; then
		ok "seed 7 replays with the same calls and errno histogram"
	else
		nok "seed 7 does not replay"
		echo "$h1"
		echo "$h2"
	fi
}

# 3. The fuzzing run proper.
t_fuzz() {
	echo "# fm_fuzz --seed $seed --calls $calls --threads $threads --unpriv $unpriv --max-seconds $maxs"
	start=$(date +%s)
	fm_fuzz --seed "$seed" --calls "$calls" --threads "$threads" --unpriv "$unpriv" \
		--max-seconds "$maxs" $DEVS >/tmp/fuzz.log 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	grep -v '^# cleanup' /tmp/fuzz.log | head -n 80
	if [ $rc = 0 ]; then
		ok "fm_fuzz seed $seed, $calls calls, $threads threads: no oracle failure"
	else
		nok "fm_fuzz seed $seed exited $rc (reproduce: fm_fuzz --seed $seed --calls $calls --threads $threads)"
	fi
	line=$(grep -E '^fm_fuzz: seed .* calls/s' /tmp/fuzz.log)
	echo "# fuzz-rate: kernel $(uname -r) ${secs}s wall: $line"
	check "fm_fuzz printed its summary" test -n "$line"
}

# 4. Nothing is left behind; the module unloads.
t_teardown() {
	for i in /sys/kernel/fastmap/*; do
		[ -d "$i" ] || continue
		nok "instance ${i##*/} left after fm_fuzz"
		fastmapctl detach "${i##*/}"
	done
	check "/sys/kernel/fastmap is empty" test -z "$(ls /sys/kernel/fastmap)"
	check "only /dev/fastmap/control is left" test "$(ls /dev/fastmap)" = control
	check "module reference count is 0" test "$(cat /sys/module/fastmap/refcnt)" = 0
	check "rmmod fastmap" rmmod fastmap
	check "/sys/kernel/fastmap is gone after rmmod" test ! -e /sys/kernel/fastmap
	check "rmmod brd null_blk" rmmod brd null_blk
}

t_races
t_replay
t_fuzz
t_teardown
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
