// SPDX-License-Identifier: GPL-2.0-only
#include "telemetry/kdev.hpp"

#include <sys/sysmacros.h>

#include "fastmap_tp.h"

namespace fastmap::telemetry {

DevId kdev_decode(std::uint32_t kdev) {
    return DevId{fm_kdev_major(kdev), fm_kdev_minor(kdev)};
}

std::uint32_t kdev_encode(DevId dev) {
    return fm_kdev_make(dev.major, dev.minor);
}

std::uint32_t kdev_from_st_dev(dev_t st_dev) {
    return kdev_encode(DevId{major(st_dev), minor(st_dev)});
}

}  // namespace fastmap::telemetry
