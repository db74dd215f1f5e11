// SPDX-License-Identifier: GPL-2.0-only
// Who may call the mutating methods. Reads need no authorization.
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <utility>

#include "log.hpp"
#include "result.hpp"

namespace fastmap::dbus {

class Authorizer {
public:
    virtual ~Authorizer() = default;
    // Whether the sender of the method call m may mutate. An error is a refusal too: the
    // service logs it and replies AccessDenied (fail closed).
    virtual Result<bool> may_mutate(sd_bus_message* m) = 0;
};

// Root (the sender's effective uid, from the bus and /proc) may; anyone else when polkit grants
// the action org.fastmap.manage. Polkit is asked synchronously on the bus m arrived on, with
// interaction allowed only when the caller allowed it
// (sd_bus_message_get_allow_interactive_authorization). No polkit, an error or a timeout
// refuses (and logs why).
class PolkitAuthorizer final : public Authorizer {
public:
    struct Options {
        std::chrono::microseconds timeout = std::chrono::seconds(5);
        // While an agent may be prompting for a password.
        std::chrono::microseconds interactive_timeout = std::chrono::seconds(25);
        LogFn log = log_to_stderr;
    };

    PolkitAuthorizer() : PolkitAuthorizer(Options{}) {}
    explicit PolkitAuthorizer(Options options) : options_(std::move(options)) {}

    Result<bool> may_mutate(sd_bus_message* m) override;

private:
    Result<bool> check_polkit(sd_bus_message* m, const char* sender);

    Options options_;
};

}  // namespace fastmap::dbus
