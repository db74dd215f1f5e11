// SPDX-License-Identifier: GPL-2.0-only
#include "engine/trace.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <limits>
#include <string>

#include "engine/proc_file.hpp"
#include "json.hpp"

namespace fastmap::daemon {
namespace {

using nlohmann::json;

struct CounterField {
    std::string_view key;
    std::uint64_t telemetry::InstanceCounters::*member;
};

using IC = telemetry::InstanceCounters;
constexpr std::array<CounterField, 14> kCounterFields{{
    {"faults", &IC::faults},
    {"hits", &IC::hits},
    {"misses", &IC::misses},
    {"writes", &IC::writes},
    {"fault_ns", &IC::fault_ns},
    {"evict_batches", &IC::evict_batches},
    {"evicted_pages", &IC::evicted_pages},
    {"shootdown_rounds", &IC::shootdown_rounds},
    {"evict_ns", &IC::evict_ns},
    {"wb_rounds", &IC::wb_rounds},
    {"wb_pages", &IC::wb_pages},
    {"wb_bytes", &IC::wb_bytes},
    {"wb_errors", &IC::wb_errors},
    {"wb_ns", &IC::wb_ns},
}};

json counters_to_json(const IC& c) {
    json j{{"id", c.id}};
    for (const CounterField& f : kCounterFields) {
        j[std::string(f.key)] = c.*f.member;
    }
    return j;
}

json histogram_to_json(const telemetry::Histogram& h) {
    json arr = json::array();
    for (std::size_t i = 0; i < telemetry::Histogram::kSlots; ++i) {
        if (h.slots[i] != 0) {
            arr.push_back(json::array({i, h.slots[i]}));
        }
    }
    return arr;
}

json file_key_json(const FileKey& key) {
    return json{{"dev", key.dev.str()}, {"ino", key.ino}};
}

// --- reading: every helper names the offending key ("instances[0].info.id") ---

Error bad(const std::string& where, std::string_view what) {
    return Error{EINVAL, where + ": " + std::string(what)};
}

std::string at(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
}

std::string at(const std::string& where, std::size_t index) {
    return where + "[" + std::to_string(index) + "]";
}

// The member `key` of obj, or nullptr when absent or null.
const json* member(const json& obj, std::string_view key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

template <typename T>
Result<void> read_uint(const json& obj, std::string_view key, const std::string& where, T& out) {
    const json* v = member(obj, key);
    if (v == nullptr) {
        return ok();
    }
    if (!v->is_number_unsigned() || v->get<std::uint64_t>() > std::numeric_limits<T>::max()) {
        return bad(at(where, key), "expected an unsigned integer in range");
    }
    out = static_cast<T>(v->get<std::uint64_t>());
    return ok();
}

Result<void> read_string(const json& obj, std::string_view key, const std::string& where,
                         std::string& out) {
    const json* v = member(obj, key);
    if (v == nullptr) {
        return ok();
    }
    if (!v->is_string()) {
        return bad(at(where, key), "expected a string");
    }
    out = v->get<std::string>();
    return ok();
}

Result<void> read_double(const json& obj, std::string_view key, const std::string& where,
                         std::optional<double>& out) {
    const json* v = member(obj, key);
    if (v == nullptr) {
        out.reset();
        return ok();
    }
    if (!v->is_number()) {
        return bad(at(where, key), "expected a number");
    }
    out = v->get<double>();
    return ok();
}

// "8:16" (decimal, as DevId::str() writes it).
Result<void> read_dev(const json& obj, std::string_view key, const std::string& where, DevId& out) {
    std::string text;
    if (auto r = read_string(obj, key, where, text); !r) {
        return r;
    }
    if (text.empty() && member(obj, key) == nullptr) {
        return ok();
    }
    const auto colon = text.find(':');
    const char* end = text.data() + text.size();
    DevId dev;
    bool good = colon != std::string::npos;
    if (good) {
        auto a = std::from_chars(text.data(), text.data() + colon, dev.major);
        auto b = std::from_chars(text.data() + colon + 1, end, dev.minor);
        good = a.ec == std::errc() && a.ptr == text.data() + colon && b.ec == std::errc() &&
               b.ptr == end && colon > 0;
    }
    if (!good) {
        return bad(at(where, key), "expected \"MAJOR:MINOR\"");
    }
    out = dev;
    return ok();
}

Result<void> read_file_key(const json& obj, const std::string& where, FileKey& key) {
    if (auto r = read_dev(obj, "dev", where, key.dev); !r) {
        return r;
    }
    return read_uint(obj, "ino", where, key.ino);
}

Result<void> read_object(const json& obj, std::string_view key, const std::string& where,
                         const json*& out) {
    out = member(obj, key);
    if (out != nullptr && !out->is_object()) {
        return bad(at(where, key), "expected an object");
    }
    return ok();
}

Result<void> read_array(const json& obj, std::string_view key, const std::string& where,
                        const json*& out) {
    out = member(obj, key);
    if (out != nullptr && !out->is_array()) {
        return bad(at(where, key), "expected an array");
    }
    return ok();
}

// Evaluates each Result<void> expression, returning the first error.
#define TRY(expr)                         \
    do {                                  \
        if (auto r_ = (expr); !r_) {      \
            return std::move(r_).error(); \
        }                                 \
    } while (0)

Result<void> read_info(const json& j, const std::string& where, InstanceInfo& info) {
    TRY(read_string(j, "name", where, info.name));
    TRY(read_uint(j, "id", where, info.id));
    TRY(read_string(j, "device", where, info.device));
    TRY(read_dev(j, "dev", where, info.dev));
    TRY(read_uint(j, "size_bytes", where, info.size_bytes));
    TRY(read_uint(j, "cache_bytes", where, info.cache_bytes));
    TRY(read_uint(j, "batch_pages", where, info.batch_pages));
    TRY(read_uint(j, "dirty_ratio", where, info.dirty_ratio));
    TRY(read_uint(j, "wb_interval_ms", where, info.wb_interval_ms));
    TRY(read_uint(j, "open_count", where, info.open_count));
    const json* stats = nullptr;
    TRY(read_object(j, "stats", where, stats));
    if (stats != nullptr) {
        for (const StatField& f : kStatFields) {
            TRY(read_uint(*stats, f.key, at(where, "stats"), info.stats.*f.member));
        }
    }
    return ok();
}

Result<void> read_histogram(const json& j, std::string_view key, const std::string& where,
                            std::optional<telemetry::Histogram>& out) {
    const json* arr = nullptr;
    TRY(read_array(j, key, where, arr));
    if (arr == nullptr) {
        out.reset();
        return ok();
    }
    telemetry::Histogram h;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const json& pair = (*arr)[i];
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned() ||
            !pair[1].is_number_unsigned() ||
            pair[0].get<std::uint64_t>() >= telemetry::Histogram::kSlots) {
            return bad(at(at(where, key), i), "expected [slot (0..63), count]");
        }
        h.slots[pair[0].get<std::size_t>()] += pair[1].get<std::uint64_t>();
    }
    out = h;
    return ok();
}

Result<void> read_instance(const json& j, const std::string& where, InstanceObservation& inst) {
    if (!j.is_object()) {
        return bad(where, "expected an object");
    }
    const json* info = nullptr;
    TRY(read_object(j, "info", where, info));
    if (info == nullptr) {
        return bad(at(where, "info"), "missing");
    }
    TRY(read_info(*info, at(where, "info"), inst.info));
    const json* counters = nullptr;
    TRY(read_object(j, "counters", where, counters));
    if (counters != nullptr) {
        IC c;
        TRY(read_uint(*counters, "id", at(where, "counters"), c.id));
        for (const CounterField& f : kCounterFields) {
            TRY(read_uint(*counters, f.key, at(where, "counters"), c.*f.member));
        }
        inst.counters = c;
    }
    TRY(read_histogram(j, "fault_latency", where, inst.fault_latency));
    TRY(read_histogram(j, "evict_latency", where, inst.evict_latency));
    return ok();
}

Result<void> read_lists(const json& j, Observation& obs) {
    const json* arr = nullptr;
    TRY(read_array(j, "instances", "", arr));
    for (std::size_t i = 0; arr != nullptr && i < arr->size(); ++i) {
        TRY(read_instance((*arr)[i], at("instances", i), obs.instances.emplace_back()));
    }
    TRY(read_array(j, "files", "", arr));
    for (std::size_t i = 0; arr != nullptr && i < arr->size(); ++i) {
        const json& f = (*arr)[i];
        const std::string where = at("files", i);
        if (!f.is_object()) {
            return bad(where, "expected an object");
        }
        FileObservation& file = obs.files.emplace_back();
        TRY(read_file_key(f, where, file.key));
        TRY(read_uint(f, "faults", where, file.faults));
    }
    TRY(read_array(j, "enabled_files", "", arr));
    for (std::size_t i = 0; arr != nullptr && i < arr->size(); ++i) {
        const json& f = (*arr)[i];
        const std::string where = at("enabled_files", i);
        if (!f.is_object()) {
            return bad(where, "expected an object");
        }
        FileEntry& entry = obs.enabled_files.emplace_back();
        TRY(read_file_key(f, where, entry.key));
        TRY(read_string(f, "path", where, entry.path));
    }
    return ok();
}

}  // namespace

