#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Rig self-test of the dmesg check: loads tests/vm/warnmod's warn_test.ko,
# whose init WARNs, and exits 0.  The rig must still fail the run (exit 3).
#   tests/vm/run-vm.sh --kernel 6.12 --module build/warn_test.ko --expect-fail \
#       --suite tests/vm/suites/warn-selftest.sh
set -e
insmod /lib/modules/extra/warn_test.ko
echo "warn-selftest: warn_test.ko loaded; the rig must report the WARN"
exit 0
