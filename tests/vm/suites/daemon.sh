#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fastmapd system test (issues 5 and 6), run as root in the systemd guest
# (run-vm.sh --systemd): real systemd as PID 1 and a real system bus. The
# build's install tree (cmake --install, prefix /usr) arrives in /opt/stage
# and is copied to /. Then: start fastmapd with systemctl, drive it with
# fastmapctl over D-Bus, watch a policy decision happen under load, reload
# the policy (invalid and valid) with systemctl reload, kill the daemon and
# watch systemd restart it while an instance keeps serving, check that an
# unprivileged caller's mutations are refused and its reads work, and that
# fastmapctl works without the daemon, and that the policy's and the operator's files
# are enabled again from the policy and the state file; an operator's pin survives kill -9;
# MemoryMin/OOMScoreAdjust/hardening as applied (cgroup memory.min of the unit and of
# system.slice, oom_score_adj); a polkit rule for org.fastmap.manage grants fmuser a mutation
# and its removal takes it back; auto-enable end to end. Reports fastmapd's CPU use (60 s).
# Closing line: "daemon: N passed, N failed".
KO=/lib/modules/extra/fastmap.ko
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
main_pid() { systemctl show -p MainPID --value fastmapd; }
prop() { busctl --system get-property org.fastmap.FastMap1 /org/fastmap/FastMap1 org.fastmap.FastMap1 "$1"; }
# Wait up to $1 seconds for "$2..." to succeed.
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
journal() { journalctl -b -u fastmapd --no-pager -o cat; }

# --- install ----------------------------------------------------------------
cp -a /opt/stage/. / || { echo "not ok - copy the install tree"; exit 1; }
check "fastmapd installed at /usr/sbin" test -x /usr/sbin/fastmapd
check "unit installed" test -f /usr/lib/systemd/system/fastmapd.service
check "unit names the installed binary" grep -q '^ExecStart=/usr/sbin/fastmapd$' /usr/lib/systemd/system/fastmapd.service
check "bus policy installed" test -f /usr/share/dbus-1/system.d/org.fastmap.FastMap1.conf
check "introspection XML installed" test -f /usr/share/dbus-1/interfaces/org.fastmap.FastMap1.xml
check "polkit action installed" test -f /usr/share/polkit-1/actions/org.fastmap.FastMap1.policy
check "system.slice MemoryMin drop-in installed" test -f /usr/lib/systemd/system/system.slice.d/50-fastmapd-memory-min.conf
check "vendor policy installed" test -f /usr/lib/fastmap/fastmapd.json
check "policy schema installed" test -f /usr/share/fastmap/policy.schema.json

insmod $KO || { echo "not ok - insmod"; exit 1; }
modprobe null_blk nr_devices=1 memory_backed=1 gb=1
fm_integrity prefill /dev/nullb0 --pages 16384 >/dev/null

mkdir -p /etc/fastmap
cat >/etc/fastmap/fastmapd.json <<'JSON'
{
  "version": 1,
  "interval": "500ms",
  "defaults": {
    "cache": {"min": "4M", "max": "48M", "step_percent": 50, "grow_miss_ratio": 0.2,
              "shrink_miss_ratio": 0.001, "min_mem_available": "64M",
              "hysteresis_intervals": 2, "cooldown_intervals": 2, "min_faults": 50}
  },
  "attach": [{"name": "pm0", "device": "/dev/pmem0", "cache": "8M"}]
}
JSON
check "fastmapd --check accepts the policy" fastmapd --check
check "fastmapctl policy validate accepts it" fastmapctl policy validate /etc/fastmap/fastmapd.json

