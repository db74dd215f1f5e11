#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Shows that the stale-TLB test (fm_tlb) catches a skipped shootdown: a test
# build of fastmap.ko (make FASTMAP_UNSAFE_TESTING=1, at
# /lib/modules/unsafe/fastmap.ko) can skip its TLB flushes. With the skip on,
# fm_tlb must FAIL (it reads other pages' data through stale translations);
# with it off, the same module must pass. Closing line: "tlb-negative: N passed, N failed".
pass=0 fail=0
ok() { pass=$((pass + 1)) && echo "ok - $*"; }
nok() { fail=$((fail + 1)) && echo "not ok - $*"; }

insmod /lib/modules/unsafe/fastmap.ko unsafe_skip_tlb_flush=1 || { echo "not ok - insmod test build"; exit 1; }
modprobe null_blk nr_devices=1 memory_backed=1 gb=1
fm_integrity prefill /dev/nullb0 --pages 16384 >/dev/null
fastmapctl attach /dev/nullb0 --name tlbneg --cache 2M --batch 256 >/dev/null
if fm_tlb /dev/fastmap/tlbneg --seconds 4 --hot 4 --evictions 2048; then
	nok "fm_tlb did not notice skipped shootdowns"
else
	ok "fm_tlb fails when shootdowns are skipped"
fi
echo N >/sys/module/fastmap/parameters/unsafe_skip_tlb_flush
if fm_tlb /dev/fastmap/tlbneg --seconds 4 --hot 4 --evictions 2048; then
	ok "fm_tlb passes once shootdowns are done again"
else
	nok "fm_tlb fails with shootdowns on"
fi
fastmapctl detach tlbneg >/dev/null
rmmod fastmap
echo "tlb-negative: $pass passed, $fail failed"
[ "$fail" = 0 ]
