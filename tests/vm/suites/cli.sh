#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fastmapctl system test (issue 6), run as root in the systemd guest (run-vm.sh --systemd) by
# tests/vm/run-cli-suite.sh: the build's install tree arrives in /opt/stage and is copied to /.
# Every verb against the real module, first with fastmapd running (D-Bus), then with it stopped
# (direct netlink, the one-line notice); every --json output checked against the installed
# schemas (/usr/share/fastmap/schema) with fm_jsonschema; error paths: module not loaded
# (exit 3, one stderr line saying `modprobe fastmap`), bad names, an unprivileged caller
# (mutations exit 4, reads work); `top --once` under a running load.
# Closing line: "cli: N passed, N failed".
KO=/lib/modules/extra/fastmap.ko
S=/usr/share/fastmap/schema
CTL=/usr/bin/fastmapctl
pass=0
fail=0
ok() { pass=$((pass + 1)) && echo "ok - $*"; }
nok() { fail=$((fail + 1)) && echo "not ok - $*"; }
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d (exit $?)"; fi
}
# check_out DESC REGEX CMD...: CMD succeeds and its stdout+stderr match REGEX.
check_out() {
	local d=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -Eq -- "$re"; then
		ok "$d"
	else
		nok "$d (exit $rc): $(printf '%s' "$out" | head -c 600)"
	fi
}
# check_fail DESC WANT_RC REGEX CMD...: CMD exits WANT_RC and says REGEX.
check_fail() {
	local d=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$re"; then
		ok "$d"
	else
		nok "$d (exit $rc, want $want): $(printf '%s' "$out" | head -c 600)"
	fi
}
# check_one_line DESC WANT_RC REGEX CMD...: CMD exits WANT_RC, prints nothing on stdout and
# exactly one line on stderr, matching REGEX.
check_one_line() {
	local d=$1 want=$2 re=$3 rc
	shift 3
	"$@" >/tmp/cli.out 2>/tmp/cli.err
	rc=$?
	if [ $rc -eq "$want" ] && [ ! -s /tmp/cli.out ] && [ "$(wc -l </tmp/cli.err)" -eq 1 ] &&
		grep -Eq -- "$re" /tmp/cli.err; then
		ok "$d"
	else
		nok "$d (exit $rc, want $want): stdout '$(head -c 200 /tmp/cli.out)' stderr '$(head -c 400 /tmp/cli.err)'"
	fi
}
# check_json DESC SCHEMA CMD...: CMD exits $JSON_RC (default 0) and its stdout is valid against
# $S/SCHEMA.schema.json (JSON Lines with JSON_LINES=1).
check_json() {
	local d=$1 schema=$2 rc want=${JSON_RC:-0} lines=
	shift 2
	[ "${JSON_LINES:-0}" = 1 ] && lines=--lines
	"$@" >/tmp/cli.json 2>/tmp/cli.err
	rc=$?
	if [ $rc -ne "$want" ]; then
		nok "$d (exit $rc, want $want): $(head -c 400 /tmp/cli.err)"
	elif fm_jsonschema "$S/$schema.schema.json" $lines </tmp/cli.json >/tmp/cli.v 2>&1; then
		ok "$d"
	else
		nok "$d: $(head -c 600 /tmp/cli.v) in: $(head -c 400 /tmp/cli.json)"
	fi
}
wait_for() {
	local t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
as_user() { runuser -u fmuser -- "$@"; }

# --- install ----------------------------------------------------------------
cp -a /opt/stage/. / || { echo "not ok - copy the install tree"; exit 1; }
check "fastmapctl installed at /usr/bin" test -x $CTL
for s in list instance stats stats-all stats-watch status get files events version decisions \
	policy-show top; do
	check "schema $s installed" test -f $S/$s.schema.json
done
check "bash completion installed" test -f /usr/share/bash-completion/completions/fastmapctl
check "man page installed" test -f /usr/share/man/man8/fastmapctl.8
# The checker can fail: a document that breaks the schema is rejected.
check_fail "fm_jsonschema rejects a bad document" 1 'instances' \
	sh -c "echo '{\"instances\": [{\"name\": 1}]}' | fm_jsonschema $S/list.schema.json"
check_fail "fm_jsonschema rejects a missing key" 1 '' \
	sh -c "echo '{}' | fm_jsonschema $S/files.schema.json"

# --- module not loaded, no daemon: exit 3, one line that says how to load it ----------------
systemctl stop fastmapd 2>/dev/null
for verb in "list" "stats" "stats nope" "get x" "files" "top --once" "set x batch=8" "detach x"; do
	# shellcheck disable=SC2086
	check_one_line "not loaded: $verb: exit 3, one line" 3 \
		"^fastmapctl: ${verb%% *}: fastmap kernel module is not loaded \(modprobe fastmap\)$" $CTL $verb
done
check_fail "not loaded: status says how to load it (exit 3)" 3 '^module: not loaded \(modprobe fastmap\)$' $CTL status
JSON_RC=3 check_json "not loaded: status --json (exit 3)" status $CTL status --json
check_out "not loaded: stats --prometheus is fastmap_up 0" '^fastmap_up 0$' $CTL stats --prometheus
check_out "not loaded: version says so" '^module: not loaded$' $CTL version
check_json "not loaded: version --json" version $CTL version --json

insmod $KO || { echo "not ok - insmod"; exit 1; }
modprobe null_blk nr_devices=2 memory_backed=1 gb=1
fm_integrity prefill /dev/nullb0 --pages 16384 >/dev/null
modprobe brd rd_nr=1 rd_size=65536
mkfs.ext4 -q /dev/ram0 && mkdir -p /mnt/e && mount /dev/ram0 /mnt/e
for m in daemon direct; do
	dd if=/dev/zero of=/mnt/e/$m.db bs=1M count=2 status=none
	chmod 644 /mnt/e/$m.db
done
mkdir -p /etc/fastmap
# A quiet policy: no sizing or batch decisions on the test's instances.
cat >/etc/fastmap/fastmapd.json <<'JSON'
{"version": 1, "interval": "500ms",
 "defaults": {"cache": {"enabled": false}, "batch": {"enabled": false}}}
JSON
systemctl daemon-reload
systemctl reload dbus 2>/dev/null || busctl --system call org.freedesktop.DBus / org.freedesktop.DBus ReloadConfig

# every_verb MODE: MODE is daemon (fastmapd running) or direct (stopped).
every_verb() {
	local mode=$1 n=cli$1 notice='fastmapd is not running; talking to the kernel directly'
	if [ "$mode" = daemon ]; then
		check "[$mode] systemctl start fastmapd" systemctl start fastmapd
		check "[$mode] fastmapd is active" systemctl is-active --quiet fastmapd
		check_fail "[$mode] no notice on stderr" 0 '^$' sh -c "$CTL list 2>&1 >/dev/null"
	else
		check "[$mode] systemctl stop fastmapd" systemctl stop fastmapd
		check_fail "[$mode] the notice, once, on stderr" 0 "^fastmapctl: $notice\$" \
			sh -c "$CTL list 2>&1 >/dev/null"
		check_out "[$mode] exactly one notice line" '^1$' sh -c "$CTL status 2>&1 >/dev/null | wc -l"
		check_fail "[$mode] --no-daemon: no notice" 0 '^$' sh -c "$CTL --no-daemon list 2>&1 >/dev/null"
	fi
	local dev=/dev/nullb0
	check_out "[$mode] attach" "^attached $n: $dev" $CTL attach $dev --name $n --cache 8M --batch 64
	check "[$mode] the node exists" test -e /dev/fastmap/$n
	check_out "[$mode] list" "^$n +[0-9]+ +$dev " $CTL list
	check_json "[$mode] list --json" list $CTL list --json
	check_out "[$mode] status" "^$n +$dev " $CTL status
	check_json "[$mode] status --json" status $CTL status --json
	check_out "[$mode] stats NAME" '^faults +[0-9]+' $CTL stats $n
	check_json "[$mode] stats NAME --json" stats $CTL stats $n --json
	check_out "[$mode] stats (every instance)" "^NAME +FAULTS .*\$" $CTL stats
	check_out "[$mode] stats lists $n" "^$n +[0-9]+" $CTL stats
	check_json "[$mode] stats --json (every instance)" stats-all $CTL stats --json
	check_out "[$mode] stats --watch has IOPS" '^TIME +NAME +FAULTS/s .* IOPS ' $CTL stats $n --watch 0.5 --count 2
	JSON_LINES=1 check_json "[$mode] stats --watch --json (JSON Lines)" stats-watch \
		$CTL stats --watch 0.5 --count 2 --json
	check_out "[$mode] stats --watch --json: one line per sample" '^2$' \
		sh -c "$CTL stats $n --watch 0.3 --count 2 --json | wc -l"
	check_out "[$mode] prometheus: instance info" "^fastmap_instance_info\\{name=\"$n\",id=\"[0-9]+\",device=\"$dev\",dev=\"[0-9]+:[0-9]+\"\\} 1\$" \
		$CTL stats --prometheus
	for metric in read_ios_total writeback_bios_total evict_stalls_total mkwrite_total outside_writes_total free_bytes; do
		check_out "[$mode] prometheus: fastmap_$metric" "^fastmap_$metric\\{name=\"$n\"\\} [0-9]+\$" $CTL stats $n --prometheus
	done
	check_out "[$mode] set" "^set $n: cache 8 MiB, batch 32 pages, dirty_ratio 30%, wb_interval 2 s" \
		$CTL set $n batch=32 dirty_ratio=30 wb_interval=2s
	check_json "[$mode] set --json" instance $CTL set $n dirty_ratio=35 --json
	check_out "[$mode] get" '^batch +32 pages$' $CTL get $n
	check_out "[$mode] get KEY" '^35$' $CTL get $n dirty_ratio
	check_json "[$mode] get --json" get $CTL get $n --json
	check_json "[$mode] get KEY --json" get $CTL get $n cache --json
	check_out "[$mode] enable" "^enabled /mnt/e/$mode.db \\(dev [0-9]+:[0-9]+, inode [0-9]+\\)" \
		$CTL enable /mnt/e/$mode.db
	check_out "[$mode] files" "/mnt/e/$mode.db" $CTL files
	check_json "[$mode] files --json" files $CTL files --json
	check_out "[$mode] version" '^module: fastmap ' $CTL version
	check_json "[$mode] version --json" version $CTL version --json
	# events: one `changed` event from a set made while it listens.
	$CTL events --json --count 1 --timeout 20 >/tmp/events.json 2>/tmp/events.err &
	local ev=$!
	sleep 1
	$CTL set $n batch=48 >/dev/null
	wait $ev
	check "[$mode] events --json got the change (exit $?)" grep -q '"event":"changed"' /tmp/events.json
	JSON_LINES=1 check_json "[$mode] events --json" events cat /tmp/events.json

	# top under a running load, until the checks are done (SIGTERM ends fmbench; a fixed
	# duration ran out before the checks on the debug kernel).
	fmbench --mode fastmap --path /dev/fastmap/$n --op read --threads 1 --seconds 3600 \
		--pages 16384 --quiet >/dev/null 2>&1 &
	local load=$!
	sleep 2
	# faults/s and IOPS above 0 (the one instance): a schema made for this check.
	cat >/tmp/busy.schema.json <<'JSON'
{"type": "object", "required": ["instances"], "properties": {"instances": {"minItems": 1, "maxItems": 1,
 "items": {"required": ["rates"], "properties": {"rates": {"type": "object", "required": ["faults_per_s", "iops"],
 "properties": {"faults_per_s": {"exclusiveMinimum": 0}, "iops": {"exclusiveMinimum": 0}}}}}}}}
JSON
	check_json "[$mode] top --once --json" top $CTL top --once --json --interval 1
	check "[$mode] top --json: faults/s and IOPS above 0 under load" fm_jsonschema /tmp/busy.schema.json </tmp/cli.json
	$CTL top --once --interval 2 >/tmp/top.txt 2>&1
	check "[$mode] top --once exits 0" test $? -eq 0
	check "[$mode] top: header line" grep -q '^fastmap top: 1 instance, 2\.[0-9] s interval$' /tmp/top.txt
	check "[$mode] top: columns" grep -Eq '^NAME +FAULTS/s +HIT% +EVICT/s +SHOOTDN/s +IOPS +DIRTY +CACHE +P50 +P99$' /tmp/top.txt
	check "[$mode] top: non-zero faults/s under load" \
		awk -v n=$n '$1 == n && $2 + 0 > 0 {found = 1} END {exit !found}' /tmp/top.txt
	check "[$mode] top: non-zero IOPS under load" \
		awk -v n=$n '$1 == n && $6 + 0 > 0 {found = 1} END {exit !found}' /tmp/top.txt
	check "[$mode] top: the enabled files block" grep -q '^enabled files: 1$' /tmp/top.txt
	check "[$mode] top: the file in it" grep -Eq "^  [0-9]+:[0-9]+ [0-9]+  /mnt/e/$mode.db" /tmp/top.txt
	check "[$mode] top: no terminal codes with --once" bash -c "! grep -q \$'\\x1b' /tmp/top.txt"
	if [ "$mode" = daemon ]; then
		check "[$mode] top: fastmapd's decisions footer" grep -q '^recent fastmapd decisions:' /tmp/top.txt
	else
		check "[$mode] top: the not-running footer" grep -q '^fastmapd: not running (no policy decisions)$' /tmp/top.txt
	fi
	grep -q '^NAME' /tmp/top.txt && grep -q '^enabled files: 1$' /tmp/top.txt || cat /tmp/top.txt
	kill $load 2>/dev/null
	wait $load

	# The daemon's verbs.
	if [ "$mode" = daemon ]; then
		check_json "[$mode] decisions --json" decisions $CTL decisions --json
		check_json "[$mode] policy show --json" policy-show $CTL policy show --json
		check "[$mode] policy validate" $CTL policy validate /etc/fastmap/fastmapd.json
		check "[$mode] policy reload" $CTL policy reload
		check_json "[$mode] restore-defaults --json" instance $CTL restore-defaults $n --json
	else
		check_fail "[$mode] decisions need fastmapd (exit 6)" 6 'fastmapd is not running' $CTL decisions
		check_fail "[$mode] policy reload needs fastmapd (exit 6)" 6 'fastmapd is not running' $CTL policy reload
		check_fail "[$mode] restore-defaults needs fastmapd (exit 6)" 6 'fastmapd is not running' $CTL restore-defaults $n
		check_json "[$mode] policy show --json (the files on disk)" policy-show $CTL policy show --json
	fi

	# Bad names and unknown instances.
	check_fail "[$mode] bad name: get (exit 2)" 2 'name' $CTL get 'bad/name'
	check_fail "[$mode] reserved name: attach (exit 2)" 2 'name' $CTL attach /dev/nullb1 --name control --cache 1M
	check_fail "[$mode] too long a name: stats (exit 2)" 2 'name' $CTL stats aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	check_fail "[$mode] unknown instance: stats (exit 1)" 1 '^fastmapctl: stats: no instance' $CTL stats nope
	check_fail "[$mode] unknown instance: set (exit 1)" 1 '^fastmapctl: set: no instance' $CTL set nope batch=8
	check_fail "[$mode] unknown instance: detach (exit 1)" 1 '^fastmapctl: detach: no instance' $CTL detach nope

	# An unprivileged caller: mutations exit 4 and say they need root; reads work.
	local need='need.*root' batch
	batch=$($CTL get $n batch 2>/dev/null)
	check_fail "[$mode] unprivileged attach: exit 4" 4 "$need" as_user $CTL attach /dev/nullb1 --name u0 --cache 1M
	check_fail "[$mode] unprivileged set: exit 4" 4 "$need" as_user $CTL set $n batch=16
	check_fail "[$mode] unprivileged detach: exit 4" 4 "$need" as_user $CTL detach $n
	check_fail "[$mode] unprivileged enable: exit 4" 4 "$need" as_user $CTL enable /mnt/e/$mode.db
	check_fail "[$mode] unprivileged disable: exit 4" 4 "$need" as_user $CTL disable /mnt/e/$mode.db
	check_out "[$mode] unprivileged list" "^$n " as_user $CTL list
	check_json "[$mode] unprivileged stats --json" stats as_user $CTL stats $n --json
	check_json "[$mode] unprivileged status --json" status as_user $CTL status --json
	check_out "[$mode] unprivileged get" "^$batch\$" as_user $CTL get $n batch
	check_out "[$mode] unprivileged files" "/mnt/e/$mode.db" as_user $CTL files
	check_out "[$mode] unprivileged top --once: latency unavailable, said why" '^fault latency: unavailable' \
		as_user $CTL top --once --interval 0.5
	check "[$mode] the instance is unchanged (batch $batch)" test "$($CTL get $n batch)" = "$batch"

	check_out "[$mode] disable" "disabled /mnt/e/$mode.db" $CTL disable /mnt/e/$mode.db
	check_out "[$mode] detach" "^detached $n" $CTL detach $n
	check "[$mode] the node is gone" wait_for 5 sh -c "! test -e /dev/fastmap/$n"
}

every_verb daemon
every_verb direct

umount /mnt/e
check "rmmod" rmmod fastmap
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
