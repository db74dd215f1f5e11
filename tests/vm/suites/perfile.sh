#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Per-file mode tests (issue 7), run as root in the VM by tests/vm/run-suite.sh.
# Files on ext4 and xfs (on the emulated NVMe disk) are enabled with
# `fastmapctl enable` and used by ordinary dynamically linked programs under
# `fastmapctl run` (LD_PRELOAD of libfastmap-preload.so):
#   dataset   fm_filemap: 3 threads of random page writes through a MAP_SHARED
#             mapping of a 64 MiB sparse file with a 4 MiB cache (pwrite/pread
#             coherence checks in between), msync, fsync; the file instance
#             must show faults and evictions; disable, remount, verify the whole
#             file with plain mmap (the hole must still be a hole)
#   lmdb      LMDB's unmodified mdb_load/mdb_dump/mdb_stat (lmdb-utils): an env
#             loaded under fastmap dumps exactly like one loaded without it
#   outside   a plain process pwrite()s a page of a file a fastmap process has
#             mapped and cached: the mapping shows the new data, the instance
#             counts outside_writes, its own dirty page is written back first
#   truncate  an outside truncate: SIGBUS beyond the new EOF, data below intact
#   extend    pwrite past EOF through fastmap grows the file
#   sparse    holes read zeros through fastmap and stay unallocated
#   busy      a file mmapped without fastmap: FILE_OPEN fails with EBUSY, the
#             preload falls back to plain mmap
#   tmpfs     not ext4/xfs: FILE_OPEN fails with EOPNOTSUPP, programs still work
# then every file is disabled, the file systems unmounted and the module
# unloaded.  Prints PASS:/FAIL: lines and "perfile: N passed, N failed"; exits
# 1 on any failure.  Arguments: test names to run (default: all).
#
# Needs in the guest: /lib/modules/extra/fastmap.ko, fastmapctl, fm_filemap,
# mdb_load, mdb_dump, mdb_stat (run-vm --bin), the preload library at
# $FASTMAP_PRELOAD_LIB (default /opt/fastmap/bin/libfastmap-preload.so),
# mkfs.ext4 and mkfs.xfs.

KO=/lib/modules/extra/fastmap.ko
DEV=${FASTMAP_VM_NVME:-/dev/nvme0n1}
MNT=/mnt/pf
FASTMAP_PRELOAD_LIB=${FASTMAP_PRELOAD_LIB:-/opt/fastmap/bin/libfastmap-preload.so}
export FASTMAP_PRELOAD_LIB
PAGES=16384		# dataset: 64 MiB ...
HOLE=12288:13312	# ... with a 4 MiB hole (pages [12288, 13312))
CACHE=4M		# 16x smaller than the data set
OPS=${PERFILE_OPS:-5000}	# per thread and pass
LMDB_RECORDS=${PERFILE_LMDB_RECORDS:-6000}
T=/tmp/pf		# scratch (tmpfs)
only=$*
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "PASS: $*"; }
nok() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION CMD...
	_desc=$1
	shift
	if "$@"; then ok "$_desc"; else nok "$_desc (exit $?)"; fi
}
want() { # want DESCRIPTION ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi
}
run_test() {
	[ -z "$only" ] && return 0
	for t in $only; do [ "$t" = "$1" ] && return 0; done
	return 1
}
indent() { sed 's/^/    /' "$@"; }

# The kernel's instance name of a file: f<st_dev hex>.<st_ino hex>.
inst_name() { printf 'f%x.%x' "$(stat -c %d "$1")" "$(stat -c %i "$1")"; }
# A counter/field of an instance from `fastmapctl stats NAME --json` (empty if none).
stat_of() {
	fastmapctl stats "$1" --json 2>/dev/null |
		sed -n "s/^ *\"$2\": *\([0-9][0-9]*\).*/\1/p" | head -n 1
}
counters() { # one line of the interesting counters
	s=$(fastmapctl stats "$1" --json 2>/dev/null) || { echo "(no instance $1)"; return; }
	for k in faults hits misses evictions wb_pages outside_writes cache_bytes; do
		printf '%s=%s ' "$k" "$(echo "$s" | sed -n "s/^ *\"$k\": *\([0-9][0-9]*\).*/\1/p" | head -n 1)"
	done
	echo
}
gt0() { [ "${1:-0}" -gt 0 ] 2>/dev/null; }