json observation_to_json(const Observation& obs) {
    json mem{{"total_bytes", obs.mem.total_bytes}, {"available_bytes", obs.mem.available_bytes}};
    if (obs.mem.psi_some_avg10) {
        mem["psi_some_avg10"] = *obs.mem.psi_some_avg10;
    }
    if (obs.mem.psi_full_avg10) {
        mem["psi_full_avg10"] = *obs.mem.psi_full_avg10;
    }
    json instances = json::array();
    for (const InstanceObservation& inst : obs.instances) {
        json i{{"info", instance_to_json(inst.info)}};
        if (inst.counters) {
            i["counters"] = counters_to_json(*inst.counters);
        }
        if (inst.fault_latency) {
            i["fault_latency"] = histogram_to_json(*inst.fault_latency);
        }
        if (inst.evict_latency) {
            i["evict_latency"] = histogram_to_json(*inst.evict_latency);
        }
        instances.push_back(std::move(i));
    }
    json files = json::array();
    for (const FileObservation& file : obs.files) {
        json f = file_key_json(file.key);
        f["faults"] = file.faults;
        files.push_back(std::move(f));
    }
    json enabled = json::array();
    for (const FileEntry& entry : obs.enabled_files) {
        json f = file_key_json(entry.key);
        f["path"] = entry.path;
        enabled.push_back(std::move(f));
    }
    return json{{"now_ms", obs.now_ms},
                {"mem", std::move(mem)},
                {"instances", std::move(instances)},
                {"files", std::move(files)},
                {"enabled_files", std::move(enabled)}};
}

