// SPDX-License-Identifier: GPL-2.0-only
// RAII owners for sd-bus objects: every reference the D-Bus code takes is released by one of
// these.
#pragma once

#include <systemd/sd-bus.h>

#include <memory>

namespace fastmap::dbus {

namespace detail {
struct BusUnref {
    void operator()(sd_bus* b) const { sd_bus_unref(b); }
};
struct BusFlushCloseUnref {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageUnref {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SlotUnref {
    void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
struct CredsUnref {
    void operator()(sd_bus_creds* c) const { sd_bus_creds_unref(c); }
};
}  // namespace detail

using BusPtr = std::unique_ptr<sd_bus, detail::BusUnref>;
// For connections this code opened: flushes queued messages and closes on release.
using OwnedBusPtr = std::unique_ptr<sd_bus, detail::BusFlushCloseUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, detail::MessageUnref>;
using SlotPtr = std::unique_ptr<sd_bus_slot, detail::SlotUnref>;
using CredsPtr = std::unique_ptr<sd_bus_creds, detail::CredsUnref>;

// An sd_bus_error that frees itself.
class BusError {
public:
    BusError() = default;
    ~BusError() { sd_bus_error_free(&e_); }
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;

    sd_bus_error* get() { return &e_; }
    const sd_bus_error* get() const { return &e_; }
    bool is_set() const { return sd_bus_error_is_set(&e_) > 0; }
    bool has_name(const char* name) const { return sd_bus_error_has_name(&e_, name) > 0; }
    const char* name() const { return e_.name != nullptr ? e_.name : ""; }
    const char* message() const { return e_.message != nullptr ? e_.message : ""; }

private:
    sd_bus_error e_ = SD_BUS_ERROR_NULL;
};

}  // namespace fastmap::dbus