systemctl daemon-reload
systemctl reload dbus 2>/dev/null || busctl --system call org.freedesktop.DBus / org.freedesktop.DBus ReloadConfig
check "systemctl start fastmapd" systemctl start fastmapd
check "fastmapd is active" systemctl is-active --quiet fastmapd
check_out "the unit is Type=notify-reload with a watchdog" 'notify-reload' systemctl show -p Type fastmapd
check_out "WatchdogUSec is set" 'WatchdogUSec=30s' systemctl show -p WatchdogUSec fastmapd
check_out "fastmapd owns org.fastmap.FastMap1" 'org.fastmap.FastMap1' busctl --system list --acquired
check_out "ApiVersion is 1" '^u 1$' prop ApiVersion
check "the policy attached pm0 at start" wait_for 10 test -e /dev/fastmap/pm0
# Capabilities: exactly the unit's bounding set (CAP_DAC_READ_SEARCH 2, CAP_SYS_PTRACE 19,
# CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39), so no CAP_SYS_MODULE (16) among them.
caps_want=000000c000280004
check_out "fastmapd's bounding set is the unit's (no CAP_SYS_MODULE)" "^CapBnd:[[:space:]]+$caps_want\$" grep CapBnd /proc/"$(main_pid)"/status
check_out "its effective set is no larger" "^CapEff:[[:space:]]+$caps_want\$" grep CapEff /proc/"$(main_pid)"/status
check_out "NoNewPrivs is set" '^NoNewPrivs:[[:space:]]+1$' grep NoNewPrivs /proc/"$(main_pid)"/status
# Memory protection and hardening as systemd applied them.
check_out "systemd: MemoryMin=32M" '^MemoryMin=33554432$' systemctl show -p MemoryMin fastmapd
check_out "systemd: ProtectSystem=strict" '^ProtectSystem=strict$' systemctl show -p ProtectSystem fastmapd
check_out "systemd: Restart=on-failure" '^Restart=on-failure$' systemctl show -p Restart fastmapd
check_out "systemd: the capability bounding set" \
	'^CapabilityBoundingSet=cap_dac_read_search cap_sys_ptrace cap_sys_admin cap_perfmon cap_bpf$' \
	systemctl show -p CapabilityBoundingSet fastmapd
oom_want=$(systemctl show -p OOMScoreAdjust --value fastmapd)
check_out "oom_score_adj of fastmapd is the unit's OOMScoreAdjust (-900)" "^-900\$" \
	sh -c "test '$oom_want' = -900 && cat /proc/$(main_pid)/oom_score_adj"
cg=/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' /proc/"$(main_pid)"/cgroup)
check_out "the cgroup $cg has memory.min 32M" '^33554432$' cat "$cg/memory.min"
# Protection is bounded by every ancestor's: system.slice must protect at least as much (the
# installed system.slice.d drop-in), or the daemon's memory.min is only a number.
slice_min=$(cat "$(dirname "$cg")/memory.min" 2>/dev/null)
check "its parent $(dirname "$cg") protects at least 32M (memory.min ${slice_min:-?})" \
	test "${slice_min:-0}" -ge 33554432

# --- fastmapctl over D-Bus ----------------------------------------------------
check_fail "no 'not running' line while the daemon runs" 0 '^$' sh -c 'fastmapctl list >/dev/null'
check_out "attach over D-Bus" 'vm0' fastmapctl attach /dev/nullb0 --name vm0 --cache 8M
check_out "the journal shows the operator's attach" 'operator attached vm0' journal
check_out "list --json shows both instances" '"name": "vm0"' fastmapctl list --json
check "udev rule installed" test -f /usr/lib/udev/rules.d/60-fastmap.rules
udevadm settle 2>/dev/null
check_out "instance nodes are root:disk 0660 (udev rule)" '^root:disk:660$' stat -c %U:%G:%a /dev/fastmap/vm0
check_out "the control node is root:root 0666 (per-file mode's FILE_OPEN)" '^root:root:666$' stat -c %U:%G:%a /dev/fastmap/control
check_fail "a user outside group disk cannot open an instance node" 1 'Permission denied' \
	runuser -u fmuser -- dd if=/dev/fastmap/vm0 of=/dev/null bs=4k count=1
check_out "policy show names the admin file" '/etc/fastmap/fastmapd.json' fastmapctl policy show
check_out "policy show --json is JSON with the interval" '"interval_ms": 500' fastmapctl policy show --json
check_out "set over D-Bus" 'dirty_ratio' fastmapctl set vm0 dirty_ratio=30 --json
check_out "get reads it back" '^30$' fastmapctl get vm0 dirty_ratio

# A random-read load over 64 MiB through an 8 MiB cache: misses, so the policy grows the cache.
fmbench --mode fastmap --path /dev/fastmap/vm0 --op read --threads 2 --seconds 12 --pages 16384 \
	--quiet --json /tmp/load.json >/dev/null 2>&1 &
load=$!
grown=0
for _ in $(seq 1 30); do
	sleep 0.5
	c=$(fastmapctl get vm0 cache 2>/dev/null)
	if [ -n "$c" ] && [ "$c" -gt $((8 << 20)) ]; then grown=1 && break; fi
