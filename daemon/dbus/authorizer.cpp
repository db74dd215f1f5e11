// SPDX-License-Identifier: GPL-2.0-only
#include "authorizer.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "bus_ptr.hpp"
#include "names.hpp"

namespace fastmap::dbus {
namespace {

constexpr const char* kPolkitName = "org.freedesktop.PolicyKit1";
constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kPolkitInterface = "org.freedesktop.PolicyKit1.Authority";
constexpr std::uint32_t kAllowUserInteraction = 1;

}  // namespace

Result<bool> PolkitAuthorizer::may_mutate(sd_bus_message* m) {
    sd_bus_creds* raw = nullptr;
    int r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &raw);
    CredsPtr creds(raw);
    if (r < 0) {
        return Error{-r, std::string("cannot get the caller's credentials: ") + std::strerror(-r)};
    }
    uid_t euid = 0;
    r = sd_bus_creds_get_euid(creds.get(), &euid);
    if (r < 0) {
        return Error{-r, std::string("cannot get the caller's uid: ") + std::strerror(-r)};
    }
    if (euid == 0) {
        return true;
    }
    const char* sender = sd_bus_message_get_sender(m);
    if (sender == nullptr) {
        // A direct (peer-to-peer) connection has no bus name polkit could check.
        return Error{EPERM, "uid " + std::to_string(euid) + " has no bus name to ask polkit for"};
    }
    return check_polkit(m, sender);
}

Result<bool> PolkitAuthorizer::check_polkit(sd_bus_message* m, const char* sender) {
    sd_bus* bus = sd_bus_message_get_bus(m);
    const bool interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus, &raw, kPolkitName, kPolkitPath, kPolkitInterface,
                                           "CheckAuthorization");
    MessagePtr call(raw);
    if (r >= 0) {
        // subject (sa{sv}), action_id s, details a{ss}, flags u, cancellation_id s
        r = sd_bus_message_append(call.get(), "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                  sender, kManageAction, 0,
                                  interactive ? kAllowUserInteraction : 0U, "");
    }
    if (r < 0) {
        return Error{-r, std::string("cannot build the polkit request: ") + std::strerror(-r)};
    }
    BusError error;
    sd_bus_message* reply_raw = nullptr;
    const auto timeout = interactive ? options_.interactive_timeout : options_.timeout;
    r = sd_bus_call(bus, call.get(), static_cast<std::uint64_t>(timeout.count()), error.get(),
                    &reply_raw);
    MessagePtr reply(reply_raw);
    if (r < 0) {
        if (options_.log) {
            options_.log(std::string("refusing ") + sender +
                         ": polkit CheckAuthorization failed: " +
                         (error.is_set() ? std::string(error.name()) + ": " + error.message()
                                         : std::string(std::strerror(-r))));
        }
        return false;
    }
    int authorized = 0;
    int challenge = 0;
    r = sd_bus_message_enter_container(reply.get(), 'r', "bba{ss}");
    if (r > 0) {
        r = sd_bus_message_read(reply.get(), "bb", &authorized, &challenge);
    }
    if (r <= 0) {
        if (options_.log) {
            options_.log(std::string("refusing ") + sender + ": malformed polkit reply");
        }
        return false;
    }
    if (!authorized && options_.log) {
        options_.log(std::string("polkit refused ") + kManageAction + " to " + sender +
                     (challenge && !interactive
                          ? " (authentication required; the caller did not allow "
                            "interactive authorization)"
                          : ""));
    }
    return authorized != 0;
}

}  // namespace fastmap::dbus
