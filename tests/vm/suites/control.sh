#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Control-plane tests (issue 4), run as root in the VM: live cache resize
# under a multi-threaded write load with full verification afterwards, the
# other run-time parameters, events on the multicast group, the per-file
# enable table. Closing line: "control: N passed, N failed".
KO=/lib/modules/extra/fastmap.ko
pass=0
fail=0
ok() { pass=$((pass + 1)) && echo "ok - $*"; }
nok() { fail=$((fail + 1)) && echo "not ok - $*"; }
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d (exit $?)"; fi
}
sysv() { cat "/sys/kernel/fastmap/$1/$2"; }

insmod $KO || { echo "not ok - insmod"; exit 1; }
modprobe null_blk nr_devices=1 memory_backed=1 gb=1
modprobe brd rd_nr=2 rd_size=65536

t_resize() {
	PAGES=16384	# 64 MiB of data, 8x the initial cache
	fm_integrity prefill /dev/nullb0 --pages $PAGES >/dev/null
	check "attach nb with an 8 MiB cache" fastmapctl attach /dev/nullb0 --name nb --cache 8M
	rm -f /tmp/st
	fm_integrity write /dev/fastmap/nb --state /tmp/st --pages $PAGES --threads 3 \
		--ops 100000 --seed 11 >/tmp/writer.log 2>&1 &
	wp=$!
	resized=0
	for size in 2M 12M 1M 16M 512K 6M; do
		sleep 1
		kill -0 $wp 2>/dev/null || break
		resized=$((resized + 1))
		if fastmapctl set nb cache=$size >/dev/null; then
			got=$(sysv nb cache_bytes)
			want=$(fm_integrity_size "$size")
			if [ "$got" = "$want" ]; then
				ok "resize to $size under load (cache_bytes $got)"
			else
				nok "resize to $size: cache_bytes $got, want $want"
			fi
		else
			nok "fastmapctl set nb cache=$size"
		fi
	done
	check "at least 4 resizes happened while the writer ran ($resized)" test "$resized" -ge 4
	if wait $wp; then ok "writer finished ($(cat /tmp/writer.log))"; else nok "writer: $(cat /tmp/writer.log)"; fi
	check "verify every page after resizing" fm_integrity verify /dev/fastmap/nb --state /tmp/st --pages $PAGES
	check "stats: cache_pages follows the size" test "$(sysv nb stats/cache_pages)" = $(($(sysv nb cache_bytes) / 4096))
	check "detach nb" fastmapctl detach nb
	check "verify the raw device (O_DIRECT)" fm_integrity verify /dev/nullb0 --state /tmp/st --pages $PAGES --direct
}

fm_integrity_size() { # 2M -> bytes
	case $1 in
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * 1048576)) ;;
	*G) echo $((${1%G} * 1073741824)) ;;
	esac
}

t_params() {
	fastmapctl attach /dev/ram0 --name p0 --cache 1M >/dev/null
	check "set batch, dirty_ratio, wb_interval" fastmapctl set p0 batch=64 dirty_ratio=20 wb_interval=250
	check "batch_pages is 64" test "$(sysv p0 batch_pages)" = 64
	check "dirty_ratio is 20" test "$(sysv p0 dirty_ratio)" = 20
	check "wb_interval_ms is 250" test "$(sysv p0 wb_interval_ms)" = 250
	check "get p0 batch prints 64" sh -c 'fastmapctl get p0 batch | grep -qx 64'
	check "set with an unknown key fails with exit 2" sh -c 'fastmapctl set p0 colour=red 2>/dev/null; [ $? = 2 ]'
	check "set of a missing instance fails" sh -c '! fastmapctl set nope batch=8 2>/dev/null'
	# periodic writeback at 250 ms: a dirty page is clean within a second
	fm_integrity writesync /dev/fastmap/p0 --pages 1 >/dev/null
	dd if=/dev/zero of=/dev/fastmap/p0 bs=4096 count=4 conv=notrunc 2>/dev/null
	sleep 1
	check "periodic writeback at 250 ms cleaned the pages" test "$(sysv p0 stats/dirty_pages)" = 0
	fastmapctl detach p0 >/dev/null
}

