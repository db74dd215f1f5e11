// SPDX-License-Identifier: GPL-2.0-only
#include "core/pin_state.hpp"

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "core/file_state.hpp"
#include "read_file.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr std::size_t kMaxPinFileSize = 1 << 20;

bool flag(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

Result<PersistedPin> parse_entry(const json& j) {
    if (!j.is_object()) {
        return Error{EINVAL, "not an object"};
    }
    PersistedPin p;
    const auto name = j.find("instance");
    if (name == j.end() || !name->is_string() || name->get<std::string>().empty()) {
        return Error{EINVAL, "\"instance\" is not a name"};
    }
    p.instance = name->get<std::string>();
    const auto id = j.find("id");
    if (id == j.end() || !id->is_number_unsigned() || id->get<std::uint64_t>() > UINT32_MAX) {
        return Error{EINVAL, p.instance + ": \"id\" is not an instance id"};
    }
    p.id = id->get<std::uint32_t>();
    p.cache = flag(j, "cache");
    p.batch = flag(j, "batch");
    if (!p.cache && !p.batch) {
        return Error{EINVAL, p.instance + ": pins neither \"cache\" nor \"batch\""};
    }
    if (const auto time = j.find("time"); time != j.end() && time->is_string()) {
        p.time = time->get<std::string>();
    }
    return p;
}

}  // namespace

fs::path pin_file_beside(const fs::path& state_file) {
    return state_file.parent_path() / "pins.json";
}

PinStateLoad parse_pin_state(std::string_view text, std::string_view name) {
    PinStateLoad out;
    const std::string where(name);
    auto corrupt = [&](const std::string& why) {
        out.pins.clear();
        out.corrupt = true;
        out.warnings.push_back(where + ": " + why);
        return out;
    };
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return corrupt("not a JSON object");
    }
    if (const auto v = doc.find("version");
        v == doc.end() || !v->is_number_unsigned() || v->get<std::uint64_t>() != kFormatVersion) {
        return corrupt("\"version\" is not 1");
    }
    const auto pins = doc.find("pins");
    if (pins == doc.end() || !pins->is_array()) {
        return corrupt("\"pins\" is not an array");
    }
    for (std::size_t i = 0; i < pins->size(); ++i) {
        auto entry = parse_entry((*pins)[i]);
        const bool duplicate =
            entry && std::any_of(out.pins.begin(), out.pins.end(), [&](const PersistedPin& p) {
                return p.instance == entry->instance;
            });
        if (!entry || duplicate) {
            out.warnings.push_back(
                where + ": pins[" + std::to_string(i) + "] skipped: " +
                (entry ? entry->instance + " is listed twice" : entry.error().message));
            continue;
        }
        out.pins.push_back(std::move(*entry));
    }
    return out;
}

PinStateLoad load_pin_state(const fs::path& file) {
    auto text = read_small_file(file, kMaxPinFileSize);
    if (!text) {
        PinStateLoad out;
        if (text.error().code != ENOENT) {
            out.warnings.push_back(file.string() + ": cannot read: " + text.error().message);
        }
        return out;
    }
    return parse_pin_state(*text, file.string());
}

std::string pin_state_text(const std::vector<PersistedPin>& pins) {
    json entries = json::array();
    for (const auto& p : pins) {
        entries.push_back(json{{"instance", p.instance},
                               {"id", p.id},
                               {"cache", p.cache},
                               {"batch", p.batch},
                               {"time", p.time}});
    }
    const json doc{{"comment",
                    "Written by fastmapd: parameters an operator set by hand, which the policy "
                    "leaves alone until restore-defaults. See docs/daemon.md."},
                   {"version", kFormatVersion},
                   {"pins", std::move(entries)}};
    return doc.dump(2) + "\n";
}

Result<void> save_pin_state(const fs::path& file, const std::vector<PersistedPin>& pins) {
    return write_file_atomically(file, pin_state_text(pins));
}

}  // namespace fastmap::daemon
