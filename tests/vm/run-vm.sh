#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot a Debian kernel under QEMU (TCG) with a busybox initramfs, emulated NVMe
# and NVDIMM (pmem) devices, run a test suite as root in the guest and report
# its result.  With --systemd the initramfs is instead a Debian root file
# system booting systemd as PID 1 with a real system bus (systemd/).  See
# tests/vm/README.md for the interface and exit codes.
set -euo pipefail

prog=run-vm
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Exit codes besides the suite's own status.
readonly EX_USAGE=2      # bad arguments or missing host prerequisites
readonly EX_COMPLAINT=3  # suite passed, but the kernel complained in dmesg
readonly EX_NORESULT=4   # guest died (panic, crash) before reporting a result
readonly EX_TIMEOUT=124  # --timeout expired, qemu killed

# Bump when the layout of the cached base archive changes.
readonly BASE_FORMAT=1

# The kernel's own modules the guest gets (plus all of their dependencies).
# dm-error and dm-linear are part of dm-mod.
base_kmods=(nvme nfit nd_pmem libnvdimm null_blk brd loop dm-mod dm-flakey ext4 xfs)
# More for the systemd guest: PID 1 loads autofs4 (and complains without it).
systemd_kmods=(autofs4)
# Host tools the guest gets when the host has them (with their libraries).
host_tools=(bash mke2fs mkfs.ext4 e2fsck fsck.ext4 mkfs.xfs dmsetup)

die() {
	echo "$prog: error: $*" >&2
	exit "$EX_USAGE"
}
log() { echo "$prog: $*" >&2; }

usage() {
	cat <<'EOF'
usage: tests/vm/run-vm.sh --kernel KVER|6.1|6.12 [options] --suite SCRIPT [-- ARGS...]
  --smp N            vCPUs (default 2)
  --mem SIZE         guest RAM (default 2G)
  --timeout SEC      kill the VM after SEC seconds, exit 124 (default 600)
  --nvme-size SIZE   sparse NVMe namespace /dev/nvme0n1 (default 1G, 0 = none)
  --nvme-image FILE  back the NVMe namespace with FILE instead of a temporary
                     image (created sparse with --nvme-size if missing; kept,
                     its size wins if it exists): the disk survives the run
  --pmem-size SIZE   NVDIMM /dev/pmem0 (default 512M, 0 = none)
  --module FILE.ko   copy to /lib/modules/extra/ in the guest (not loaded); repeatable
  --kmod NAME        add a module of the guest kernel itself (with deps); repeatable
  --bin FILE         copy to /opt/fastmap/bin with its shared libraries; repeatable
  --file SRC:DST     copy a file or directory to DST in the guest; repeatable
  --env NAME=VALUE   export to the suite; repeatable
  --append ARGS      extra kernel command-line arguments
  --expect-fail[=N]  invert: exit 0 only if the run failed (with status N, if given)
  --keep             keep the work directory (printed) for debugging
  --suite SCRIPT     script run as root in the guest (cwd /tmp) with ARGS
  --systemd          boot a Debian root file system with systemd as PID 1 and a
                     system bus instead of busybox (built once as root, cached)
  --hotplug          put the NVMe controller (qemu id "nvme0") behind a PCIe
                     root port and let the suite ask for "device_del nvme0" by
                     printing "FASTMAP-HOST: device_del nvme0" on the console
                     (the only monitor command honoured)
Exit: the suite's status; 3 suite passed but dmesg has a kernel complaint;
      4 no result from the guest (panic/crash); 124 timeout; 2 usage/host error.
EOF
}

# SIZE (bytes, or with K/M/G/T suffix, binary units) -> bytes.
to_bytes() {
	local v=${1^^}
	v=${v%IB}
	v=${v%B}
	[[ $v =~ ^([0-9]+)([KMGT]?)$ ]] || die "bad size '$1'"
	local n=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]}
	case $s in
	K) n=$((n << 10)) ;;
	M) n=$((n << 20)) ;;
	G) n=$((n << 30)) ;;
	T) n=$((n << 40)) ;;
	esac
	echo "$n"
}

# Quote a string for a POSIX shell.
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