t_events() {
	fastmapctl events --json --count 3 --timeout 30 >/tmp/events.json 2>/tmp/events.err &
	ep=$!
	sleep 1
	fastmapctl attach /dev/ram0 --name ev0 --cache 1M >/dev/null
	fastmapctl set ev0 batch=16 >/dev/null
	fastmapctl detach ev0 >/dev/null
	wait $ep
	check "event: attached" grep -q '"attached"' /tmp/events.json
	check "event: changed" grep -q '"changed"' /tmp/events.json
	check "event: detached" grep -q '"detached"' /tmp/events.json

	sectors=$(blockdev --getsz /dev/ram1)
	dmsetup create fmerr --table "0 $sectors error"
	fastmapctl attach /dev/mapper/fmerr --name err --cache 1M >/dev/null
	fastmapctl events --json --count 1 --timeout 20 >/tmp/ioerr.json 2>&1 &
	ep=$!
	sleep 1
	fm_integrity touch /dev/fastmap/err --pages 1 >/dev/null 2>&1
	wait $ep
	check "event: io-error after a failed read" grep -q '"io_error"' /tmp/ioerr.json ||
		cat /tmp/ioerr.json
	fastmapctl detach err >/dev/null
	dmsetup remove fmerr
}

t_files() {
	mkfs.ext4 -q /dev/ram1 && mkdir -p /mnt/e && mount -t ext4 /dev/ram1 /mnt/e || { nok "ext4 on ram1"; return; }
	dd if=/dev/zero of=/mnt/e/data bs=1M count=1 2>/dev/null
	ino=$(stat -c %i /mnt/e/data)
	check "enable a file" fastmapctl enable /mnt/e/data
	check "files --json lists its inode" sh -c "fastmapctl files --json | grep -q '\"ino\": *$ino'"
	check "enable twice fails" sh -c '! fastmapctl enable /mnt/e/data 2>/dev/null'
	check "disable it" fastmapctl disable /mnt/e/data
	check "files no longer lists it" sh -c "! fastmapctl files --json | grep -q '\"ino\": *$ino'"
	check "enable of a missing path fails" sh -c '! fastmapctl enable /mnt/e/nope 2>/dev/null'
	umount /mnt/e
}

t_monitor() {
	fastmapctl attach /dev/ram0 --name mon --cache 1M >/dev/null
	fm_integrity writesync /dev/fastmap/mon --pages 64 >/dev/null
	check "status lists the instance" sh -c 'fastmapctl status | grep -q "^mon "'
	check "status --json has the module and the instance" sh -c \
		'fastmapctl status --json | grep -q "\"name\": *\"mon\""'
	check "top --once prints a frame with the instance" sh -c 'fastmapctl top --once --interval 1 | grep -q "^mon "'
	check "stats --prometheus exports counters" sh -c \
		'fastmapctl stats mon --prometheus | grep -q "^fastmap_faults_total{name=\"mon\"} [1-9]"'
	check "stats --watch prints two samples" sh -c \
		'[ "$(fastmapctl stats mon --watch 1 --count 2 | grep -c "^[0-9.]* *mon ")" = 2 ]'
	fastmapctl detach mon >/dev/null
}

# Instance nodes have a char major of their own with cyclic minors: a node
# (or a path looked up) before a detach must not open the instance attached
# next. With misc minors the lowest free one came back at once, and the fuzz
# suite caught an open of /dev/fastmap/fz3 that reached fz2.
t_nodes() {
	fastmapctl attach /dev/ram0 --name na --cache 1M >/dev/null
	check "/dev/fastmap/na is a char device, mode 0660" sh -c \
		'[ -c /dev/fastmap/na ] && [ "$(stat -c %a /dev/fastmap/na)" = 660 ]'
	old=$(stat -c %t:%T /dev/fastmap/na)
	old=$((0x${old%:*})):$((0x${old#*:}))
	check "/sys/class/fastmap/na/dev is its number ($old)" \
		test "$(cat /sys/class/fastmap/na/dev)" = "$old"
	rm -f /dev/fm-stale
	mknod /dev/fm-stale c "${old%:*}" "${old#*:}"
	check "a second node with na's number reads na" \
		dd if=/dev/fm-stale of=/dev/null bs=4096 count=1 status=none
	fastmapctl detach na >/dev/null
	fastmapctl attach /dev/ram1 --name nn --cache 1M >/dev/null
	new=$(stat -c %t:%T /dev/fastmap/nn)
	new=$((0x${new%:*})):$((0x${new#*:}))
	check "the next instance gets another number ($old, then $new)" test "$old" != "$new"
	check "the detached instance's number fails with ENXIO" sh -c \
		'dd if=/dev/fm-stale of=/dev/null bs=4096 count=1 2>&1 | grep -q "No such device or address"'
	fastmapctl detach nn >/dev/null
	rm -f /dev/fm-stale
}

for t in resize params events files monitor nodes; do
	t_$t
done
check "rmmod" rmmod fastmap
echo "control: $pass passed, $fail failed"
[ "$fail" = 0 ]
