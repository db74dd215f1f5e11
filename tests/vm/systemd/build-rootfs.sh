#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) and cache the Debian root file system of the systemd guest of
# the VM rig (tests/vm/run-vm.sh --systemd): bookworm minbase made with
# mmdebstrap, systemd/udev from bookworm-backports (>= 254, for
# Type=notify-reload), the system bus (dbus), polkitd, the libraries fastmap's
# programs link against and the tools the suites use.  See tests/vm/README.md.
#
#   tests/vm/systemd/build-rootfs.sh [--cache DIR] [--rebuild]
#
# Prints the directory of the ready root file system on stdout:
#   DIR/rootfs-KEY/root.cpio   newc archive of the tree (real owners, /dev/console)
#   DIR/rootfs-KEY/dirs.txt    its directories (relative, one a line)
#   DIR/rootfs-KEY/files.txt   its other entries (files, symlinks, nodes)
#   DIR/rootfs-KEY/info.txt    versions and sizes
# KEY hashes the lists below (packages, masked units, purged packages) and the
# builder's FORMAT: a change to them builds a new one.  The build (as root, a few minutes, network access to the
# Debian mirror) happens in a temporary directory renamed into place, under a
# lock, so concurrent runs build it once.  FASTMAP_VM_MIRROR and
# FASTMAP_VM_SECURITY_MIRROR override the mirrors (default: the host's apt
# sources for bookworm and bookworm-security, else deb.debian.org).
set -euo pipefail

prog=build-rootfs

# Bump when anything else the build does changes (the lists below are hashed
# on their own).
readonly FORMAT=2

# Packages on top of minbase (Priority: required).  Those built from the
# systemd source package come from bookworm-backports (pinned below).
packages=(
	systemd udev libsystemd0 dbus polkitd
	libbpf1 libelf1 zlib1g libstdc++6
	kmod util-linux procps iproute2 bash coreutils
	e2fsprogs xfsprogs dmsetup
)

# Units masked in the guest: gettys (the console is the rig's), timers and
# jobs that only cost boot time, first-boot and update-on-boot services (the
# image is final), remount of the root (an initramfs), the journal's flush to
# disk (it is volatile), utmp, the random seed, drivers the guest lacks.
masked=(
	getty.target getty@.service serial-getty@.service console-getty.service
	container-getty@.service
	apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service
	dpkg-db-backup.timer dpkg-db-backup.service
	e2scrub_all.timer e2scrub_all.service e2scrub_reap.service
	fstrim.timer fstrim.service systemd-tmpfiles-clean.timer
	systemd-networkd-wait-online.service systemd-networkd.service systemd-resolved.service
	systemd-firstboot.service systemd-machine-id-commit.service
	systemd-hwdb-update.service ldconfig.service systemd-journal-catalog-update.service
	systemd-update-done.service systemd-sysusers.service
	systemd-remount-fs.service systemd-pstore.service systemd-timesyncd.service
	proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount systemd-binfmt.service
	systemd-journal-flush.service systemd-update-utmp.service
	systemd-update-utmp-runlevel.service systemd-random-seed.service
	modprobe@drm.service modprobe@fuse.service sys-fs-fuse-connections.mount
)

# Packages removed after the build, although others depend on them, one by
# one in this order (their maintainer scripts need the ones after them):
# python3 and libicu72 (for xfsprogs' xfs_scrub and xfs_scrub_all only) are
# a third of the image.
purged=(
	python3 python3-minimal libpython3-stdlib python3.11
	libpython3.11-stdlib python3.11-minimal libpython3.11-minimal libicu72
)

die() {
	echo "$prog: error: $*" >&2
	exit 2
}
log() { echo "$prog: $*" >&2; }