Result<Observation> observation_from_json(const json& j) {
    if (!j.is_object()) {
        return bad("observation", "expected an object");
    }
    Observation obs;
    TRY(read_uint(j, "now_ms", "", obs.now_ms));
    const json* mem = nullptr;
    TRY(read_object(j, "mem", "", mem));
    if (mem != nullptr) {
        TRY(read_uint(*mem, "total_bytes", "mem", obs.mem.total_bytes));
        TRY(read_uint(*mem, "available_bytes", "mem", obs.mem.available_bytes));
        TRY(read_double(*mem, "psi_some_avg10", "mem", obs.mem.psi_some_avg10));
        TRY(read_double(*mem, "psi_full_avg10", "mem", obs.mem.psi_full_avg10));
    }
    TRY(read_lists(j, obs));
    return obs;
}

#undef TRY

Result<std::vector<Observation>> parse_trace(std::string_view text) {
    std::vector<Observation> out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) {
            return Error{EINVAL, "line " + std::to_string(line_no) + ": invalid JSON"};
        }
        auto obs = observation_from_json(j);
        if (!obs) {
            return Error{EINVAL, "line " + std::to_string(line_no) + ": " + obs.error().message};
        }
        out.push_back(std::move(obs).value());
    }
    return out;
}

Result<std::vector<Observation>> read_trace(const std::filesystem::path& path) {
    auto text = read_text_file(path);
    if (!text) {
        return std::move(text).error();
    }
    auto trace = parse_trace(*text);
    if (!trace) {
        return Error{trace.error().code, path.string() + ": " + trace.error().message};
    }
    return trace;
}

}  // namespace fastmap::daemon
