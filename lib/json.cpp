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
    nlohmann::json j{
        {"name", info.name},
        {"id", info.id},
        {"device", info.device},
        {"dev", info.dev.str()},
        {"size_bytes", info.size_bytes},
        {"cache_bytes", info.cache_bytes},
        {"batch_pages", info.batch_pages},
        {"dirty_ratio", info.dirty_ratio},
        {"wb_interval_ms", info.wb_interval_ms},
        {"open_count", info.open_count},
        {"stats", stats_to_json(info.stats)},
    };
    if (info.file) {
        j["file"] = nlohmann::json{
            {"path", info.file->path},
            {"dev", info.file->key.dev.str()},
            {"ino", info.file->key.ino},
        };
    }
    return j;
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

nlohmann::json file_entry_to_json(const FileEntry& entry) {
    nlohmann::json j{
        {"dev", entry.key.dev.str()},
        {"ino", entry.key.ino},
        {"path", entry.path},
        {"instance", entry.instance},
    };
    if (entry.cache_bytes) {
        j["cache_bytes"] = *entry.cache_bytes;
    }
    return j;
}

nlohmann::json files_to_json(const std::vector<FileEntry>& files) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& entry : files) {
        arr.push_back(file_entry_to_json(entry));
    }
    return nlohmann::json{{"files", std::move(arr)}};
}

nlohmann::json event_to_json(const Event& event) {
    const std::string_view type = event_type_name(event.type);
    nlohmann::json j{
        {"event", type.empty() ? "unknown" : std::string(type)},
        {"name", event.name},
        {"value", event.value},
    };
    if (type.empty()) {
        j["code"] = static_cast<std::uint32_t>(event.type);
    }
    return j;
}

}  // namespace fastmap
