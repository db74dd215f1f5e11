# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# The kernel-complaint check of the VM rig, sourced by both guests' runners:
# guest-init (busybox ash, the busybox guest's /init) and systemd/guest-run
# (bash, the systemd guest).  Installed as /opt/fastmap/vm/dmesg-check.sh.
#
# dmesg_check: scan the whole kernel log (boot + suite), print each complaint
# with 5 lines of context, and set verdict=clean|complaint.  Needs say() (the
# "FASTMAP-VM: " printer) and a writable /run.

# shellcheck disable=SC2034 # verdict is the result, read by the caller
dmesg_check() {
	# Kernel complaints anywhere in the log fail the run, even if the suite
	# passed.  (rcu_preempt is the name of the stall detector on Debian's
	# preemptible-RCU kernels; rcu_sched on the others.)
	re='BUG:|WARNING:|Oops|general protection|Call Trace|kernel BUG|UBSAN:|KASAN:'
	re="$re|soft lockup|hung_task|rcu_sched detected stall|rcu_preempt detected stall"
	re="$re|list_add corruption|list_del corruption|refcount_t:|Kernel panic"
	verdict=clean
	if [ "${FASTMAP_KMEMLEAK:-0}" = 1 ]; then
		# Debug kernel: look for leaks now (two scans, as kmemleak's
		# documentation advises: an object is reported once it was
		# unreferenced in two scans).
		grep -qs ' /sys/kernel/debug ' /proc/mounts ||
			mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
		if [ -w /sys/kernel/debug/kmemleak ]; then
			echo scan >/sys/kernel/debug/kmemleak
			sleep 6
			echo scan >/sys/kernel/debug/kmemleak
			if [ -s /sys/kernel/debug/kmemleak ]; then
				say "kmemleak: suspected memory leaks:"
				head -n 60 /sys/kernel/debug/kmemleak
				verdict=complaint
			else
				say "kmemleak: no leaks"
			fi
		else
			say "kmemleak requested but /sys/kernel/debug/kmemleak is missing"
			verdict=complaint
		fi
	fi
	dmesg >/run/dmesg.txt
	if [ -e /run/fastmap-expect-oom ]; then
		# A suite that provokes the OOM killer on purpose (suites/pressure.sh)
		# creates this file. The OOM report's stack dump is then not a
		# complaint: drop each trace from "invoked oom-killer" to its
		# "</TASK>"; everything else is checked as usual.
		n=$(grep -c 'invoked oom-killer:' /run/dmesg.txt)
		awk '/invoked oom-killer:/ { skip = 1 } !skip { print }
			skip && /<\/TASK>/ { skip = 0 }' /run/dmesg.txt >/run/dmesg.cut &&
			mv /run/dmesg.cut /run/dmesg.txt
		say "dmesg check: $n OOM report(s) expected; their stack dumps are not complaints"
	fi
	if ! head -n 1 /run/dmesg.txt | grep -q 'Linux version'; then
		# log_buf_len is set generously on the command line; if the suite
		# still overflowed it, boot messages were lost and the check would be
		# partial.
		say "kernel log wrapped: the start of the boot log is gone, the check is incomplete"
		verdict=complaint
	fi
	if grep -Eq "$re" /run/dmesg.txt; then
		say "kernel complaint(s) in dmesg:"
		grep -E -B 5 -A 5 "$re" /run/dmesg.txt
		verdict=complaint
	fi
}