kernel='' smp=2 mem=2G timeout=600 nvme_size=1G pmem_size=512M nvme_image=''
expect_fail='' keep=0 suite='' append='' systemd=0 hotplug=0 hpid=''
modules=() kmods=() bins=() files=() envs=() suite_args=()
while (($#)); do
	case $1 in
	--kernel | --smp | --mem | --timeout | --nvme-size | --nvme-image | --pmem-size | --module | \
		--kmod | --bin | --file | --env | --append | --suite)
		(($# >= 2)) || die "$1 needs an argument"
		opt=$1 arg=$2
		shift 2
		case $opt in
		--kernel) kernel=$arg ;;
		--smp) smp=$arg ;;
		--mem) mem=$arg ;;
		--timeout) timeout=$arg ;;
		--nvme-size) nvme_size=$arg ;;
		--nvme-image) nvme_image=$arg ;;
		--pmem-size) pmem_size=$arg ;;
		--module) modules+=("$arg") ;;
		--kmod) kmods+=("$arg") ;;
		--bin) bins+=("$arg") ;;
		--file) files+=("$arg") ;;
		--env) envs+=("$arg") ;;
		--append) append+=" $arg" ;;
		--suite) suite=$arg ;;
		esac
		;;
	--expect-fail) expect_fail=any && shift ;;
	--expect-fail=*)
		expect_fail=${1#*=}
		[[ $expect_fail =~ ^[0-9]+$ ]] || die "bad $1"
		shift
		;;
	--keep) keep=1 && shift ;;
	--systemd) systemd=1 && shift ;;
	--hotplug) hotplug=1 && shift ;;
	-h | --help) usage && exit 0 ;;
	--) shift && suite_args=("$@") && break ;;
	*) usage >&2 && die "unknown argument '$1'" ;;
	esac
done

[[ -n $kernel ]] || die "--kernel is required"
[[ -n $suite ]] || die "--suite is required"
[[ -f $suite && -r $suite ]] || die "suite '$suite' not found"
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "bad --smp '$smp'"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "bad --timeout '$timeout'"
mem_b=$(to_bytes "$mem")
nvme_b=$(to_bytes "$nvme_size")
pmem_b=$(to_bytes "$pmem_size")
for e in "${envs[@]}"; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "bad --env '$e' (want NAME=VALUE)"
done

