// SPDX-License-Identifier: GPL-2.0-only
#include "json.hpp"

namespace fastmap {

nlohmann::json stats_to_json(const Stats& stats) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& field : kStatFields) {
        j[std::string(field.key)] = stats.*field.member;
    }
    return j;
}

nlohmann::json instance_to_json(const InstanceInfo& info) {
    return nlohmann::json{
        {"name", info.name},
        {"device", info.device},
        {"dev", info.dev.str()},
        {"size_bytes", info.size_bytes},
        {"cache_bytes", info.cache_bytes},
        {"batch_pages", info.batch_pages},
        {"dirty_ratio", info.dirty_ratio},
        {"open_count", info.open_count},
        {"stats", stats_to_json(info.stats)},
    };
}

nlohmann::json list_to_json(const std::vector<InstanceInfo>& instances) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& info : instances) {
        arr.push_back(instance_to_json(info));
    }
    return nlohmann::json{{"instances", std::move(arr)}};
}

nlohmann::json stats_report_to_json(const InstanceInfo& info) {
    nlohmann::json j = instance_to_json(info);
    j["faults"] = info.stats.faults;
    j["hits"] = info.stats.hits;
    j["evictions"] = info.stats.evictions;
    j["shootdowns"] = info.stats.shootdowns;
    j["writeback_pages"] = info.stats.wb_pages;
    j["dirty_pages"] = info.stats.dirty_pages;
    return j;
}

}  // namespace fastmap
