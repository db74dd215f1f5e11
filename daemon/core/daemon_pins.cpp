// SPDX-License-Identifier: GPL-2.0-only
// Daemon: the operator's pins survive a restart (pin_state.hpp). The engine keeps them in
// memory; the pin file is rewritten whenever they change and read back at start.
#include <algorithm>
#include <map>

#include "core/daemon.hpp"

namespace fastmap::daemon {

void Daemon::load_pins() {
    if (state_file_.empty()) {
        return;
    }
    const auto file = pin_file_beside(state_file_);
    PinStateLoad loaded = load_pin_state(file);
    for (const auto& warning : loaded.warnings) {
        log_.log(LogLevel::kWarning, "pin file " + warning);
    }
    pins_ = std::move(loaded.pins);
    std::string names;
    for (const PersistedPin& p : pins_) {
        engine_->pin(p.instance, p.cache, p.batch);
        names += (names.empty() ? "" : ", ") + p.instance + " (" +
                 (p.cache && p.batch ? "cache, batch"
                  : p.cache          ? "cache"
                                     : "batch") +
                 ")";
    }
    if (!names.empty()) {
        log_.log(LogLevel::kInfo, "operator pins restored from " + file.string() + ": " + names);
    }
}

void Daemon::save_pins() {
    if (state_file_.empty()) {
        return;
    }
    if (auto saved = save_pin_state(pin_file_beside(state_file_), pins_); !saved) {
        log_.log(LogLevel::kWarning,
                 "cannot save the operator's pins (a restarted fastmapd tunes them again): " +
                     saved.error().message);
    }
}

void Daemon::remember_pin(std::string_view name, std::uint32_t id) {
    PersistedPin pin{std::string(name), id, engine_->cache_pinned(name),
                     engine_->batch_pinned(name), format_utc(host_.realtime_us())};
    auto it = std::find_if(pins_.begin(), pins_.end(),
                           [&](const PersistedPin& p) { return p.instance == name; });
    if (it != pins_.end() && *it == pin) {
        return;
    }
    if (it != pins_.end()) {
        *it = std::move(pin);
    } else {
        pins_.push_back(std::move(pin));
    }
    save_pins();
}

void Daemon::forget_pin(std::string_view name) {
    if (std::erase_if(pins_, [&](const PersistedPin& p) { return p.instance == name; }) > 0) {
        save_pins();
    }
}

void Daemon::check_pins(const std::vector<InstanceInfo>& instances) {
    if (pins_.empty()) {
        return;
    }
    std::map<std::string_view, std::uint32_t> ids;
    for (const auto& info : instances) {
        ids.emplace(info.name, info.id);
    }
    std::vector<std::string> stale;
    for (const PersistedPin& p : pins_) {
        const auto it = ids.find(p.instance);
        if (it == ids.end() || it->second != p.id) {
            stale.push_back(p.instance);
        }
    }
    for (const std::string& name : stale) {
        engine_->unpin(name);
        forget_pin(name);
        log_.log(LogLevel::kInfo,
                 "pins of " + name + " dropped: the instance was detached" + " or attached again");
    }
}

}  // namespace fastmap::daemon