done
wait $load
check "the policy grew vm0's cache under misses (now $(fastmapctl get vm0 cache) bytes)" test $grown = 1
check_out "decisions lists a cache_grow with its reason" 'cache_grow vm0 .*miss' fastmapctl decisions
check_out "decisions --json" '"kind": "cache_grow"' fastmapctl decisions --json
check_out "the Decisions property has it" 'cache_grow' prop Decisions
check_out "the journal logs the decision with its reason" 'cache_grow vm0 .*: .*miss' journal
check_out "top --once shows the decisions" 'recent fastmapd decisions' fastmapctl top --once --interval 0.5

# An operator's set pins the cache; restore-defaults hands it back.
check "set cache=6M" fastmapctl set vm0 cache=6M
check_out "decisions record the operator's set" 'operator_set vm0' fastmapctl decisions
check_out "restore-defaults" 'tunes it again' fastmapctl restore-defaults vm0

# --- reload ---------------------------------------------------------------------
pid=$(main_pid)
cp /etc/fastmap/fastmapd.json /tmp/good.json
sed -i 's/"interval": "500ms"/"interval": "5ms"/; s/"step_percent": 50/"step_percnt": 50/' /etc/fastmap/fastmapd.json
check_fail "policy validate rejects the bad file with line:col" 1 'fastmapd.json:[0-9]+:[0-9]+: ' fastmapctl policy validate /etc/fastmap/fastmapd.json
check "systemctl reload fastmapd (invalid policy)" systemctl reload fastmapd
check "still active after the invalid reload" systemctl is-active --quiet fastmapd
check "same process" test "$(main_pid)" = "$pid"
check_out "PolicyError names file, line and column" 'fastmapd.json:[0-9]+:[0-9]+' prop PolicyError
check_out "the old policy stays (interval 500 ms)" '"interval_ms": 500' fastmapctl policy show --json
check_out "systemctl status shows why" 'policy reload failed' systemctl status fastmapd --no-pager
check_fail "fastmapctl policy reload reports the errors" 1 'step_percnt' fastmapctl policy reload
cp /tmp/good.json /etc/fastmap/fastmapd.json
sed -i 's/"interval": "500ms"/"interval": "700ms"/' /etc/fastmap/fastmapd.json
check "systemctl reload fastmapd (valid policy)" systemctl reload fastmapd
check_out "the new policy is in force" '"interval_ms": 700' fastmapctl policy show --json
check_out "PolicyError is empty again" '^s ""$' prop PolicyError

# --- kill: systemd restarts it, instances keep serving ---------------------------------
restarts=$(systemctl show -p NRestarts --value fastmapd)
# An operator's pin survives the kill: the restarted daemon does not tune vm0's cache under the
# writer's misses (docs/daemon.md, Fail-static).
check "pin vm0's cache at 6M" fastmapctl set vm0 cache=6M
check_out "the pin is persisted in the state directory" '"instance": "vm0"' cat /var/lib/fastmap/pins.json
rm -f /tmp/st
fm_integrity write /dev/fastmap/vm0 --state /tmp/st --pages 16384 --threads 2 --ops 60000 --seed 5 \
	>/tmp/writer.log 2>&1 &
wp=$!
# A reader that runs until told to stop (the writer may finish early on a fast host, and a
# restart takes minutes on the debug kernel): vm0 serves it through the kill and the
# restart, and it must end cleanly on SIGTERM.
fmbench --mode fastmap --path /dev/fastmap/vm0 --op read --threads 1 --seconds 3600 --pages 16384 \
	--quiet --json /tmp/reader.json >/tmp/reader.log 2>&1 &
rp=$!
sleep 1
check "kill -9 fastmapd" systemctl kill -s SIGKILL fastmapd
check "systemd restarts it" wait_for 20 sh -c "test \$(systemctl show -p NRestarts --value fastmapd) -gt $restarts"
check "active again with a new pid" wait_for 20 sh -c "systemctl is-active --quiet fastmapd && test \"\$(systemctl show -p MainPID --value fastmapd)\" != $pid"
check "the reader was still running when fastmapd was back" kill -0 $rp
sleep 3 # 4 intervals of 700 ms under the writer's misses
check_out "the restarted daemon restored the pin" 'operator pins restored from /var/lib/fastmap/pins.json: vm0 \(cache\)' journal
check_out "after 4 intervals vm0's pinned cache is still 6M" '^6291456$' fastmapctl get vm0 cache
check "(and the reader was still running then)" kill -0 $rp
if wait $wp; then ok "writes through vm0 went on during the restart ($(cat /tmp/writer.log))"; else nok "writer: $(cat /tmp/writer.log)"; fi
kill -TERM $rp 2>/dev/null
if wait $rp && grep -q '"interrupted": true' /tmp/reader.json; then
	ok "reads through vm0 went on during the restart (fmbench exit 0 on SIGTERM)"
