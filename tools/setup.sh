#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Idempotent set-up: installs everything fastmap needs from Debian's packages.
# Used by both README commands and by .ci/run.  Safe to run repeatedly.
set -euo pipefail

stamp=/var/lib/fastmap-setup.v5 # bump when the package set changes

# Host BPF telemetry (fastmapd, the host-bpf test) attaches tracepoints, which libbpf finds in
# tracefs. systemd mounts it at boot; machines without systemd as init may not have it. Done on
# every run (not covered by the stamp): a mount does not survive a reboot.
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && ! [ -e /sys/kernel/tracing/events ]; then
	if mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
		echo "setup: mounted tracefs on /sys/kernel/tracing (BPF tracepoints need it)"
	else
		echo "setup: warning: cannot mount tracefs on /sys/kernel/tracing; BPF tracepoints will not attach" >&2
	fi
fi
if [ -f "$stamp" ] && [ "${FASTMAP_SETUP_FORCE:-0}" != 1 ]; then
	echo "setup: already done ($stamp); FASTMAP_SETUP_FORCE=1 redoes it"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "setup: must run as root (it installs Debian packages)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }

# bookworm-backports carries kernel 6.12; same mirror and keyring as the base entry.
bp=/etc/apt/sources.list.d/fastmap-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	cat >"$bp" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

echo "setup: apt-get update"
apt_get update >/dev/null

pkgs=(
	build-essential cmake pkg-config git python3 kmod cpio
	clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libsystemd-dev nlohmann-json3-dev libcli11-dev
	googletest libgtest-dev libgmock-dev
	qemu-system-x86 busybox-static mmdebstrap dbus-daemon
	e2fsprogs xfsprogs dmsetup xz-utils zstd
	lmdb-utils # mdb_load/mdb_dump/mdb_stat: per-file mode VM tests (tests/vm/suites/perfile.sh)
	gnuplot-nox # PNG plots of the benchmark matrix (tools/bench-plot.sh)
	man-db # man --warnings on the man pages (cli-completion-lint)
	clang-format
)

# Kernels: Debian 12's default (6.1) and bookworm-backports' (6.12), image + headers.
k61=$(apt-cache show linux-image-amd64/bookworm-security linux-image-amd64/bookworm 2>/dev/null |
	sed -n 's/^Depends: \(linux-image-6\.1\.[^ ]*\) .*/\1/p' | head -n1)
k612=$(apt-cache show linux-image-amd64/bookworm-backports 2>/dev/null |
	sed -n 's/^Depends: \(linux-image-6\.12\.[^ ]*\) .*/\1/p' | head -n1)
for k in "$k61" "$k612"; do
	[ -n "$k" ] || { echo "setup: cannot resolve a Debian kernel package" >&2; exit 1; }
	pkgs+=("$k" "${k/linux-image-/linux-headers-}")
done

echo "setup: installing ${#pkgs[@]} packages (kernels: $k61 $k612)"
apt_get install --no-install-recommends "${pkgs[@]}" >/tmp/fastmap-setup-apt.log 2>&1 || {
	tail -n 40 /tmp/fastmap-setup-apt.log >&2
	exit 1
}
# Kernel images are 0600 on Debian; the VM runner reads them as any user.
chmod a+r /boot/vmlinuz-* 2>/dev/null || true
touch "$stamp"
echo "setup: done"
