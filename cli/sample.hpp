// SPDX-License-Identifier: GPL-2.0-only
// One sample of the instances the monitoring verbs look at.
#pragma once

#include <string>
#include <vector>

#include "control.hpp"
#include "result.hpp"

namespace fastmap::cli {

// Every instance (name empty) or the named one.
inline Result<std::vector<InstanceInfo>> sample_instances(Control& ctl, const std::string& name) {
    if (name.empty()) {
        return ctl.list();
    }
    auto info = ctl.get(name);
    if (!info) {
        return std::move(info).error();
    }
    return std::vector<InstanceInfo>{std::move(*info)};
}

// The instance of the same name in an earlier sample, or nullptr.
inline const InstanceInfo* find_instance(const std::vector<InstanceInfo>& sample,
                                         const std::string& name) {
    for (const auto& info : sample) {
        if (info.name == name) {
            return &info;
        }
    }
    return nullptr;
}

}  // namespace fastmap::cli