# 6.1 / 6.12 -> newest installed release of that series.
# FASTMAP_VM_KROOT=DIR: a kernel installed under DIR (DIR/boot/vmlinuz-KVER,
# DIR/lib/modules/KVER) instead of the host's /boot and /lib/modules: the
# debug kernel of tools/debug-kernel.sh.
kroot=${FASTMAP_VM_KROOT:-}
[[ -z $kroot || -d $kroot/lib/modules ]] || die "FASTMAP_VM_KROOT=$kroot has no lib/modules"
case $kernel in
*.*.*) kver=$kernel ;;
*)
	kver=$(find "$kroot/boot" -maxdepth 1 -name "vmlinuz-$kernel.*" -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[[ -n $kver ]] || die "no $kroot/boot/vmlinuz-$kernel.* installed (run tools/setup.sh)"
	;;
esac
vmlinuz=$kroot/boot/vmlinuz-$kver
kmoddir=$kroot/lib/modules/$kver
modprobe_root=()
[[ -z $kroot ]] || modprobe_root=(-d "$kroot")
# FASTMAP_VM_KMEMLEAK=1: the guest scans KMEMLEAK after the suite (debug kernel).
[[ ${FASTMAP_VM_KMEMLEAK:-0} != 1 ]] || envs+=(FASTMAP_KMEMLEAK=1)
[[ -r $vmlinuz ]] || die "$vmlinuz missing or unreadable (run tools/setup.sh)"
[[ -d $kmoddir/kernel ]] || die "$kmoddir missing (run tools/setup.sh)"
for t in qemu-system-x86_64 cpio depmod modprobe ldd; do
	command -v "$t" >/dev/null || die "'$t' not found (run tools/setup.sh)"
done
if ((!systemd)); then
	busybox=$(command -v busybox) || die "'busybox' not found (run tools/setup.sh)"
	# Debian's busybox (not busybox-static) is dynamically linked; the guest
	# needs the static one.
	ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (install busybox-static)"
fi

# Seconds (one decimal) since $1, a value of $EPOCHREALTIME.
since() {
	local us=$((${EPOCHREALTIME//[!0-9]/} - ${1//[!0-9]/}))
	printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}
t_start=$EPOCHREALTIME
cache=${FASTMAP_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastmap-vm}
mkdir -p "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/fastmap-vm.XXXXXX")
qpid='' spid=''
# shellcheck disable=SC2317 # invoked by trap
cleanup() {
	local pid
	for pid in $qpid $spid $hpid; do
		kill "$pid" 2>/dev/null || true
	done
	if ((keep)); then
		log "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Initramfs helpers.  The busybox guest uses the merged-/usr layout of the
# host, with sbin merged into bin: bin, sbin, usr/sbin -> usr/bin; lib ->
# usr/lib; lib64 -> usr/lib64.  The systemd guest is Debian's merged /usr:
# bin -> usr/bin, sbin -> usr/sbin, lib -> usr/lib, lib64 -> usr/lib64.  canon
# maps a host path to its real place in the guest (the initramfs unpacker
# would replace a symlink to a directory with a directory).
canon() {
	local p=${1#/}
	if ((systemd)); then
		case $p in
		bin/* | sbin/* | lib/* | lib64/*) p=usr/$p ;;
		esac
	else
		case $p in
		bin/* | sbin/* | usr/sbin/*) p=usr/bin/${p#*bin/} ;;
		lib/* | lib64/*) p=usr/$p ;;
		esac
	fi
	echo "$p"
}

# in_rootfs PATH: the systemd guest's root file system has PATH (canonical,
# relative), or a library of that name in the standard library directories.
declare -A rootfs_has=()
in_rootfs() {
	((systemd)) || return 1
	local b=${1##*/}
	[[ -n ${rootfs_has[$1]-} || -n ${rootfs_has[usr/lib/x86_64-linux-gnu/$b]-} ||
		-n ${rootfs_has[usr/lib/$b]-} || -n ${rootfs_has[usr/lib64/$b]-} ]]
}

# install_file ROOT SRC DST: copy SRC (dereferenced) to guest path DST.
install_file() {
	local dst
	dst=$1/$(canon "$3")
	mkdir -p "${dst%/*}"
	rm -f "$dst"
	cp -L --preserve=mode "$2" "$dst"
}

# install_libs ROOT FILE: copy the shared libraries (and loader) FILE needs,
# except those the systemd guest's root file system has: its own libc,
# libsystemd etc. are never replaced.
install_libs() {
	local out lib
	out=$(ldd "$2" 2>/dev/null) || return 0 # static, or a script
	if grep -q 'not found' <<<"$out"; then
		die "$2: missing shared libraries:"$'\n'"$(grep 'not found' <<<"$out")"
	fi
	while read -r lib; do
		[[ -e $1/$(canon "$lib") ]] || in_rootfs "$(canon "$lib")" ||
			install_file "$1" "$lib" "$lib"
	done < <(sed -n 's/^.*=> \(\/[^ ]*\) .*$/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p' <<<"$out")
}

# Make ROOT into a newc cpio archive on stdout, everything owned by root.
# Over the systemd guest's root file system, without the directories it has:
# the unpacker would reset their owner and mode (/tmp, /root, ...).
mkcpio() {
	if ((systemd)); then
		(cd "$1" && find . -mindepth 1 -printf '%P\n' |
			{ grep -vxF -f "$rootfs/dirs.txt" || true; } | cpio --quiet -o -H newc -R 0:0)
	else
		(cd "$1" && find . -mindepth 1 | cpio --quiet -o -H newc -R 0:0)
	fi
}

# A newc archive with /dev/console, written directly so that building the
# initramfs does not need root (mknod): the kernel opens /dev/console for /init.
cpio_entry() { # NAME MODE RDEVMAJOR RDEVMINOR INODE
	local pad=$(((4 - (110 + ${#1} + 1) % 4) % 4))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$5" "$2" 0 0 1 0 0 0 0 "$3" "$4" $((${#1} + 1)) 0
	printf '%s\0' "$1"
	((pad == 0)) || printf '%*s' "$pad" '' | tr ' ' '\0'
}
dev_cpio() {
	cpio_entry dev $((8#40755)) 0 0 900001
	cpio_entry dev/console $((8#20600)) 5 1 900002
	cpio_entry 'TRAILER!!!' 0 0 0 0
}

# prune GLOB KEEP: drop cache entries matching GLOB except KEEP once they are a
# week old (other option sets, e.g. --kmod, have their own live entries).
prune() {
	find "$cache" -maxdepth 1 -name "$1" ! -name "$2" -mmin +10080 -delete 2>/dev/null || true
}

# ---------------------------------------------------------------------------
# Base archive: busybox, host tools, the kernel's modules.  Cached per kernel
# release and inputs; built once, then reused by every run.  (The systemd
# guest's is its root file system plus an archive of the modules: below.)
all_kmods=("${base_kmods[@]}" "${kmods[@]}")
present_tools=()
if ((systemd)); then
	all_kmods+=("${systemd_kmods[@]}")
	key_src=$(
		echo "format=$BASE_FORMAT kver=$kver kmods=${all_kmods[*]}"
		stat -L -c '%n %s %Y' "$kmoddir/modules.dep"
	)
else
	for t in "${host_tools[@]}"; do
		p=$(command -v "$t" 2>/dev/null) && present_tools+=("$p")
	done
	key_src=$(
		echo "format=$BASE_FORMAT kver=$kver kmods=${all_kmods[*]}"
		stat -L -c '%n %s %Y' "$busybox" "$kmoddir/modules.dep" "${present_tools[@]}"
		[[ ! -f /etc/mke2fs.conf ]] || stat -c '%n %s %Y' /etc/mke2fs.conf
	)
fi
key=$(sha256sum <<<"$key_src" | cut -c1-16)
base=$cache/base-$kver-$key.cpio

# install_kmods ROOT: the kernel's modules in all_kmods and their dependencies,
# decompressed (busybox modprobe reads plain .ko files; the signature is inside
# the uncompressed module), then depmod.  ROOT has lib -> usr/lib.
install_kmods() {
	local root=$1 mods=() m line f rel dst
	for m in "${all_kmods[@]}"; do
		line=$(modprobe "${modprobe_root[@]}" -S "$kver" --show-depends "$m" 2>&1) ||
			die "kernel $kver has no module '$m': $line"
		mapfile -t -O "${#mods[@]}" mods < <(sed -n 's/^insmod \([^ ]*\).*/\1/p' <<<"$line")
	done
	for f in $(printf '%s\n' "${mods[@]}" | sort -u); do
		rel=${f#"$kmoddir"/}
		dst=$root/usr/lib/modules/$kver/${rel%.*}.ko
		dst=${dst%.ko.ko}.ko
		mkdir -p "${dst%/*}"
		case $f in
		*.ko) cp "$f" "$dst" ;;
		*.ko.xz) xz -dc "$f" >"$dst" ;;
		*.ko.zst) zstd -qdc "$f" >"$dst" ;;
		*.ko.gz) gzip -dc "$f" >"$dst" ;;
		*) die "unexpected module file $f" ;;
		esac
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ ! -f $kmoddir/$f ]] || cp "$kmoddir/$f" "$root/usr/lib/modules/$kver/"
	done
	depmod -b "$root" "$kver"
}

build_base() {
	local root=$work/base a f
	mkdir -p "$root"/usr/{bin,lib,lib64} "$root"/{proc,sys,tmp,run,mnt,root,etc} \
		"$root"/opt/fastmap/bin "$root"/usr/lib/modules/extra
	ln -s usr/bin "$root/bin"
	ln -s usr/bin "$root/sbin"
	ln -s bin "$root/usr/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"

	cp "$busybox" "$root/usr/bin/busybox"
	for a in $("$busybox" --list); do
		[[ $a == busybox ]] || ln -s busybox "$root/usr/bin/$a"
	done
	for f in "${present_tools[@]}"; do
		install_file "$root" "$f" "/usr/bin/${f##*/}"
		install_libs "$root" "$f"
	done
	[[ ! -f /etc/mke2fs.conf ]] || cp /etc/mke2fs.conf "$root/etc/"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\ntty:x:5:\ndisk:x:6:\n' >"$root/etc/group"

	install_kmods "$root"

	{
		mkcpio "$root"
		dev_cpio
	} >"$base.tmp.$$"
	mv -f "$base.tmp.$$" "$base" # atomic: concurrent runs may build it too
	rm -rf "$root"
	prune "base-$kver-*.cpio" "${base##*/}"
}

# The systemd guest: the cached Debian root file system (systemd/build-rootfs.sh)
# plus an archive of the kernel's modules, cached per kernel release, inputs
# and root file system.
build_sdmods() {
	local root=$work/sdmods
	mkdir -p "$root/usr/lib/modules/extra"
	ln -s usr/lib "$root/lib"
	install_kmods "$root"
	rm "$root/lib"
	mkcpio "$root" >"$base.tmp.$$"
	mv -f "$base.tmp.$$" "$base"
	rm -rf "$root"
	prune "sdmods-$kver-*.cpio" "${base##*/}"
}

if ((systemd)); then
	rootfs=$("$here/systemd/build-rootfs.sh" --cache "$cache") ||
		die "no root file system for the systemd guest"
	while IFS= read -r f; do
		rootfs_has[$f]=1
	done <"$rootfs/files.txt"
	key=$(sha256sum <<<"$key_src rootfs=${rootfs##*/}" | cut -c1-16)
	base=$cache/sdmods-$kver-$key.cpio
	if [[ ! -s $base ]]; then
		log "building the module archive of the systemd guest for $kver (cached in $cache)"
		build_sdmods
	fi
elif [[ ! -s $base ]]; then
	log "building base initramfs for $kver (cached in $cache)"
	build_base
fi

# ---------------------------------------------------------------------------
# Boot the uncompressed kernel (ELF vmlinux, PVH entry point) when possible:
# decompressing Debian's bzImage under TCG costs 1-4 s per boot (6.1 is xz).
# The vmlinux is extracted once from the bzImage payload and cached.  PVH
# skips the real-mode setup and the decompressor, hence also physical KASLR.
# FASTMAP_VM_PVH=0 boots the bzImage instead.
pvh_kernel() {
	local f=$1 out setup poff plen off magic dec
	[[ ${FASTMAP_VM_PVH:-1} == 1 ]] || return 0
	grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null || return 0
	out=$cache/vmlinux-$kver-$(stat -c '%s-%Y' "$f")
	if [[ ! -s $out ]]; then
		# Boot protocol >= 2.08: payload_offset/length at 0x248/0x24c of the
		# protected-mode part, which starts after (setup_sects + 1) sectors.
		setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$f" | tr -d ' ')
		poff=$(od -An -tu4 -j $((0x248)) -N4 "$f" | tr -d ' ')
		plen=$(od -An -tu4 -j $((0x24c)) -N4 "$f" | tr -d ' ')
		off=$(((setup + 1) * 512 + poff))
		magic=$(od -An -tx1 -j "$off" -N4 "$f" | tr -d ' ')
		case $magic in
		fd377a58) dec=(xz -dc) ;;
		28b52ffd) dec=(zstd -qdc) ;;
		1f8b*) dec=(gzip -dc) ;;
		*) return 0 ;;
		esac
		command -v "${dec[0]}" >/dev/null || return 0
		# The payload ends with the le32 uncompressed size, which the
		# decompressors reject as trailing garbage: check the size instead.
		tail -c +$((off + 1)) "$f" | head -c "$plen" | "${dec[@]}" >"$out.tmp.$$" 2>/dev/null || true
		local want have
		want=$(od -An -tu4 -j $((off + plen - 4)) -N4 "$f" | tr -d ' ')
		have=$(stat -c %s "$out.tmp.$$")
		if [[ $want != "$have" || $(head -c 4 "$out.tmp.$$" | od -An -tx1 | tr -d ' ') != 7f454c46 ]]; then
			rm -f "$out.tmp.$$"
			return 0
		fi
		mv -f "$out.tmp.$$" "$out"
		prune "vmlinux-$kver-*" "${out##*/}"
	fi
	echo "$out"
}
boot_kernel=$(pvh_kernel "$vmlinuz")
[[ -n $boot_kernel ]] || boot_kernel=$vmlinuz

# ---------------------------------------------------------------------------
# Per-run archive: init (busybox) or the runner and its unit (systemd), the
# kernel-log check, suite, modules, binaries, files, settings.
run_root=$work/run
mkdir -p "$run_root/opt/fastmap/bin" "$run_root/usr/lib/modules/extra" "$run_root/opt/fastmap/vm"
cp "$here/dmesg-check.sh" "$run_root/opt/fastmap/vm/"
if ((systemd)); then
	cp "$here/systemd/guest-run" "$run_root/opt/fastmap/vm/"
	chmod 0755 "$run_root/opt/fastmap/vm/guest-run"
	sd=$run_root/etc/systemd/system
	mkdir -p "$sd/multi-user.target.wants" "$sd/emergency.service.d" "$sd/rescue.service.d"
	cp "$here/systemd/fastmap-vm-suite.service" "$sd/"
	ln -s ../fastmap-vm-suite.service "$sd/multi-user.target.wants/"
	cp "$here/systemd/emergency.conf" "$sd/emergency.service.d/fastmap-vm.conf"
	cp "$here/systemd/emergency.conf" "$sd/rescue.service.d/fastmap-vm.conf"
else
	cp "$here/guest-init" "$run_root/init"
	chmod 0755 "$run_root/init"
fi
suite_dst=/opt/fastmap/suite/${suite##*/}
install_file "$run_root" "$suite" "$suite_dst"
chmod 0755 "$run_root$suite_dst"
for m in "${modules[@]}"; do
	[[ -f $m ]] || die "--module '$m' not found"
	n=${m##*/}
	case $n in
	*.ko) cp "$m" "$run_root/usr/lib/modules/extra/$n" ;;
	*.ko.xz) xz -dc "$m" >"$run_root/usr/lib/modules/extra/${n%.xz}" ;;
	*.ko.zst) zstd -qdc "$m" >"$run_root/usr/lib/modules/extra/${n%.zst}" ;;
	*.ko.gz) gzip -dc "$m" >"$run_root/usr/lib/modules/extra/${n%.gz}" ;;
	*) die "--module '$m' is not a .ko file" ;;
	esac