else
	nok "reader: $(cat /tmp/reader.log /tmp/reader.json)"
fi
check "every page verifies" fm_integrity verify /dev/fastmap/vm0 --state /tmp/st --pages 16384
check_out "after the restart the daemon reads vm0 from the kernel" '"name": "vm0"' fastmapctl list --json
check "and did not attach pm0 again (no attach decision since the restart)" \
	sh -c '! fastmapctl decisions --json | grep -q "\"kind\": \"attach\""'
check "restore-defaults vm0 forgets the pin" sh -c 'fastmapctl restore-defaults vm0 >/dev/null && ! grep -q vm0 /var/lib/fastmap/pins.json'

# --- privileges -------------------------------------------------------------------
check "root reloads the policy through fastmapctl (a decision record)" fastmapctl policy reload
check_out "an unprivileged user can read (list)" 'vm0' runuser -u fmuser -- fastmapctl list
check_out "an unprivileged user can read the decisions" 'cache_grow|operator_set|policy_reload' runuser -u fmuser -- fastmapctl decisions
check_fail "an unprivileged set is refused (exit 4)" 4 'mutations need root' runuser -u fmuser -- fastmapctl set vm0 cache=16M
check_fail "an unprivileged detach is refused (exit 4)" 4 'mutations need root' runuser -u fmuser -- fastmapctl detach vm0
check_fail "an unprivileged reload is refused (exit 4)" 4 'mutations need root' runuser -u fmuser -- fastmapctl policy reload
check_out "vm0 is still attached" 'vm0' fastmapctl list
check_fail "the bus policy refuses an unprivileged Set of a property" 1 'denied|Access|not allowed|read-only|rejected' \
	runuser -u fmuser -- busctl --system set-property org.fastmap.FastMap1 /org/fastmap/FastMap1 org.fastmap.FastMap1 IntervalMs u 1
# polkit: a rule granting the admin action org.fastmap.manage to fmuser lets its mutation
# through; without the rule it is refused again.
rules=/etc/polkit-1/rules.d/50-fastmap-test.rules
mkdir -p /etc/polkit-1/rules.d
cat >$rules <<'JS'
polkit.addRule(function(action, subject) {
    if (action.id == "org.fastmap.manage" && subject.user == "fmuser") {
        return polkit.Result.YES;
    }
});
JS
chmod 644 $rules
check "with a polkit rule for org.fastmap.manage fmuser's set succeeds" \
	wait_for 15 runuser -u fmuser -- fastmapctl set vm0 dirty_ratio=25
check_out "and took effect" '^25$' fastmapctl get vm0 dirty_ratio
rm -f $rules
check "without the rule fmuser's set is refused again" \
	wait_for 15 sh -c '! runuser -u fmuser -- fastmapctl set vm0 dirty_ratio=26 >/dev/null 2>&1'
check_fail "with exit 4" 4 'mutations need root' runuser -u fmuser -- fastmapctl set vm0 dirty_ratio=27
check_out "vm0 kept fmuser's value" '^25$' fastmapctl get vm0 dirty_ratio

# --- CPU use at a 1 s interval with telemetry (reported, not asserted) ------------
sed -i 's/"interval": "700ms"/"interval": "1s"/' /etc/fastmap/fastmapd.json
systemctl reload fastmapd
pid=$(main_pid)
# 60 s: utime + stime count in 1/CLK_TCK steps, so 20 s resolved only 0.05 % of a core.
t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
sleep 60
t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
hz=$(getconf CLK_TCK)
echo "fastmapd CPU: $((t1 - t0)) ticks in 60 s at ${hz} Hz = $(awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN {printf "%.2f", 100 * d / hz / 60}') % of a core (TCG, 1 s interval, telemetry $(journal | grep -q 'BPF telemetry attached' && echo on || echo off))"