cache=${FASTMAP_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastmap-vm}
rebuild=0
while (($#)); do
	case $1 in
	--cache)
		(($# >= 2)) || die "$1 needs an argument"
		cache=$2
		shift 2
		;;
	--rebuild) rebuild=1 && shift ;;
	-h | --help)
		sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$1'" ;;
	esac
done

key=$(printf 'format=%s\npackages=%s\nmasked=%s\npurged=%s\n' "$FORMAT" \
	"${packages[*]}" "${masked[*]}" "${purged[*]}" |
	sha256sum | cut -c1-16)
out=$cache/rootfs-$key
if ((!rebuild)) && [[ -s $out/root.cpio ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec {lockfd}>"$cache/rootfs.lock"
if ! flock -n "$lockfd"; then
	log "another run is building the root file system; waiting for it"
	flock "$lockfd"
fi
# Built by the run that held the lock before us?
if ((!rebuild)) && [[ -s $out/root.cpio ]]; then
	echo "$out"
	exit 0
fi

[[ $(id -u) == 0 ]] || die "building the systemd guest's root file system needs root" \
	"(mmdebstrap --mode=root); run once as root: sudo $0 --cache $cache"
for t in mmdebstrap cpio chroot flock; do
	command -v "$t" >/dev/null || die "'$t' not found (run tools/setup.sh)"
done

# The host's Debian mirrors, as apt knows them (setup.sh has run apt-get update).
# shellcheck disable=SC2016 # apt's $(FIELD)s, not the shell's
repo_uri() { # RELEASE
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' 'Identifier: Packages' \
		2>/dev/null | awk -v r="$1" '$2 == r && $3 ~ /^Debian/ {print $1; exit}'
}
mirror=${FASTMAP_VM_MIRROR:-$(repo_uri bookworm)}
mirror=${mirror:-http://deb.debian.org/debian}
security=${FASTMAP_VM_SECURITY_MIRROR:-$(repo_uri bookworm-security)}
security=${security:-http://deb.debian.org/debian-security}

t0=$SECONDS
tmp=$(mktemp -d "$cache/rootfs-$key.tmp.XXXXXX")
# shellcheck disable=SC2317 # invoked by trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
root=$tmp/root
log "building the systemd guest root file system (bookworm + systemd from" \
	"bookworm-backports, mirror $mirror); a few minutes, once"

pin='Package: src:systemd
Pin: release n=bookworm-backports
Pin-Priority: 990
'
excludes=()
# (Paths as the packages name them: bookworm's still ship /lib/udev.)  The
# hardware database is useless to the guest (13 MB compiled).
for p in /usr/share/doc/ /usr/share/man/ /usr/share/info/ /usr/share/locale/ \
	/usr/share/lintian/ /usr/share/zsh/ /usr/share/fish/ /lib/udev/hwdb.d/ /usr/lib/udev/hwdb.d/; do
	excludes+=("--dpkgopt=path-exclude=$p*")
done
# Keep the copyright files: they are tiny.
excludes+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
# No fsync per file: the tree is archived at the end anyway.
excludes+=("--dpkgopt=force-unsafe-io")

# Merged /usr the way debootstrap makes it (symlinks + usr-is-merged), not
# with the usrmerge package, which would pull in perl.
# shellcheck disable=SC2016 # $1 of the hooks is mmdebstrap's
if ! mmdebstrap --mode=root --variant=minbase --format=directory \
	--include="$(
		IFS=,
		echo "${packages[*]}"
	)" \
	--aptopt='Acquire::Languages "none"' \
	--aptopt='APT::Install-Recommends "false"' \
	--aptopt='Acquire::Retries "3"' \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	"${excludes[@]}" \
	--setup-hook='mkdir -p "$1/etc/apt/preferences.d"' \
	--setup-hook="printf '%s' '$pin' >\"\$1/etc/apt/preferences.d/systemd-backports\"" \
	bookworm "$root" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main" \
	"deb $mirror bookworm-backports main" >"$tmp/mmdebstrap.log" 2>&1; then
	tail -n 40 "$tmp/mmdebstrap.log" >&2
	die "mmdebstrap failed (full log above, last 40 lines)"
fi
t_strap=$((SECONDS - t0))

# --- configure --------------------------------------------------------------
for p in "${purged[@]}"; do
	if ! chroot "$root" dpkg --purge --force-depends "$p" >"$tmp/purge.log" 2>&1; then
		cat "$tmp/purge.log" >&2
		die "dpkg --purge $p failed"
	fi
done
# shellcheck disable=SC2016 # dpkg-query's ${FIELD}s
sdver=$(chroot "$root" dpkg-query -W -f '${Version}' systemd)
dpkg --compare-versions "${sdver%%[-~]*}" ge 253 ||
	die "systemd $sdver in the root file system; Type=notify-reload needs >= 253"

# A fixed machine id: the boot is not a first boot (no firstboot prompts).
echo 3f2b6c0de1a94f4c9a7d5e8b1c0f6a25 >"$root/etc/machine-id"
echo fastmap-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tfastmap-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
	>"$root/etc/hosts"
: >"$root/etc/fstab"
# The unprivileged user of the suites.
chroot "$root" useradd --create-home --uid 1000 --user-group --shell /bin/bash fmuser

for u in "${masked[@]}"; do
	ln -sfn /dev/null "$root/etc/systemd/system/$u"
done
ln -sfn /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
mkdir -p "$root/etc/systemd/journald.conf.d" "$root/etc/systemd/system.conf.d"
cat >"$root/etc/systemd/journald.conf.d/fastmap-vm.conf" <<'CONF'
# fastmap VM rig: the journal lives in RAM (the root is an initramfs) and
# keeps everything a suite logs.
[Journal]
Storage=volatile
RateLimitIntervalSec=0
CONF
cat >"$root/etc/systemd/system.conf.d/fastmap-vm.conf" <<'CONF'
# fastmap VM rig: a stuck job fails (and shows up) sooner.
[Manager]
DefaultTimeoutStartSec=60s
DefaultTimeoutStopSec=10s
CONF
# ConditionNeedsUpdate= units have nothing to do: the image is final.
touch "$root/etc/.updated" "$root/var/.updated"
# The kernel opens /dev/console for PID 1 before anything mounts devtmpfs.
rm -rf "${root:?}/dev"
mkdir -m 0755 "$root/dev"
mknod -m 0600 "$root/dev/console" c 5 1
rm -rf "${root:?}"/var/cache/apt/* "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/log/*.log \
	"${root:?}"/tmp/* "${root:?}"/var/tmp/*

# --- archive ------------------------------------------------------------------
res=$tmp/out
mkdir "$res"
(cd "$root" && find . -mindepth 1 | cpio --quiet -o -H newc) >"$res/root.cpio"
(cd "$root" && find . -mindepth 1 -type d -printf '%P\n') >"$res/dirs.txt"
(cd "$root" && find . -mindepth 1 ! -type d -printf '%P\n') >"$res/files.txt"
{
	echo "key=$key format=$FORMAT built=$(date -u +%FT%TZ) mirror=$mirror"
	echo "build_seconds=$((SECONDS - t0)) mmdebstrap_seconds=$t_strap"
	echo "size=$(du -sb "$root" | cut -f1) cpio=$(stat -c %s "$res/root.cpio")"
	# shellcheck disable=SC2016
	chroot "$root" dpkg-query -W -f '${Package} ${Version}\n'
} >"$res/info.txt"
cp "$tmp/mmdebstrap.log" "$res/"

rm -rf "$out.old"
[[ ! -e $out ]] || mv "$out" "$out.old"
mv "$res" "$out"
rm -rf "$out.old"
# Drop other root file systems (older keys) unused for a week.
find "$cache" -maxdepth 1 -name 'rootfs-*' ! -name "rootfs-$key" -mmin +10080 \
	-exec rm -rf {} + 2>/dev/null || true
log "root file system ready in $((SECONDS - t0))s: $(stat -c %s "$out/root.cpio") bytes," \
	"systemd $sdver"
echo "$out"
