#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Smoke test of the rig's systemd guest: what fastmapd's system tests rely on
# is there.  Only for run-vm.sh --systemd:
#   tests/vm/run-suite.sh --build-dir build --kernel 6.12 --systemd \
#       --suite tests/vm/suites/systemd-smoke.sh
# Checks: systemd >= 253 is PID 1 and the boot finishes, the system bus and
# polkit answer, a Type=notify-reload unit starts, reloads and is restarted
# after a crash, the unprivileged user fmuser exists and is refused privileged
# bus calls, the journal gets the suite's output, the NVMe device is there and
# fastmap.ko (when given with --module) loads and unloads.
# Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.

fails=0
pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
skip() { echo "SKIP: $*"; }

# wait_for TENTHS COMMAND...: retry COMMAND every 0.1 s until it succeeds.
wait_for() {
	local n=0 max=$1
	shift
	until "$@"; do
		((++n < max)) || return 1
		sleep 0.1
	done
}

echo "systemd-smoke: kernel $(uname -r), $(nproc) CPUs"

if [[ ${FASTMAP_VM_SYSTEMD-} != 1 ]]; then
	fail "not the systemd guest (run with run-vm.sh --systemd)"
	echo "systemd-smoke: 1 check(s) failed"
	exit 1
fi

# --- PID 1 and the boot -------------------------------------------------------
pid1=$(cat /proc/1/comm)
ver=$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
if [[ $pid1 == systemd && -n $ver ]] && ((ver >= 253)); then
	pass "PID 1: $(systemctl --version | head -n 1)"
else
	fail "PID 1 is '$pid1', systemd version '${ver:-?}' (want systemd >= 253)"
fi

state=$(timeout 120 systemctl is-system-running --wait 2>&1)
case $state in
running) pass "boot: system is running ($(systemd-analyze time 2>/dev/null | head -n 1))" ;;
degraded)
	pass "boot: system is degraded; failed units:"
	systemctl --failed --no-pager --no-legend
	;;
*)
	fail "boot: system state '$state'"
	systemctl --failed --no-pager --no-legend
	;;
esac

# --- system bus, polkit, journal ----------------------------------------------
names=$(busctl --system --no-pager --no-legend list 2>&1)
if grep -q '^org\.freedesktop\.DBus ' <<<"$names" &&
	grep -q '^org\.freedesktop\.systemd1 ' <<<"$names"; then
	pass "system bus: org.freedesktop.DBus and org.freedesktop.systemd1 on it"
else
	fail "system bus: busctl list:"$'\n'"$names"
fi
# Bus activation of polkitd (it decides what unprivileged callers may do).
if out=$(busctl --system --timeout=60 get-property org.freedesktop.PolicyKit1 \
	/org/freedesktop/PolicyKit1/Authority org.freedesktop.PolicyKit1.Authority \
	BackendName 2>&1); then
	pass "polkit: activated on the bus, backend $out"
else
	fail "polkit: $out"
fi
if systemctl reload dbus.service; then
	pass "dbus: systemctl reload dbus"
else
	fail "dbus: systemctl reload dbus"
fi
tag=fastmap-smoke-$RANDOM$RANDOM
echo "journal check $tag"
if wait_for 50 eval "journalctl -b -q -o cat -t fastmap-vm-suite --no-pager | grep -q '$tag'"; then
	pass "journal: the suite's output is in the journal"
else
	fail "journal: '$tag' not in journalctl -t fastmap-vm-suite"
fi

# --- a Type=notify-reload service ---------------------------------------------
unit=fm-notify-test.service
cat >/usr/local/bin/fm-notify-test <<'EOF'
#!/bin/bash
# Minimal Type=notify-reload service: READY=1 at start; on SIGHUP,
# RELOADING=1 (with MONOTONIC_USEC), count the reload, READY=1.
count=/run/fm-notify-test.reloads
echo 0 >"$count"
reload=0
trap 'reload=1' HUP
notify() { systemd-notify --pid="$$" "$@"; }
if systemd-notify --help 2>&1 | grep -q -- --reloading; then
	reloading() { notify --reloading; }