# --- without the daemon --------------------------------------------------------------
before=$(cat /sys/kernel/fastmap/vm0/cache_bytes):$(cat /sys/kernel/fastmap/vm0/batch_pages)
check "systemctl stop fastmapd" systemctl stop fastmapd
sleep 2
check "instances survive the daemon (fail-static)" test -d /sys/kernel/fastmap/vm0
check "with the parameters it last set ($before)" \
	test "$(cat /sys/kernel/fastmap/vm0/cache_bytes):$(cat /sys/kernel/fastmap/vm0/batch_pages)" = "$before"
check_out "fastmapctl says it talks to the kernel directly" 'fastmapd is not running; talking to the kernel directly' fastmapctl list
check_out "and still lists vm0" 'vm0' fastmapctl list
check_fail "policy reload needs the daemon (exit 6)" 6 'fastmapd is not running' fastmapctl policy reload
check_fail "decisions need the daemon (exit 6)" 6 'fastmapd is not running' fastmapctl decisions
check_fail "an unprivileged mutation without the daemon says it needs root (exit 4)" 4 'root|CAP_SYS_ADMIN' runuser -u fmuser -- fastmapctl set vm0 cache=16M
check_fail "a bad name is a usage error (exit 2)" 2 'name' fastmapctl get 'bad/name'
check_fail "an unknown instance is exit 1" 1 'no instance|No such' fastmapctl stats nope

# --- the daemon again: every other verb through D-Bus ---------------------------------
check "systemctl start fastmapd (again)" systemctl start fastmapd
check_out "it reads vm0 back from the kernel" '"name": "vm0"' fastmapctl list --json
check_out "stats --json through the daemon" '"faults": [0-9]+' fastmapctl stats vm0 --json
check_out "stats table through the daemon" 'faults' fastmapctl stats vm0
check_out "status --json through the daemon" '"name": "vm0"' fastmapctl status --json
check_out "stats --prometheus through the daemon" '^fastmap_faults_total\{name="vm0"\} [0-9]+' fastmapctl stats --prometheus
check_out "stats --watch through the daemon" 'vm0' fastmapctl stats vm0 --watch 0.5 --count 2
check_out "version (module state from the kernel)" 'module: fastmap' fastmapctl version
modprobe brd rd_nr=1 rd_size=65536
mkfs.ext4 -q /dev/ram0 && mkdir -p /mnt/e && mount /dev/ram0 /mnt/e
dd if=/dev/zero of=/mnt/e/data bs=1M count=4 status=none
check "enable a file through the daemon" fastmapctl enable /mnt/e/data
check_out "files lists it" '/mnt/e/data' fastmapctl files
check_out "files --json" '"path": "/mnt/e/data"' fastmapctl files --json
check_out "the journal shows the operator's enable" 'operator enabled /mnt/e/data' journal
check_fail "enabling it twice is exit 1" 1 'already|exists' fastmapctl enable /mnt/e/data
check_fail "an unprivileged disable is refused (exit 4)" 4 'mutations need root' runuser -u fmuser -- fastmapctl disable /mnt/e/data
check "disable it through the daemon" fastmapctl disable /mnt/e/data
check_out "the table is empty again" '"files": \[\]' fastmapctl files --json

# --- the enable table persists (issue 7): the policy's "files", the state file ----------------
dd if=/dev/zero of=/mnt/e/policy.db bs=1M count=1 status=none
dd if=/dev/zero of=/mnt/e/op.db bs=1M count=1 status=none
mkdir -p /etc/fastmap/fastmapd.json.d
cat >/etc/fastmap/fastmapd.json.d/50-files.json <<'JSON'
{"files": [{"path": "/mnt/e/policy.db", "cache": "1M"}, {"path": "/mnt/e/missing.db"}]}
JSON
check "systemctl restart fastmapd (a policy with files)" systemctl restart fastmapd
check_out "the policy's file is enabled after the restart" '/mnt/e/policy.db' fastmapctl files
check_out "the journal says why the missing one is not" 'missing.db \(policy\) not enabled at start: no such file' journal
check "enable op.db through the daemon" fastmapctl enable /mnt/e/op.db
check_out "the state file in the unit's StateDirectory records it" '"origin": "operator"' cat /var/lib/fastmap/files.json
check "systemctl stop fastmapd (files)" systemctl stop fastmapd
# What a reboot or a module reload does to the table, without losing vm0 and pm0.
check "the kernel's table is emptied behind fastmapd's back" \
	sh -c 'fastmapctl --no-daemon disable /mnt/e/policy.db && fastmapctl --no-daemon disable /mnt/e/op.db'