done
for b in "${bins[@]}"; do
	[[ -f $b && -x $b ]] || die "--bin '$b' is not an executable file"
	install_file "$run_root" "$b" "/opt/fastmap/bin/${b##*/}"
	install_libs "$run_root" "$b"
done
for f in "${files[@]}"; do
	[[ $f == *:/* ]] || die "bad --file '$f' (want SRC:/ABS/DST)"
	src=${f%%:/*} dst=/${f#*:/}
	[[ -e $src ]] || die "--file source '$src' not found"
	dst=$(canon "$dst")
	# A directory entry would replace a symlink of the systemd guest's root
	# file system (var/run -> /run, ...): ask for the real path.
	p=$dst
	while ((systemd)) && [[ $p == */* ]]; do
		p=${p%/*}
		[[ -z ${rootfs_has[$p]-} ]] ||
			die "--file '$f': /$p is a symlink in the systemd guest; give the real path"
	done
	dst=$run_root/$dst
	mkdir -p "${dst%/*}"
	cp -a "$src" "$dst"
done

run_id=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
{
	echo "FASTMAP_RUN_ID=$run_id"
	echo "FASTMAP_SUITE=$(shquote "$suite_dst")"
	echo "export FASTMAP_VM=1 FASTMAP_VM_KVER=$(shquote "$kver") FASTMAP_VM_SMP=$smp"
	echo "export FASTMAP_VM_BIN=/opt/fastmap/bin FASTMAP_VM_MODULES=/lib/modules/extra"
	((!systemd)) || echo "export FASTMAP_VM_SYSTEMD=1"
	for e in "${envs[@]}"; do
		echo "export ${e%%=*}=$(shquote "${e#*=}")"
	done
	printf 'set --'
	for a in "${suite_args[@]}"; do
		printf ' %s' "$(shquote "$a")"
	done
	echo
} >"$run_root/opt/fastmap/run.conf"

initrd=$work/initrd.cpio
{
	((!systemd)) || cat "$rootfs/root.cpio"
	cat "$base"
	mkcpio "$run_root"
} >"$initrd"

# ---------------------------------------------------------------------------
# QEMU.  -nodefaults + -display none + the console chardev is -nographic
# without the default NIC/VGA (faster boot) and with a copy of the console in
# $work/console.log for the result markers.
# clocksource=tsc: under TCG the default HPET clocksource traps every
# ktime_get() (the block layer reads the clock per I/O) into QEMU's device
# model - 15% of an I/O benchmark's time, measured with perf in the guest.
# TCG's TSC follows the host clock; tsc=reliable skips the watchdog that
# would otherwise reject it.
cmdline="console=ttyS0 quiet loglevel=4 panic=-1 oops=panic log_buf_len=8M printk.devkmsg=on clocksource=tsc tsc=reliable"
# systemd runs straight from the initramfs (no /etc/initrd-release: it is the
# real root); its console output is limited to errors.
((!systemd)) || cmdline+=" rdinit=/lib/systemd/systemd systemd.show_status=error"
cmdline+=$append
memopt=$((mem_b >> 20))M
machine=q35
# FASTMAP_VM_TCG_THREAD=single runs all vCPUs on one host thread: slower, but
# no vCPU can run a stale translation of kernel text that another one has
# re-patched (see stale_int3_trap below).
tcg_thread=${FASTMAP_VM_TCG_THREAD:-multi}
[[ $tcg_thread == multi || $tcg_thread == single ]] ||
	die "FASTMAP_VM_TCG_THREAD must be multi or single, got '$tcg_thread'"
# -cpu max boots both kernels without any complaint in dmesg, but it offers
# LA57: booted from the bzImage, the kernel would then run with 5-level page
# tables, whereas via PVH (and on almost all real machines) it uses 4 levels.
# la57=off keeps the paging depth the same on both paths and realistic.
# shellcheck disable=SC2054 # commas are qemu's
# debug-threads: QEMU names its threads ("CPU 0/TCG", "worker"), so host-side
# tools (tools/nvme-gap.sh) can tell the vCPUs from the device emulation.
qemu=(qemu-system-x86_64 -accel "tcg,thread=$tcg_thread" -cpu max,la57=off -smp "$smp"
	-name fastmap-vm,debug-threads=on -nodefaults -display none -no-reboot
	-kernel "$boot_kernel" -initrd "$initrd" -append "$cmdline"
	-chardev "stdio,id=con,signal=off,logfile=$work/console.log"
	-serial chardev:con)
# --hotplug: q35's root bus is not hot-pluggable; a PCIe root port is. The
# monitor is a pair of FIFOs (bash cannot talk to a unix socket).
nvme_bus=''
if ((hotplug)); then
	nvme_bus=',bus=rp1'
	mkfifo "$work/mon.in" "$work/mon.out"
	# shellcheck disable=SC2054
	qemu+=(-device pcie-root-port,id=rp1,chassis=1,slot=1
		-chardev "pipe,id=mon0,path=$work/mon" -mon chardev=mon0,mode=readline)
fi
if [[ -n $nvme_image ]]; then
	# A persistent image (crash tests boot twice on one disk): create it only
	# if missing, never truncate or delete it.
	[[ -e $nvme_image ]] || truncate -s "$nvme_b" "$nvme_image" ||
		die "cannot create --nvme-image '$nvme_image'"
	[[ -f $nvme_image && -w $nvme_image && -s $nvme_image ]] ||
		die "--nvme-image '$nvme_image' is not a writable non-empty file"
	nvme_file=$(realpath "$nvme_image")
	[[ $nvme_file != *,* ]] || die "--nvme-image '$nvme_file' must not contain a comma (qemu -drive syntax)"
	# shellcheck disable=SC2054
	qemu+=(-drive "file=$nvme_file,if=none,id=nv0,format=raw"
		-device "nvme,id=nvme0,serial=fastmap0,drive=nv0$nvme_bus")
elif ((nvme_b > 0)); then
	truncate -s "$nvme_b" "$work/nvme.img"
	# shellcheck disable=SC2054
	qemu+=(-drive "file=$work/nvme.img,if=none,id=nv0,format=raw"
		-device "nvme,id=nvme0,serial=fastmap0,drive=nv0$nvme_bus")
fi
if ((pmem_b > 0)); then
	memopt="$memopt,slots=2,maxmem=$(((mem_b + pmem_b) >> 20))M"
	machine=q35,nvdimm=on
	# shellcheck disable=SC2054
	qemu+=(-object "memory-backend-ram,id=pm0,size=$pmem_b" -device nvdimm,memdev=pm0)
fi
qemu+=(-m "$memopt" -machine "$machine")

# A guest kernel that dies before the suite starts and with no fastmap module
# loaded cannot have been hurt by anything of ours: under TCG with
# thread=multi it happens, rarely, while the kernel patches its own text at
# boot (seen once in ~400 boots: "Oops: int3" in sched_clock_cpu on 6.12,
# "Modules linked in:" empty).  Such a boot is retried (FASTMAP_VM_BOOT_RETRIES,
# default 1) and the retry is logged with the evidence; every other failure
# counts.
boot_retries=${FASTMAP_VM_BOOT_RETRIES:-1}
# A guest that printed nothing at all after this many seconds never got to its
# kernel (seen once in 1 000+ boots: QEMU TCG spinning at 100 % CPU with an
# empty console); it counts as an emulator fault and is retried like one.
silent_limit=${FASTMAP_VM_SILENT_BOOT_SECONDS:-90}
[[ $silent_limit =~ ^[0-9]+$ ]] || die "FASTMAP_VM_SILENT_BOOT_SECONDS must be a number"
boot_silent=0
[[ $boot_retries =~ ^[0-9]+$ ]] || die "FASTMAP_VM_BOOT_RETRIES must be a number"
early_emulator_crash() {
	local con
	con=$(tr -d '\r' <"$work/console.log")
	! grep -aq "FASTMAP-VM: suite-start" <<<"$con" || return 1
	grep -aqE "Kernel panic|Oops|BUG:" <<<"$con" || return 1
	! grep -aE "Modules linked in:" <<<"$con" | grep -aq fastmap || return 1
	! grep -aq "fastmap" <<<"$(grep -aE '^\[ *[0-9.]+\] ' <<<"$con")" || return 1
	return 0
}

# A kernel text-patching trap that is an emulator artifact: under TCG with
# thread=multi a vCPU can keep executing a stale translation of kernel text
# that another vCPU has already re-patched (text_poke_bp() puts an int3 on the
# site, rewrites it, removes the int3 and syncs every CPU; a stale translation
# still traps on the int3 after the int3 handler has been torn down). Seen in
# fm_vm_fault on 6.12 while fastmapd re-attached its BPF programs to the
# module's tracepoints (jump labels flipped) under a faulting writer. The
# signature is exact: the first kernel complaint is "Oops: int3" and its Code:
# line shows that the byte before RIP is no longer 0xcc in memory, which real
# hardware cannot produce (the int3 handler stays armed until every CPU has
# synced). Such a run is retried once (FASTMAP_VM_STALE_INT3_RETRIES, default
# 1, not with --nvme-image) and the retry is logged with the evidence.
stale_retries=${FASTMAP_VM_STALE_INT3_RETRIES:-1}
[[ $stale_retries =~ ^[0-9]+$ ]] || die "FASTMAP_VM_STALE_INT3_RETRIES must be a number"
[[ -z $nvme_image ]] || stale_retries=0
stale_int3_trap() {
	local con first code
	con=$(tr -d '\r' <"$work/console.log")
	first=$(grep -aoE "(Oops: |BUG: |WARNING: |Kernel panic|general protection fault).*" \
		<<<"$con" | head -n 1)
	[[ $first == "Oops: int3"* ]] || return 1
	code=$(grep -aA12 "Oops: int3" <<<"$con" | grep -a -m 1 "Code: ")
	[[ $code =~ ([0-9a-f]{2})\ \<[0-9a-f]{2}\> ]] || return 1
	[[ ${BASH_REMATCH[1]} != cc ]] || return 1
	stale_evidence="$first; $(grep -aA12 "Oops: int3" <<<"$con" | grep -a -m 1 "RIP: ");"
	stale_evidence+=" byte before RIP in memory: ${BASH_REMATCH[1]} (not cc)"
	return 0
}

# --hotplug: forward the suite's "FASTMAP-HOST: device_del nvme0" requests to
# the QEMU monitor; nothing else is honoured.
hotplug_watch() {
	local line
	cat "$work/mon.out" >"$work/monitor.log" 2>/dev/null &
	exec 3>"$work/mon.in"
	tail -n +1 --pid="$qpid" -F "$work/console.log" 2>/dev/null | while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		*"FASTMAP-HOST: device_del nvme0"*)
			log "hotplug: the suite asked for device_del nvme0"
			echo "device_del nvme0" >&3
			;;
		esac
	done
}

boot_once() {
	log "kernel $kver, suite ${suite##*/}, smp $smp, mem $mem, timeout ${timeout}s" \
		"(initramfs ready in $(since "$t_start")s)"
	: >"$work/console.log"
	# qemu makes its stdout O_NONBLOCK, which would leak into whoever shares our
	# stdout (a CI logger, tee, make) as EAGAIN write errors: give it a pipe of
	# its own, copied to our stdout by cat.
	exec {confd}> >(exec cat)
	cat_pid=$!
	"${qemu[@]}" </dev/null >&"$confd" &
	qpid=$!
	hpid=''
	if ((hotplug)); then
		hotplug_watch &
		hpid=$!
	fi
	exec {confd}>&-
	sleep "$timeout" &
	spid=$!
	done_pid=''
	qemu_rc=0
	# Poll instead of `wait -n -p done_pid "$qpid" "$spid"`: bash 5.2 can miss
	# qemu's exit when the console's cat (a process substitution) exits at the
	# same moment, and then waits for the whole timeout (seen when the crash
	# harness kills qemu). A reaped child fails kill -0.
	local t_boot=$SECONDS
	boot_silent=0
	while kill -0 "$qpid" 2>/dev/null && kill -0 "$spid" 2>/dev/null; do
		sleep 0.2
		if ((silent_limit > 0 && SECONDS - t_boot >= silent_limit)) &&
			[[ ! -s $work/console.log ]]; then
			boot_silent=1
			break
		fi
	done
	if ! kill -0 "$qpid" 2>/dev/null; then
		done_pid=$qpid
		wait "$qpid" || qemu_rc=$?
	fi
	console_done() { # wait for cat to copy the rest; end the last console line
		wait "$cat_pid" 2>/dev/null || true
		[[ -z $(tail -c 1 "$work/console.log") ]] || echo
	}
	if [[ $done_pid != "$qpid" ]]; then
		kill -TERM "$qpid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qpid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		qpid=
		console_done
		if ((boot_silent)); then
			kill "$spid" 2>/dev/null || true
			wait "$spid" 2>/dev/null || true
			log "NO OUTPUT: the guest printed nothing in ${silent_limit}s (QEMU hung" \
				"before the kernel's first message); qemu killed"
			result=$EX_NORESULT
		else
			log "TIMEOUT: the guest did not finish within ${timeout}s; qemu killed"
			result=$EX_TIMEOUT
		fi
		spid=
	else
		qpid=
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		spid=
		console_done
		secs=$(since "$t_start")
		con=$(tr -d '\r' <"$work/console.log")
		suite_rc=$(grep -ao "FASTMAP-VM: suite-exit=[0-9]* run=$run_id" <<<"$con" |
			tail -n 1 | sed 's/.*suite-exit=\([0-9]*\) .*/\1/') || true
		verdict=$(grep -aoE "FASTMAP-VM: dmesg=(clean|complaint) run=$run_id" <<<"$con" |
			tail -n 1 | sed 's/.*dmesg=\([a-z]*\) .*/\1/') || true
		if [[ -z $suite_rc || -z $verdict ]] && ((qemu_rc != 0)); then
			log "FAILED: qemu exited with status $qemu_rc (see its messages above)"
			result=$EX_USAGE
		elif [[ -z $suite_rc || -z $verdict ]]; then
			log "FAILED: the guest stopped without reporting a result (kernel panic," \
				"oops or crash? see the console above) after ${secs}s"
			result=$EX_NORESULT
		elif ((suite_rc != 0)); then
			[[ $verdict == clean ]] || log "the kernel also complained in dmesg (see above)"
			log "FAILED: suite exited with status $suite_rc after ${secs}s"
			result=$suite_rc
		elif [[ $verdict != clean ]]; then
			log "FAILED: suite passed, but the kernel complained in dmesg (see above)" \
				"after ${secs}s"
			result=$EX_COMPLAINT
		else
			log "PASSED: suite passed and dmesg is clean after ${secs}s"
			result=0
		fi
	fi
	if [[ -n $hpid ]]; then
		kill "$hpid" 2>/dev/null || true
		wait "$hpid" 2>/dev/null || true
		hpid=''
	fi
}

