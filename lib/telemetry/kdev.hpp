// SPDX-License-Identifier: GPL-2.0-only
// The kernel-internal dev_t the BPF maps use (sb->s_dev, as the filemap tracepoints record it):
// major << 20 | minor. stat(2)'s st_dev and netlink's FASTMAP_A_FILE_DEV use a different packing
// (new_encode_dev, see fastmap::encode_dev); convert through DevId.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "control.hpp"

namespace fastmap::telemetry {

DevId kdev_decode(std::uint32_t kdev);
// Minors above 20 bits do not fit and are truncated, as in the kernel's MKDEV().
std::uint32_t kdev_encode(DevId dev);
// st_dev of stat(2) -> the kernel-internal form.
std::uint32_t kdev_from_st_dev(dev_t st_dev);

}  // namespace fastmap::telemetry
