// SPDX-License-Identifier: GPL-2.0-only
// DaemonClient: the connection and the call machinery.
#include "client.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "codec.hpp"
#include "errors.hpp"
#include "names.hpp"

namespace fastmap::dbus {
namespace {

std::uint64_t usec(std::chrono::seconds s) {
    return static_cast<std::uint64_t>(std::chrono::microseconds(s).count());
}

Result<OwnedBusPtr> open_bus(std::string_view address) {
    sd_bus* raw = nullptr;
    int r = 0;
    if (address.empty()) {
        r = sd_bus_open_system(&raw);
    } else {
        r = sd_bus_new(&raw);
        if (r >= 0) {
            r = sd_bus_set_address(raw, std::string(address).c_str());
        }
        if (r >= 0) {
            r = sd_bus_set_bus_client(raw, 1);
        }
        if (r >= 0) {
            r = sd_bus_start(raw);
        }
    }
    OwnedBusPtr bus(raw);
    if (r < 0) {
        return Error{ESRCH, std::string(kNotRunningMessage) + " (cannot connect to the " +
                                (address.empty() ? "system bus" : "bus") + ": " +
                                std::strerror(-r) + ")"};
    }
    return bus;
}

// Whether kBusName has an owner on bus.
Result<bool> name_has_owner(sd_bus* bus) {
    sd_bus_message* raw = nullptr;
    int r =
        sd_bus_message_new_method_call(bus, &raw, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner");
    MessagePtr m(raw);
    if (r >= 0) {
        r = sd_bus_message_append(m.get(), "s", kBusName);
    }
    BusError error;
    sd_bus_message* reply_raw = nullptr;
    if (r >= 0) {
        r = sd_bus_call(bus, m.get(), usec(DaemonClient::kReadTimeout), error.get(), &reply_raw);
    }
    MessagePtr reply(reply_raw);
    int has = 0;
    if (r >= 0) {
        r = sd_bus_message_read(reply.get(), "b", &has);
    }
    if (r < 0) {
        return error_from_bus(error.get(), r, "NameHasOwner");
    }
    return has != 0;
}

}  // namespace

DaemonClient::DaemonClient(sd_bus* bus, std::unique_ptr<Control> direct)
    : bus_(bus), direct_(std::move(direct)) {}

DaemonClient::~DaemonClient() = default;

Result<std::unique_ptr<DaemonClient>> DaemonClient::connect(std::unique_ptr<Control> direct,
                                                            std::string_view address) {
    auto bus = open_bus(address);
    if (!bus) {
        return std::move(bus).error();
    }
    auto has = name_has_owner(bus->get());
    if (!has) {
        return std::move(has).error();
    }
    if (!*has) {
        return Error{ESRCH, kNotRunningMessage};
    }
    return std::unique_ptr<DaemonClient>(new DaemonClient(bus->release(), std::move(direct)));
}

Result<MessagePtr> DaemonClient::invoke(const char* interface, const char* method, Kind kind,
                                        const Append& append) {
    sd_bus_message* raw = nullptr;
    int r =
        sd_bus_message_new_method_call(bus_.get(), &raw, kBusName, kObjectPath, interface, method);
    MessagePtr m(raw);
    if (r >= 0 && append) {
        r = append(m.get());
    }
    if (r >= 0 && kind == Kind::kMutation) {
        r = sd_bus_message_set_allow_interactive_authorization(m.get(), interactive_ ? 1 : 0);
    }
    if (r < 0) {
        return Error{
            -r, std::string("cannot build the D-Bus call ") + method + ": " + std::strerror(-r)};
    }
    BusError error;
    sd_bus_message* reply = nullptr;
    const auto timeout = kind == Kind::kMutation ? kMutationTimeout : kReadTimeout;
    r = sd_bus_call(bus_.get(), m.get(), usec(timeout), error.get(), &reply);
    MessagePtr owned(reply);
    if (r < 0) {
        return error_from_bus(error.get(), r, method);
    }
    return owned;
}

Result<MessagePtr> DaemonClient::call(const char* method, Kind kind, const Append& append) {
    return invoke(kInterface, method, kind, append);
}

Result<MessagePtr> DaemonClient::get_property(const char* property, const char* sig) {
    auto reply = invoke(kPropertiesInterface, "Get", Kind::kRead, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "ss", kInterface, property);
    });
    if (!reply) {
        return reply;
    }
    const int r = sd_bus_message_enter_container(reply->get(), 'v', sig);
    if (r <= 0) {
        return Error{EPROTO, std::string("fastmapd sent property ") + property +
                                 " with a type other than '" + sig + "'"};
    }
    return reply;
}

Result<InstanceInfo> DaemonClient::instance_reply(Result<MessagePtr> reply) {
    if (!reply) {
        return std::move(reply).error();
    }
    return read_instance(reply->get());
}

}  // namespace fastmap::dbus