attempt=0
stale=0
while :; do
	boot_once
	if ((result != 0 && stale < stale_retries)) && stale_int3_trap; then
		stale=$((stale + 1))
		cp "$work/console.log" "$work/console.stale-int3-$stale.log"
		log "RETRY (stale int3) $stale/$stale_retries: $stale_evidence: a stale TCG" \
			"translation of re-patched kernel text, not a test result (console above);" \
			"running the suite again in a new boot"
		t_start=$EPOCHREALTIME
		continue
	fi
	if ((result != EX_NORESULT || attempt >= boot_retries)); then
		break
	fi
	attempt=$((attempt + 1))
	if ((boot_silent)); then
		log "RETRY $attempt/$boot_retries: QEMU hung before the guest kernel printed" \
			"anything (no disk, no module touched yet: an emulator fault, not a test" \
			"result); booting again"
	elif early_emulator_crash; then
		cp "$work/console.log" "$work/console.crash$attempt.log"
		log "RETRY $attempt/$boot_retries: the guest kernel died during boot, before the" \
			"suite started and with no fastmap module loaded (an emulator fault," \
			"not a test result; console above); booting again"
	else
		break
	fi
	t_start=$EPOCHREALTIME
done

log "result=$result"
if [[ -n $expect_fail ]]; then
	if [[ $expect_fail == any && $result != 0 ]] || [[ $result == "$expect_fail" ]]; then
		log "--expect-fail: the run failed as expected (status $result); exiting 0"
		exit 0
	fi
	want="a failure"
	[[ $expect_fail == any ]] || want="status $expect_fail"
	log "--expect-fail: expected $want, got status $result; exiting 1"
	exit 1
fi
exit "$result"
