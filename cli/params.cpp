// SPDX-License-Identifier: GPL-2.0-only
#include "params.hpp"

#include <cerrno>

#include "fastmap.h"
#include "units.hpp"

namespace fastmap::cli {
namespace {

Error usage(std::string message) {
    return Error{EINVAL, std::move(message)};
}

std::string key_error(std::string_view key, const Error& e) {
    return std::string(key) + ": " + e.message;
}

std::string outside(std::string_view key, const std::string& value, std::uint64_t lo,
                    std::uint64_t hi, std::string_view unit) {
    return std::string(key) + ": " + value + " is outside " + std::to_string(lo) + ".." +
           std::to_string(hi) + std::string(unit);
}

// Parses one settable value into req.
Result<void> assign(SetRequest& req, std::string_view key, std::string_view value) {
    if (key == "cache") {
        auto bytes = parse_size(value);
        if (!bytes) {
            return usage(key_error(key, bytes.error()));
        }
        if (*bytes < FASTMAP_CACHE_MIN) {
            return usage("cache: " + format_bytes(*bytes) + " is below the minimum of " +
                         format_bytes(FASTMAP_CACHE_MIN));
        }
        req.cache_bytes = *bytes;
    } else if (key == "batch") {
        auto pages = parse_count(value);
        if (!pages) {
            return usage(key_error(key, pages.error()));
        }
        if (*pages < FASTMAP_BATCH_MIN || *pages > FASTMAP_BATCH_MAX) {
            return usage(outside(key, std::to_string(*pages), FASTMAP_BATCH_MIN, FASTMAP_BATCH_MAX,
                                 " pages"));
        }
        req.batch_pages = static_cast<std::uint32_t>(*pages);
    } else if (key == "dirty_ratio") {
        auto ratio = parse_percent(value);
        if (!ratio) {
            return usage(key_error(key, ratio.error()));
        }
        if (*ratio < kDirtyRatioMin || *ratio > kDirtyRatioMax) {
            return usage(
                outside(key, std::to_string(*ratio) + "%", kDirtyRatioMin, kDirtyRatioMax, "%"));
        }
        req.dirty_ratio = static_cast<std::uint32_t>(*ratio);
    } else if (key == "wb_interval") {
        auto ms = parse_duration_ms(value);
        if (!ms) {
            return usage(key_error(key, ms.error()));
        }
        if (*ms > kWbIntervalMaxMs) {
            return usage("wb_interval: " + std::string(value) + " is above the maximum of " +
                         format_duration_ms(kWbIntervalMaxMs) + " (" +
                         std::to_string(kWbIntervalMaxMs) + " ms)");
        }
        req.wb_interval_ms = static_cast<std::uint32_t>(*ms);
    }
    return {};
}

}  // namespace

using J = nlohmann::json;
using I = InstanceInfo;

const std::array<Param, 8> kParams{{
    {"id", "id", false, [](const I& i) { return std::to_string(i.id); },
     [](const I& i) { return J(i.id); }},
    {"device", "device", false, [](const I& i) { return i.device; },
     [](const I& i) { return J(i.device); }},
    {"dev", "dev", false, [](const I& i) { return i.dev.str(); },
     [](const I& i) { return J(i.dev.str()); }},
    {"size", "size_bytes", false, [](const I& i) { return format_bytes(i.size_bytes); },
     [](const I& i) { return J(i.size_bytes); }},
    {"cache", "cache_bytes", true, [](const I& i) { return format_bytes(i.cache_bytes); },
     [](const I& i) { return J(i.cache_bytes); }},
    {"batch", "batch_pages", true,
     [](const I& i) { return std::to_string(i.batch_pages) + " pages"; },
     [](const I& i) { return J(i.batch_pages); }},
    {"dirty_ratio", "dirty_ratio", true,
     [](const I& i) { return std::to_string(i.dirty_ratio) + "%"; },
     [](const I& i) { return J(i.dirty_ratio); }},
    {"wb_interval", "wb_interval_ms", true,
     [](const I& i) { return format_duration_ms(i.wb_interval_ms); },
     [](const I& i) { return J(i.wb_interval_ms); }},
}};

const Param* find_param(std::string_view key) {
    for (const auto& p : kParams) {
        if (p.key == key) {
            return &p;
        }
    }
    return nullptr;
}

std::string param_keys(bool settable_only) {
    std::string keys;
    for (const auto& p : kParams) {
        if (p.settable || !settable_only) {
            keys += (keys.empty() ? "" : ", ") + std::string(p.key);
        }
    }
    return keys;
}

Result<SetRequest> parse_assignments(const std::vector<std::string>& args) {
    if (args.empty()) {
        return usage("nothing to set: give KEY=VALUE with KEY one of " + param_keys(true));
    }
    SetRequest req;
    std::vector<std::string_view> seen;
    for (const std::string& arg : args) {
        const auto eq = arg.find('=');
        if (eq == std::string::npos) {
            return usage("'" + arg + "' is not KEY=VALUE (keys: " + param_keys(true) + ")");
        }
        const std::string_view key = std::string_view(arg).substr(0, eq);
        const std::string_view value = std::string_view(arg).substr(eq + 1);
        const Param* param = find_param(key);
        if (!param) {
            return usage("unknown key '" + std::string(key) + "' (keys: " + param_keys(true) + ")");
        }
        if (!param->settable) {
            return usage("key '" + std::string(key) + "' cannot be set (keys: " + param_keys(true) +
                         ")");
        }
        for (auto k : seen) {
            if (k == param->key) {
                return usage("key '" + std::string(key) + "' given twice");
            }
        }
        seen.push_back(param->key);
        if (value.empty()) {
            return usage(std::string(key) + ": empty value");
        }
        if (auto ok = assign(req, param->key, value); !ok) {
            return std::move(ok).error();
        }
    }
    return req;
}

}  // namespace fastmap::cli
