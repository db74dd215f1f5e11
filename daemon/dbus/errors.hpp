// SPDX-License-Identifier: GPL-2.0-only
// Errors across the bus. The service replies to an Api failure with an error name that
// sd_bus_error_get_errno() maps back to the same errno, and the Api's message; it keeps
// InvalidArgs for its own argument checks and AccessDenied for authorization refusals. The
// client turns any error reply back into Error{errno, message}.
#pragma once

#include <systemd/sd-bus.h>

#include <string>
#include <string_view>

#include "result.hpp"

namespace fastmap::dbus {

// Service side; each returns the negative errno a method handler returns.
int set_api_error(sd_bus_error* e, const Error& err);
int set_invalid_args(sd_bus_error* e, const std::string& message);
int set_access_denied(sd_bus_error* e);

// Client side: the error of a failed call of what (e.g. "Attach"); r is sd_bus_call()'s result.
// AccessDenied -> kErrPermission with the daemon's message; ServiceUnknown / NameHasNoOwner ->
// ESRCH "fastmapd is not running"; NoReply / Timeout -> ETIMEDOUT; UnknownMethod and friends
// -> EOPNOTSUPP; anything else -> sd_bus_error_get_errno() (EIO if none) and the message.
Error error_from_bus(const sd_bus_error* e, int r, std::string_view what);

inline constexpr const char* kNotRunningMessage = "fastmapd is not running";

}  // namespace fastmap::dbus