check "systemctl start fastmapd (files)" systemctl start fastmapd
check_out "the policy's file is enabled again" '/mnt/e/policy.db' fastmapctl files
check_out "and the operator's, from the state file" '/mnt/e/op.db' fastmapctl files
rm /etc/fastmap/fastmapd.json.d/50-files.json
check "systemctl reload fastmapd (no files in the policy)" systemctl reload fastmapd
check "the reload disabled the policy's file" sh -c '! fastmapctl files | grep -q /mnt/e/policy.db'
check_out "but not the operator's" '/mnt/e/op.db' fastmapctl files
check "disable op.db through the daemon" fastmapctl disable /mnt/e/op.db
check "the state file forgets it" sh -c '! grep -q op.db /var/lib/fastmap/files.json'

# --- auto-enable end to end: stock-mmap faults on a file the policy allows ----------------
fm_filemap create /mnt/e/auto.db --pages 2048 >/dev/null
cat >/etc/fastmap/fastmapd.json.d/60-auto.json <<'JSON'
{"auto_enable": {"enabled": true, "min_fault_rate": 20, "window_intervals": 2,
                 "allow": ["/mnt/e/auto*"], "max_files": 4}}
JSON
check "systemctl reload fastmapd (auto-enable on)" systemctl reload fastmapd
# Write faults in a MAP_SHARED mapping always reach filemap_fault (read faults on cached pages
# are served by fault-around); the writer's mapping also names the file in /proc/PID/maps.
rm -f /tmp/auto.go /tmp/auto.st
(for _ in $(seq 1 40); do
	test -e /tmp/auto.go && break
	fm_filemap write /mnt/e/auto.db --state /tmp/auto.st --threads 1 --ops 4000 >/dev/null 2>&1
done) &
faulter=$!
check "stock-mmap faults on /mnt/e/auto.db get it auto-enabled" \
	wait_for 60 sh -c 'fastmapctl files | grep -q /mnt/e/auto.db'
touch /tmp/auto.go
wait $faulter
check_out "the decision is a file_enable with its reason" 'file_enable /mnt/e/auto.db' fastmapctl decisions
check_out "the state file records it with origin auto" '"origin": "auto"' cat /var/lib/fastmap/files.json
rm /etc/fastmap/fastmapd.json.d/60-auto.json
check "systemctl reload fastmapd (auto-enable off)" systemctl reload fastmapd
check "disable the auto-enabled file" fastmapctl disable /mnt/e/auto.db
umount /mnt/e
fastmapctl events --json --count 1 --timeout 30 >/tmp/ev.json 2>&1 &
evp=$!
sleep 1
check_out "detach vm0 through the daemon" 'detached vm0' fastmapctl detach vm0
check "events saw it" wait $evp
check_out "the event is JSON" '"event": *"detached"' cat /tmp/ev.json
check_out "the journal shows the operator's detach" 'operator detached vm0' journal
check "detach pm0 through the daemon" fastmapctl detach pm0
# fastmapd's BPF programs on the module's tracepoints hold a reference to the module: it
# cannot be unloaded while the daemon runs (docs/daemon.md).
check_fail "rmmod is refused while fastmapd's telemetry holds the module" 1 'in use' rmmod fastmap
check "systemctl stop fastmapd" systemctl stop fastmapd
check "rmmod once the daemon is stopped" rmmod fastmap
mount /dev/ram0 /mnt/e
cat >/etc/fastmap/fastmapd.json.d/50-files.json <<'JSON'
{"files": [{"path": "/mnt/e/policy.db"}]}
JSON
check "fastmapd starts without the module" systemctl start fastmapd
check_fail "list through the daemon without the module: exit 3" 3 'not loaded' fastmapctl list
check_out "the journal says the module is missing" 'module is not loaded|not loaded' journal
insmod $KO
check_out "the daemon sees the module come back" 'answers again' sh -c 'sleep 3; journalctl -b -u fastmapd --no-pager -o cat'
check "and attaches the policy's pm0 again" wait_for 10 test -e /dev/fastmap/pm0
check "and enables the policy's file again" wait_for 10 sh -c 'fastmapctl files | grep -q /mnt/e/policy.db'
rm /etc/fastmap/fastmapd.json.d/50-files.json
check "systemctl stop fastmapd (last)" systemctl stop fastmapd
check "detach pm0" fastmapctl detach pm0
check "rmmod (last)" rmmod fastmap
umount /mnt/e
check_fail "and directly: exit 3" 3 'not loaded' fastmapctl list

echo "daemon: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
