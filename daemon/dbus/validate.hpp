// SPDX-License-Identifier: GPL-2.0-only
// The service's argument checks, run before authorization and before the Api sees a request.
// Each error is EINVAL with a message naming the argument; the service replies InvalidArgs.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <string_view>

#include "control.hpp"
#include "result.hpp"

namespace fastmap::dbus {

// An absolute path shorter than PATH_MAX.
Result<void> validate_device_path(std::string_view path);
// An absolute path of at most kFilePathMax bytes (what the kernel records).
Result<void> validate_file_path(std::string_view path);
// A file instance's cache_bytes: >= FASTMAP_CACHE_MIN.
Result<void> validate_file_cache(std::uint64_t cache_bytes);
// Name, device, cache_bytes >= FASTMAP_CACHE_MIN, batch_pages (when set) in
// FASTMAP_BATCH_MIN..MAX.
Result<void> validate_attach(const AttachRequest& req);
// At least one parameter, each in its range (cache_bytes >= FASTMAP_CACHE_MIN, batch_pages,
// dirty_ratio and wb_interval_ms as control.hpp bounds them).
Result<void> validate_set(const SetRequest& req);

// SetParameters' a{sv} at the read position: keys cache_bytes (t), batch_pages (u),
// dirty_ratio (u), wb_interval_ms (u). An unknown key, a variant of another type or a key
// given twice is EINVAL naming it. Does not check the values (validate_set() does).
Result<SetRequest> read_set_params(sd_bus_message* m);

}  // namespace fastmap::dbus