# Wait up to SEC seconds for FILE to exist while PID runs.
wait_ready() { # FILE PID SEC
	i=0
	while [ ! -e "$1" ]; do
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1))
		[ "$i" -le $(($3 * 10)) ] || return 1
		sleep 0.1
	done
}

# Run CMD under fastmap with the preload's per-file messages in $T/run.err; the
# routed line must name the instance NAME of FILE.
fm_run() { # NAME FILE OUT CMD...
	_n=$1 _f=$2 _out=$3
	shift 3
	FASTMAP_PRELOAD_DEBUG=1 fastmapctl run -- "$@" >"$_out" 2>"$T/run.err"
	_rc=$?
	# the program's output, unless it is bulk data (a dump) of a successful run
	[ "$_rc" != 0 ] || [ "$(wc -l <"$_out")" -le 30 ] &&
		indent "$_out" | head -n 30 | cut -c 1-200
	indent "$T/run.err" | head -n 20
	if ! grep -q "fastmap: $_f -> fastmap instance $_n" "$T/run.err"; then
		echo "    (the preload did not report routing $_f to $_n)"
		[ "$_rc" != 0 ] || _rc=99
	fi
	return "$_rc"
}

mount_fs() { # FSTYPE
	mkdir -p $MNT
	case $1 in
	ext4) mkfs.ext4 -q -F "$DEV" ;;
	xfs) mkfs.xfs -q -f "$DEV" ;;
	esac || return 1
	mount -t "$1" "$DEV" $MNT
}
remount() { # FSTYPE
	umount $MNT && mount -t "$1" "$DEV" $MNT
}

# --- the tests --------------------------------------------------------------

t_load() {
	check "insmod fastmap.ko" insmod $KO
	want "/dev/fastmap/control is 0666" "$(stat -c %a /dev/fastmap/control 2>/dev/null)" 666
	want "module parameter file_cache_mb defaults to 64" \
		"$(cat /sys/module/fastmap/parameters/file_cache_mb 2>/dev/null)" 64
	check "preload library $FASTMAP_PRELOAD_LIB exists" test -f "$FASTMAP_PRELOAD_LIB"
	out=$(fm_filemap info)
	want "fm_filemap is dynamically linked, no preload by itself" "$out" \
		"info: dynamic=yes preload=none"
	out=$(fastmapctl run -- fm_filemap info)
	case $out in
	*"preload="*fastmap-preload*) ok "fastmapctl run loads the preload ($out)" ;;
	*) nok "fastmapctl run did not load the preload: $out" ;;
	esac
	for b in mdb_load mdb_dump mdb_stat; do
		check "$b in the guest" which $b >/dev/null
	done
}

# 1. Random multi-threaded writes through a mapping, 16x the cache.
t_dataset() { # FSTYPE
	fs=$1 f=$MNT/data st=$T/data.$1.state
	rm -f "$st"
	check "$fs: create a 64 MiB file with a 4 MiB hole" fm_filemap create $f --pages $PAGES --hole $HOLE
	b0=$(stat -c %b $f)
	n=$(inst_name $f)
	check "$fs: enable $f --cache $CACHE" fastmapctl enable $f --cache $CACHE
	check "$fs: 3 threads write through the mapping + pwrite/pread, msync, verify (instance $n)" \
		fm_run "$n" $f $T/w1.out fm_filemap write $f --state "$st" --threads 3 --ops "$OPS" \
		--seed 1 --hole $HOLE
	faults=$(stat_of "$n" faults) ev=$(stat_of "$n" evictions)
	echo "    stats: $(counters "$n")"
	if gt0 "$faults" && gt0 "$ev"; then
		ok "$fs: fastmap served the file: faults=$faults evictions=$ev"
	else
		nok "$fs: instance $n: faults='$faults' evictions='$ev' (want both > 0)"
		fastmapctl list | indent
	fi
	want "$fs: its own writes are not outside writes" "$(stat_of "$n" outside_writes)" 0
	check "$fs: second run on the same instance (2 threads, seed 2)" \
		fm_run "$n" $f $T/w2.out fm_filemap write $f --state "$st" --threads 2 \
		--ops $((OPS / 2)) --seed 2 --hole $HOLE
	echo "    stats: $(counters "$n")"
	check "$fs: disable $f" fastmapctl disable $f
	check "$fs: its instance is gone" sh -c "! fastmapctl list | grep -q '^$n '"
	check "$fs: umount + mount" remount "$fs"
	check "$fs: plain mmap + pread verify of every page, the hole is zeros and unallocated" \
		fm_filemap verify $f --state "$st" --hole $HOLE --pread --sparse
	echo "    st_blocks: $b0 after create, $(stat -c %b $f) now"
	rm -f $f
}