else
	reloading() {
		local s us
		read -r s _ </proc/uptime # boot time: >= CLOCK_MONOTONIC
		us=$(( ${s%.*} * 1000000 + 10#${s#*.} * 10000 ))
		notify RELOADING=1 "MONOTONIC_USEC=$us"
	}
fi
notify --ready --status=running
while :; do
	sleep 0.2 &
	wait $!
	if ((reload)); then
		reload=0
		reloading
		echo $(($(<"$count") + 1)) >"$count"
		notify --ready --status="reloaded $(<"$count")"
	fi
done
EOF
chmod 0755 /usr/local/bin/fm-notify-test
cat >/etc/systemd/system/$unit <<'EOF'
[Unit]
Description=fastmap rig: Type=notify-reload test service
[Service]
Type=notify-reload
NotifyAccess=all
ExecStart=/usr/local/bin/fm-notify-test
Restart=on-failure
RestartSec=100ms
TimeoutStartSec=60s
EOF
prop() { systemctl show -P "$1" "$unit"; }
systemctl daemon-reload
if timeout 90 systemctl start "$unit" && [[ $(prop ActiveState)/$(prop SubState) == active/running ]]; then
	pass "notify-reload: $unit started (Type=$(prop Type), status '$(prop StatusText)')"
	if timeout 90 systemctl reload "$unit" &&
		[[ $(cat /run/fm-notify-test.reloads) == 1 && $(prop ActiveState) == active &&
			$(prop ReloadResult) == success ]]; then
		pass "notify-reload: systemctl reload (status '$(prop StatusText)')"
	else
		fail "notify-reload: systemctl reload (reloads: $(cat /run/fm-notify-test.reloads)," \
			"state $(prop ActiveState)/$(prop SubState), result $(prop ReloadResult))"
	fi
	pid=$(prop MainPID)
	systemctl kill --signal=KILL "$unit"
	# shellcheck disable=SC2016 # evaluated by wait_for
	if wait_for 300 eval '[[ $(prop NRestarts) == 1 && $(prop ActiveState)/$(prop SubState) == active/running ]]' &&
		[[ $(prop MainPID) != "$pid" ]]; then
		pass "notify-reload: killed (SIGKILL) and restarted by systemd"
	else
		fail "notify-reload: not restarted after SIGKILL (restarts $(prop NRestarts)," \
			"state $(prop ActiveState)/$(prop SubState))"
	fi
	systemctl stop "$unit"
else
	fail "notify-reload: $unit did not start (state $(prop ActiveState)/$(prop SubState))"
	systemctl status --no-pager "$unit"
	journalctl -b --no-pager -u "$unit" | tail -n 20
fi

# --- the unprivileged user ----------------------------------------------------
if [[ $(runuser -u fmuser -- id -u 2>&1) == 1000 ]]; then
	pass "fmuser: $(runuser -u fmuser -- id)"
else
	fail "fmuser: runuser -u fmuser -- id: $(runuser -u fmuser -- id 2>&1)"
fi
if out=$(runuser -u fmuser -- busctl --system get-property org.freedesktop.systemd1 \
	/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Version 2>&1); then
	pass "fmuser: reads systemd's Version property over the bus ($out)"
else
	fail "fmuser: cannot read over the bus: $out"
fi
if out=$(runuser -u fmuser -- busctl --system call org.freedesktop.systemd1 \
	/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartUnit ss \
	"$unit" replace 2>&1); then
	fail "fmuser: StartUnit was allowed: $out"
	systemctl stop "$unit"
else
	pass "fmuser: StartUnit refused ($out)"
fi

# --- devices and the module ---------------------------------------------------
if [[ -b ${FASTMAP_VM_NVME:-/dev/nvme0n1} ]] &&
	dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=1 2>/dev/null; then
	pass "nvme: /dev/nvme0n1 ($(($(cat /sys/class/block/nvme0n1/size) / 2048)) MiB)"
else
	fail "nvme: /dev/nvme0n1 missing or unreadable"
fi
if [[ -b ${FASTMAP_VM_PMEM:-/dev/pmem0} ]]; then
	pass "pmem: /dev/pmem0"
else
	skip "pmem: no /dev/pmem0"
fi

ko=$FASTMAP_VM_MODULES/fastmap.ko
if [[ ! -f $ko ]]; then
	skip "fastmap.ko: not given (--module)"
elif ! insmod "$ko"; then
	fail "fastmap.ko: insmod failed"
elif [[ ! -d /sys/module/fastmap ]]; then
	fail "fastmap.ko: insmod returned 0 but /sys/module/fastmap is missing"
elif ! rmmod fastmap; then
	fail "fastmap.ko: rmmod failed"
else
	pass "fastmap.ko: insmod + rmmod"
fi

if ((fails == 0)); then
	echo "systemd-smoke: all checks passed"
	exit 0
fi
echo "systemd-smoke: $fails check(s) failed"
exit 1
