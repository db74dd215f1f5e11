// SPDX-License-Identifier: GPL-2.0-only
#include "rates_json.hpp"

#include "json.hpp"
#include "verb_daemon.hpp"

namespace fastmap::cli {
namespace {

nlohmann::json percent_or_null(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return nullptr;
    }
    return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

nlohmann::json ns_or_null(const std::optional<std::uint64_t>& ns) {
    return ns ? nlohmann::json(*ns) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json rates_to_json(const std::optional<Rates>& rates) {
    if (!rates) {
        return nullptr;
    }
    const Rates& r = *rates;
    return {{"faults_per_s", r.faults},
            {"hits_per_s", r.hits},
            {"misses_per_s", r.misses},
            {"evictions_per_s", r.evictions},
            {"shootdowns_per_s", r.shootdowns},
            {"wb_pages_per_s", r.wb_pages},
            {"read_ios_per_s", r.read_ios},
            {"wb_bios_per_s", r.wb_bios},
            {"iops", iops(r)}};
}

nlohmann::json instance_sample_to_json(const InstanceSample& sample) {
    const InstanceInfo& info = sample.info;
    const Stats& s = info.stats;
    nlohmann::json j{{"name", info.name},
                     {"id", info.id},
                     {"device", info.device},
                     {"dev", info.dev.str()},
                     {"cache_bytes", info.cache_bytes},
                     {"dirty_bytes", s.dirty_pages * page_size(info)},
                     {"cached_bytes", s.cached_pages * page_size(info)},
                     {"used_percent", percent_or_null(s.cached_pages, s.cache_pages)},
                     {"rates", rates_to_json(sample.rates)}};
    j["hit_percent"] = sample.rates
                           ? percent_or_null(sample.rates->delta_hits, sample.rates->delta_faults)
                           : nlohmann::json(nullptr);
    if (info.file) {
        j["file"] = instance_to_json(info)["file"];
    }
    return j;
}

nlohmann::json top_frame_to_json(const TopFrame& frame) {
    nlohmann::json instances = nlohmann::json::array();
    for (const auto& sample : frame.instances) {
        nlohmann::json j = instance_sample_to_json(sample);
        j["fault_latency_ns"] = {{"p50", ns_or_null(sample.p50_ns)},
                                 {"p99", ns_or_null(sample.p99_ns)}};
        instances.push_back(std::move(j));
    }
    nlohmann::json latency{{"available", frame.latency_available}};
    if (!frame.latency_available) {
        latency["reason"] = frame.latency_reason;
    }
    nlohmann::json files = nullptr;
    if (frame.files) {
        files = {{"count", frame.files->size()}, {"files", files_to_json(*frame.files)["files"]}};
    }
    nlohmann::json daemon{{"running", frame.daemon_running}};
    if (frame.daemon_running) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& rec : frame.decisions) {
            list.push_back(decision_to_json(rec));
        }
        daemon["decisions"] = std::move(list);
        if (!frame.daemon_error.empty()) {
            daemon["error"] = frame.daemon_error;
        }
    }
    return {{"interval_s", frame.interval_s},
            {"instances", std::move(instances)},
            {"fault_latency", std::move(latency)},
            {"enabled_files", std::move(files)},
            {"fastmapd", std::move(daemon)}};
}

nlohmann::json watch_sample_to_json(double time_s, const std::vector<InstanceSample>& samples) {
    nlohmann::json instances = nlohmann::json::array();
    for (const auto& sample : samples) {
        instances.push_back(instance_sample_to_json(sample));
    }
    return {{"time_s", time_s}, {"instances", std::move(instances)}};
}

}  // namespace fastmap::cli