# 2. LMDB's unmodified tools. Input in mdb_dump's "print" format (a header with a
# 256 MiB map size, then key/value lines), values of 20 B .. 8 KiB (overflow pages).
# (The suite's globals: check/fm_run use _-prefixed names, tests d, f, n, fs.)
lmdb_input() { # RECORDS
	awk -v n="$1" 'BEGIN {
		print "VERSION=3"; print "format=print"; print "type=btree"
		print "mapsize=268435456"; print "maxreaders=126"
		print "HEADER=END"
		c = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:;+=*#!?@%&"
		x = 12345; s = ""
		for (i = 0; i < 9000; i++) {
			x = (x * 69069 + 1) % 4294967296
			s = s substr(c, int(x / 65536) % length(c) + 1, 1)
		}
		for (i = 0; i < n; i++) {
			x = (x * 69069 + 1) % 4294967296
			r = int(x / 256)
			len = 20 + r % 1500
			if (i % 17 == 0)
				len = 5000 + r % 3000
			printf " key%07d\n %07d:%s\n", i, i, substr(s, (r % 997) + 1, len)
		}
		print "DATA=END"
	}'
}

t_lmdb() {
	d=$MNT/lmdb
	mkdir -p $d/ref $d/fm
	lmdb_input "$LMDB_RECORDS" >$T/lmdb.txt
	# the same header and the first record only: creates the env (data.mdb) to enable
	head -n 8 $T/lmdb.txt >$T/lmdb1.txt && echo DATA=END >>$T/lmdb1.txt
	echo "    input: $(wc -c <$T/lmdb.txt) bytes, $LMDB_RECORDS records"
	check "lmdb: reference env loaded without fastmap" mdb_load -f $T/lmdb.txt $d/ref
	mdb_dump -p "$d"/ref >$T/ref.dump
	check "lmdb: reference dump has $LMDB_RECORDS records" \
		test "$(grep -c '^ key' $T/ref.dump)" = "$LMDB_RECORDS"
	check "lmdb: create the second env (one record)" mdb_load -f $T/lmdb1.txt "$d"/fm
	f=$d/fm/data.mdb
	n=$(inst_name "$f")
	check "lmdb: enable $f --cache $CACHE" fastmapctl enable "$f" --cache $CACHE
	check "lmdb: fastmapctl run -- mdb_load (all records)" \
		fm_run "$n" "$f" $T/load.out mdb_load -f $T/lmdb.txt "$d"/fm
	echo "    stats after mdb_load: $(counters "$n")"
	check "lmdb: fastmapctl run -- mdb_dump -p" fm_run "$n" "$f" $T/fm.dump mdb_dump -p "$d"/fm
	if [ -s $T/ref.dump ] && cmp -s $T/ref.dump $T/fm.dump; then
		ok "lmdb: dump under fastmap identical to the reference ($(wc -c <$T/fm.dump) bytes)"
	else
		nok "lmdb: dump under fastmap differs from the reference"
		diff $T/ref.dump $T/fm.dump | head -n 20 | cut -c 1-120 | indent
	fi
	check "lmdb: fastmapctl run -- mdb_stat -e" fm_run "$n" "$f" $T/stat.out mdb_stat -e "$d"/fm
	want "lmdb: mdb_stat counts the entries" \
		"$(sed -n 's/^ *Entries: *//p' $T/stat.out)" "$LMDB_RECORDS"
	faults=$(stat_of "$n" faults)
	echo "    stats: $(counters "$n")"
	if gt0 "$faults"; then ok "lmdb: fastmap served data.mdb: faults=$faults"; else
		nok "lmdb: instance $n: faults='$faults' (want > 0)"; fi
	check "lmdb: disable" fastmapctl disable "$f"
	check "lmdb: umount + mount" remount ext4
	mdb_dump -p "$d"/fm >$T/plain.dump
	if [ -s $T/ref.dump ] && cmp -s $T/ref.dump $T/plain.dump; then
		ok "lmdb: plain mdb_dump after remount identical to the reference"
	else
		nok "lmdb: plain mdb_dump after remount differs"
		diff $T/ref.dump $T/plain.dump | head -n 20 | cut -c 1-120 | indent
	fi
	rm -rf "$d" $T/*.dump $T/lmdb*.txt
}

# 3. A plain process writes a page of a file that a fastmap process has mapped.
t_outside() { # FSTYPE
	fs=$1 f=$MNT/ow
	check "$fs: create a 1 MiB file" fm_filemap create $f --pages 256
	n=$(inst_name $f)
	check "$fs: enable $f --cache 1M" fastmapctl enable $f --cache 1M
	rm -f $T/ow.ready $T/ow.go
	# page 17 is cached and mapped; page 30 is left dirty in fastmap's cache
	FASTMAP_PRELOAD_DEBUG=1 fastmapctl run -- fm_filemap watch $f --page 17 --version 5 \
		--dirty 30 --ready $T/ow.ready --go $T/ow.go --timeout 10 >$T/ow.out 2>&1 &
	pid=$!
	if ! wait_ready $T/ow.ready $pid 60; then
		nok "$fs: the watcher did not get ready"
		kill $pid 2>/dev/null
		wait $pid
		indent $T/ow.out
		fastmapctl disable $f >/dev/null 2>&1
		rm -f $f
		return
	fi
	cached=$(stat_of "$n" cached_pages)
	if gt0 "$cached"; then ok "$fs: the file is cached by its instance ($cached pages)"; else
		nok "$fs: no cached pages in instance $n ('$cached')"; fi
	check "$fs: disable is refused while the file is open through fastmap" \
		sh -c "! fastmapctl disable $f 2>$T/dis.err"
	indent $T/dis.err
	fastmapctl events --json --count 50 --timeout 90 >$T/ow.events 2>&1 &
	epid=$!
	# subscribed once a "changed" event of the instance shows up (a slow start under TCG)
	i=0
	while ! grep -q '"changed"' $T/ow.events && [ $i -lt 60 ]; do
		fastmapctl set "$n" batch=$((64 + i)) >/dev/null 2>&1
		i=$((i + 1))
		sleep 0.5
	done
	check "$fs: plain pwrite of page 17 (no preload)" fm_filemap poke $f --page 17 --version 5
	touch $T/ow.go
	wait $pid
	rc=$?
	indent $T/ow.out
	i=0
	while ! grep -q '"outside_write"' $T/ow.events && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	kill $epid 2>/dev/null
	wait $epid 2>/dev/null
	if grep '"outside_write"' $T/ow.events | grep -q "\"$n\""; then
		ok "$fs: event: $(grep '"outside_write"' $T/ow.events | head -n 1)"
	else
		nok "$fs: no outside_write event for $n"
		indent $T/ow.events | head -n 20
	fi
	if [ $rc = 0 ]; then ok "$fs: the mapped process sees the outside write"; else
		nok "$fs: the mapped process did not see the outside write (exit $rc)"; fi
	ow=$(stat_of "$n" outside_writes)
	echo "    stats: $(counters "$n")"
	if gt0 "$ow"; then ok "$fs: outside_writes=$ow"; else nok "$fs: outside_writes='$ow' (want > 0)"; fi
	check "$fs: disable" fastmapctl disable $f
	echo 3 >/proc/sys/vm/drop_caches
	check "$fs: on disk: page 17 has the outside write" fm_filemap check $f --page 17 --version 5
	check "$fs: on disk: page 30, dirty in fastmap at that time, was written back" \
		fm_filemap check $f --page 30 --version 5
	check "$fs: on disk: page 16 untouched" fm_filemap check $f --page 16 --version 0
	rm -f $f
}

# 4a. Truncate from outside while mapped: SIGBUS beyond the new EOF.
t_truncate() { # FSTYPE
	fs=$1 f=$MNT/tr
	check "$fs: create a 2 MiB file" fm_filemap create $f --pages 512
	n=$(inst_name $f)
	check "$fs: enable $f --cache 1M" fastmapctl enable $f --cache 1M
	rm -f $T/tr.ready $T/tr.go
	FASTMAP_PRELOAD_DEBUG=1 fastmapctl run -- fm_filemap truncwait $f --eof-pages 200 \
		--ready $T/tr.ready --go $T/tr.go --timeout 10 >$T/tr.out 2>&1 &
	pid=$!
	if wait_ready $T/tr.ready $pid 60; then
		check "$fs: plain truncate to 200 pages" truncate -s $((200 * 4096)) $f
	else
		nok "$fs: the mapped process did not get ready"
	fi
	touch $T/tr.go
	wait $pid
	rc=$?
	indent $T/tr.out
	if [ $rc = 0 ]; then ok "$fs: SIGBUS beyond the new EOF, data below intact"; else
		nok "$fs: truncate while mapped (exit $rc)"; fi
	ow=$(stat_of "$n" outside_writes)
	if gt0 "$ow"; then ok "$fs: the truncate counted as outside write ($ow)"; else
		nok "$fs: outside_writes='$ow' after truncate"; fi
	check "$fs: disable" fastmapctl disable $f
	want "$fs: size after truncate" "$(stat -c %s $f)" $((200 * 4096))
	echo 3 >/proc/sys/vm/drop_caches
	check "$fs: plain verify of the 200 pages left" fm_filemap verify $f
	rm -f $f
}

# 4b. pwrite past EOF through fastmap grows the file.
t_extend() { # FSTYPE
	fs=$1 f=$MNT/ex
	check "$fs: create a 256 KiB file" fm_filemap create $f --pages 64
	n=$(inst_name $f)
	check "$fs: enable $f --cache 1M" fastmapctl enable $f --cache 1M
	check "$fs: pwrite of page 100 through fastmap (file of 64 pages)" \
		fm_run "$n" $f $T/ex.out fm_filemap extend $f --page 100 --version 3
	want "$fs: the file grew (stat size)" "$(stat -c %s $f)" $((101 * 4096))
	check "$fs: disable" fastmapctl disable $f
	echo 3 >/proc/sys/vm/drop_caches
	check "$fs: plain read: page 100" fm_filemap check $f --page 100 --version 3
	check "$fs: plain read: pages 64..99 are zeros" fm_filemap zeros $f --hole 64:100
	check "$fs: plain read: the old pages" fm_filemap verify $f --pages 64
	rm -f $f
}

# 5. Holes read zeros through fastmap and stay holes.
t_sparse() { # FSTYPE
	fs=$1 f=$MNT/sp
	check "$fs: create a 16 MiB file with data only in its first and last page" \
		fm_filemap create $f --pages 4096 --hole 1:4095
	sync
	b0=$(stat -c %b $f)
	n=$(inst_name $f)
	check "$fs: enable $f (default cache)" fastmapctl enable $f
	check "$fs: the hole reads zeros through fastmap (mmap + pread)" \
		fm_run "$n" $f $T/sp.out fm_filemap zeros $f --hole 1:4095
	echo "    stats: $(counters "$n")"
	faults=$(stat_of "$n" faults)
	if gt0 "$faults"; then ok "$fs: fastmap served the hole: faults=$faults"; else
		nok "$fs: instance $n: faults='$faults'"; fi
	want "$fs: the instance has the default cache (file_cache_mb)" "$(stat_of "$n" cache_bytes)" \
		$(($(cat /sys/module/fastmap/parameters/file_cache_mb) * 1048576))
	check "$fs: one page written into the middle of the hole through fastmap" \
		fm_run "$n" $f $T/sp2.out fm_filemap poke $f --page 2000 --version 1 --fsync
	check "$fs: disable" fastmapctl disable $f
	sync
	b1=$(stat -c %b $f)
	echo "    st_blocks: $b0 before, $b1 after (one 4 KiB page written: +8 expected)"
	if [ "$b1" -ge "$b0" ] && [ "$b1" -le $((b0 + 64)) ]; then
		ok "$fs: the file stays sparse (st_blocks $b0 -> $b1)"
	else
		nok "$fs: st_blocks $b0 -> $b1: the hole was filled"
	fi
	echo 3 >/proc/sys/vm/drop_caches
	check "$fs: plain: page 2000 written" fm_filemap check $f --page 2000 --version 1
	check "$fs: plain: the rest of the hole is zeros and unallocated" sh -c \
		"fm_filemap verify $f --pages 2000 --hole 1:2000 --sparse &&
		 fm_filemap zeros $f --hole 2001:4095 && fm_filemap check $f --page 4095 --version 0"
	rm -f $f
}

# A file mmapped by a process without fastmap cannot be opened through fastmap.
t_busy() {
	f=$MNT/busy
	check "create a file" fm_filemap create $f --pages 64
	check "enable it" fastmapctl enable $f --cache 1M
	rm -f $T/b.ready $T/b.go
	fm_filemap hold $f --ready $T/b.ready --go $T/b.go >$T/b.out 2>&1 &
	pid=$!
	if wait_ready $T/b.ready $pid 60; then
		out=$(fm_filemap probe $f)
		case $out in
		*EBUSY*) ok "mapped without fastmap: $out" ;;
		*) nok "mapped without fastmap: want EBUSY: $out" ;;
		esac
		check "the preload falls back to plain mmap (program works)" \
			sh -c "fastmapctl run -- fm_filemap verify $f --pread >$T/b2.out 2>&1"
		indent $T/b2.out
	else
		nok "the plain holder did not get ready"
	fi
	touch $T/b.go
	wait $pid
	out=$(fm_filemap probe $f)
	case $out in
	*" ok name="*) ok "after the plain mapping is gone: $out" ;;
	*) nok "after the plain mapping is gone: $out" ;;
	esac
	check "disable" fastmapctl disable $f
	rm -f $f
}

# 6. Not ext4/xfs: tmpfs.
t_tmpfs() {
	f=$T/tmpfs.dat
	check "tmpfs: create a file" fm_filemap create $f --pages 256
	n=$(inst_name $f)
	if fastmapctl enable $f >$T/en.out 2>&1; then
		enabled=1
		ok "tmpfs: enable accepted (table only): $(cat $T/en.out)"
		out=$(fm_filemap probe $f)
		case $out in
		*EOPNOTSUPP*) ok "tmpfs: $out" ;;
		*) nok "tmpfs: FILE_OPEN: want EOPNOTSUPP: $out" ;;
		esac
	else
		enabled=0
		echo "    enable refused: $(cat $T/en.out)"
		if grep -qi "support\|tmpfs\|file system\|filesystem" $T/en.out; then
			ok "tmpfs: enable refused with a clear message"
		else
			nok "tmpfs: enable refused without saying why: $(cat $T/en.out)"
		fi
		out=$(fm_filemap probe $f)
		case $out in
		*EOPNOTSUPP* | *ENOENT*) ok "tmpfs: $out" ;;
		*) nok "tmpfs: FILE_OPEN: want EOPNOTSUPP (or ENOENT, not enabled): $out" ;;
		esac
	fi
	FASTMAP_PRELOAD_DEBUG=1 fastmapctl run -- fm_filemap write $f --state $T/tmpfs.state \
		--threads 2 --ops 1000 --seed 3 >$T/tm.out 2>&1
	rc=$?
	indent $T/tm.out
	if [ $rc = 0 ]; then ok "tmpfs: the program works under fastmapctl run (plain mmap)"; else
		nok "tmpfs: fm_filemap write under fastmapctl run failed (exit $rc)"; fi
	check "tmpfs: no instance was created" sh -c "! fastmapctl list | grep -q '^$n '"
	check "tmpfs: plain verify" fm_filemap verify $f --state $T/tmpfs.state --pread
	[ $enabled = 0 ] || check "tmpfs: disable" fastmapctl disable $f
	rm -f $f $T/tmpfs.state
}

t_unload() {
	check "no file left in the enable table" sh -c "[ -z \"\$(fastmapctl files --json |
		grep '\"ino\"')\" ]"
	check "no instance left" sh -c "! fastmapctl list | grep -q '^f'"
	check "rmmod fastmap" rmmod fastmap
	check "no fastmap sysfs left" test ! -e /sys/kernel/fastmap
}

# --- main -------------------------------------------------------------------

echo "perfile: kernel $(uname -r), $(nproc) CPUs, disk $DEV, ops/thread $OPS"
mkdir -p $T
[ -b "$DEV" ] || { echo "FAIL: no NVMe disk $DEV"; exit 1; }
modprobe -a ext4 xfs 2>/dev/null
t_load
[ -e /dev/fastmap/control ] || { echo "perfile: $pass passed, $((fail + 1)) failed (no module)"; exit 1; }

if mount_fs ext4; then
	ok "ext4 on $DEV mounted"
	run_test dataset && t_dataset ext4
	run_test lmdb && t_lmdb
	run_test outside && t_outside ext4
	run_test truncate && t_truncate ext4
	run_test extend && t_extend ext4
	run_test sparse && t_sparse ext4
	run_test busy && t_busy
	check "ext4: umount" umount $MNT
else
	nok "mkfs.ext4/mount on $DEV"
fi
if mount_fs xfs; then
	ok "xfs on $DEV mounted"
	run_test dataset && t_dataset xfs
	run_test outside && t_outside xfs
	run_test truncate && t_truncate xfs
	run_test extend && t_extend xfs
	run_test sparse && t_sparse xfs
	check "xfs: umount" umount $MNT
else
	nok "mkfs.xfs/mount on $DEV"
fi
run_test tmpfs && t_tmpfs
t_unload
echo "perfile: $pass passed, $fail failed"
[ "$fail" = 0 ]
