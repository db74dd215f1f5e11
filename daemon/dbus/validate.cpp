// SPDX-License-Identifier: GPL-2.0-only
#include "validate.hpp"

#include <linux/limits.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "fastmap.h"
#include "units.hpp"

namespace fastmap::dbus {
namespace {

Error invalid(std::string message) {
    return Error{EINVAL, std::move(message)};
}

Result<void> validate_path(std::string_view what, std::string_view path, std::size_t max) {
    if (path.empty()) {
        return invalid(std::string(what) + " path is empty");
    }
    if (path.front() != '/') {
        return invalid(std::string(what) + " path must be absolute: '" + std::string(path) + "'");
    }
    if (path.size() > max) {
        return invalid(std::string(what) + " path is longer than " + std::to_string(max) +
                       " bytes");
    }
    return {};
}

template <typename T>
Result<void> check_range(std::string_view key, T value, T min, T max) {
    if (value < min || value > max) {
        return invalid(std::string(key) + " " + std::to_string(value) + " is out of range (" +
                       std::to_string(min) + ".." + std::to_string(max) + ")");
    }
    return {};
}

Result<void> check_cache(std::uint64_t bytes) {
    if (bytes < FASTMAP_CACHE_MIN) {
        return invalid("cache_bytes " + std::to_string(bytes) + " is below the minimum of " +
                       std::to_string(FASTMAP_CACHE_MIN) + " (" + format_bytes(FASTMAP_CACHE_MIN) +
                       ")");
    }
    return {};
}

Result<void> check_batch(std::uint32_t batch) {
    return check_range<std::uint32_t>("batch_pages", batch, FASTMAP_BATCH_MIN, FASTMAP_BATCH_MAX);
}

constexpr std::string_view kKnownKeys = "cache_bytes, batch_pages, dirty_ratio, wb_interval_ms";

// The variant at the read position into *slot, when it has type sig.
template <typename T>
Result<void> read_param(sd_bus_message* m, std::string_view key, const char* contents,
                        const char* sig, std::optional<T>* slot) {
    if (slot->has_value()) {
        return invalid("parameter '" + std::string(key) + "' given twice");
    }
    if (std::strcmp(contents, sig) != 0) {
        return invalid("parameter '" + std::string(key) + "' must be a variant of type '" + sig +
                       "', not '" + contents + "'");
    }
    T value{};
    if (const int r = sd_bus_message_read(m, "v", sig, &value); r < 0) {
        return Error{-r, "cannot read parameter '" + std::string(key) + "'"};
    }
    *slot = value;
    return {};
}

}  // namespace

Result<void> validate_device_path(std::string_view path) {
    return validate_path("device", path, PATH_MAX - 1);
}

Result<void> validate_file_path(std::string_view path) {
    return validate_path("file", path, kFilePathMax);
}

Result<void> validate_file_cache(std::uint64_t cache_bytes) {
    return check_cache(cache_bytes);
}

Result<void> validate_attach(const AttachRequest& req) {
    if (auto r = validate_name(req.name); !r) {
        return r;
    }
    if (auto r = validate_device_path(req.device); !r) {
        return r;
    }
    if (auto r = check_cache(req.cache_bytes); !r) {
        return r;
    }
    if (req.batch_pages) {
        return check_batch(*req.batch_pages);
    }
    return {};
}

Result<void> validate_set(const SetRequest& req) {
    if (req.empty()) {
        return invalid("no parameter to set (known: " + std::string(kKnownKeys) + ")");
    }
    if (req.cache_bytes) {
        if (auto r = check_cache(*req.cache_bytes); !r) {
            return r;
        }
    }
    if (req.batch_pages) {
        if (auto r = check_batch(*req.batch_pages); !r) {
            return r;
        }
    }
    if (req.dirty_ratio) {
        if (auto r = check_range("dirty_ratio", *req.dirty_ratio, kDirtyRatioMin, kDirtyRatioMax);
            !r) {
            return r;
        }
    }
    if (req.wb_interval_ms) {
        return check_range<std::uint32_t>("wb_interval_ms", *req.wb_interval_ms, 0,
                                          kWbIntervalMaxMs);
    }
    return {};
}

Result<SetRequest> read_set_params(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r <= 0) {
        return invalid("parameters must be an a{sv} dictionary");
    }
    SetRequest req;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        const char* contents = nullptr;
        r = sd_bus_message_read(m, "s", &key);
        if (r >= 0) {
            r = sd_bus_message_peek_type(m, nullptr, &contents);
        }
        if (r <= 0 || contents == nullptr) {
            return invalid("malformed parameter dictionary");
        }
        const std::string_view k(key);
        Result<void> read = ok();
        if (k == "cache_bytes") {
            read = read_param(m, k, contents, "t", &req.cache_bytes);
        } else if (k == "batch_pages") {
            read = read_param(m, k, contents, "u", &req.batch_pages);
        } else if (k == "dirty_ratio") {
            read = read_param(m, k, contents, "u", &req.dirty_ratio);
        } else if (k == "wb_interval_ms") {
            read = read_param(m, k, contents, "u", &req.wb_interval_ms);
        } else {
            return invalid("unknown parameter '" + std::string(k) +
                           "' (known: " + std::string(kKnownKeys) + ")");
        }
        if (!read) {
            return std::move(read).error();
        }
        if ((r = sd_bus_message_exit_container(m)) < 0) {
            return invalid("malformed parameter dictionary");
        }
    }
    if (r < 0 || sd_bus_message_exit_container(m) < 0) {
        return invalid("malformed parameter dictionary");
    }
    return req;
}

}  // namespace fastmap::dbus
