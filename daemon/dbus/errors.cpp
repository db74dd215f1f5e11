// SPDX-License-Identifier: GPL-2.0-only
#include "errors.hpp"

#include <cerrno>
#include <cstring>

#include "bus_ptr.hpp"
#include "control.hpp"
#include "names.hpp"

namespace fastmap::dbus {

int set_api_error(sd_bus_error* e, const Error& err) {
    const int code = err.code > 0 ? err.code : EIO;
    const std::string message = err.message.empty() ? std::strerror(code) : err.message;
    // sd-bus's own name for the errno, unless it maps back to another errno (EPERM and EACCES
    // share AccessDenied), is a name this service keeps for its own refusals, or one the
    // client reads as a transport problem (error_from_bus()).
    BusError probe;
    sd_bus_error_set_errno(probe.get(), code);
    std::string name = probe.name();
    if (sd_bus_error_get_errno(probe.get()) != code ||
        sd_bus_error_has_names(probe.get(), SD_BUS_ERROR_ACCESS_DENIED, SD_BUS_ERROR_INVALID_ARGS,
                               SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                               SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
                               SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_OBJECT,
                               SD_BUS_ERROR_UNKNOWN_INTERFACE, SD_BUS_ERROR_UNKNOWN_PROPERTY)) {
        const char* symbol = strerrorname_np(code);
        name = std::string("System.Error.") + (symbol != nullptr ? symbol : "EIO");
    }
    return sd_bus_error_set(e, name.c_str(), message.c_str());
}

int set_invalid_args(sd_bus_error* e, const std::string& message) {
    return sd_bus_error_set(e, SD_BUS_ERROR_INVALID_ARGS, message.c_str());
}

int set_access_denied(sd_bus_error* e) {
    return sd_bus_error_set(e, SD_BUS_ERROR_ACCESS_DENIED, kAccessDeniedMessage);
}

Error error_from_bus(const sd_bus_error* e, int r, std::string_view what) {
    const std::string call(what);
    if (sd_bus_error_is_set(e) <= 0) {
        const int code = r < 0 ? -r : EIO;
        return Error{code, "D-Bus call " + call + " failed: " + std::strerror(code)};
    }
    const std::string message = e->message != nullptr && *e->message != '\0'
                                    ? std::string(e->message)
                                    : std::string(e->name);
    if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
        return Error{kErrPermission, message};
    }
    if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
        return Error{ESRCH, kNotRunningMessage};
    }
    if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT)) {
        return Error{ETIMEDOUT, "fastmapd did not answer " + call + " in time"};
    }
    if (sd_bus_error_has_names(e, SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_OBJECT,
                               SD_BUS_ERROR_UNKNOWN_INTERFACE, SD_BUS_ERROR_UNKNOWN_PROPERTY)) {
        return Error{EOPNOTSUPP, "fastmapd does not offer " + call + " (" + message + ")"};
    }
    const int code = sd_bus_error_get_errno(e);
    return Error{code > 0 ? code : EIO, message};
}

}  // namespace fastmap::dbus
