// SPDX-License-Identifier: GPL-2.0-only
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "codec.hpp"
#include "files.hpp"

namespace fastmap::dbus {
namespace {

Error malformed(std::string_view what, int r) {
    return Error{EPROTO, "fastmapd sent a malformed " + std::string(what) + " (" +
                             std::strerror(r < 0 ? -r : EPROTO) + ")"};
}

Error wrong_type(std::string_view key, std::string_view got, std::string_view want) {
    return Error{EPROTO, "fastmapd sent instance field '" + std::string(key) + "' as type '" +
                             std::string(got) + "', expected '" + std::string(want) + "'"};
}

// The variant at the read position holds a value of type sig (one basic type).
template <typename T>
Result<void> read_variant(sd_bus_message* m, std::string_view key, const char* got, const char* sig,
                          T* out) {
    if (std::strcmp(got, sig) != 0) {
        return wrong_type(key, got, sig);
    }
    const int r = sd_bus_message_read(m, "v", sig, out);
    if (r < 0) {
        return malformed("instance", r);
    }
    return {};
}

Result<void> read_string(sd_bus_message* m, std::string_view key, const char* got,
                         std::string* out) {
    const char* s = nullptr;
    auto r = read_variant(m, key, got, "s", &s);
    if (r) {
        *out = s;
    }
    return r;
}

Result<void> read_stats(sd_bus_message* m, const char* got, Stats* stats) {
    if (std::strcmp(got, "a{st}") != 0) {
        return wrong_type("stats", got, "a{st}");
    }
    int r = sd_bus_message_enter_container(m, 'v', "a{st}");
    if (r >= 0) {
        r = sd_bus_message_enter_container(m, 'a', "{st}");
    }
    while (r >= 0) {
        const char* key = nullptr;
        std::uint64_t value = 0;
        r = sd_bus_message_read(m, "{st}", &key, &value);
        if (r <= 0) {
            break;
        }
        for (const auto& field : kStatFields) {
            if (field.key == key) {
                stats->*field.member = value;
            }
        }
    }
    if (r >= 0) {
        r = sd_bus_message_exit_container(m);  // a{st}
    }
    if (r >= 0) {
        r = sd_bus_message_exit_container(m);  // v
    }
    if (r < 0) {
        return malformed("instance", r);
    }
    return {};
}

// One entry's value (the variant at the read position).
Result<void> read_field(sd_bus_message* m, std::string_view key, const char* got,
                        InstanceInfo* info) {
    if (key == "name") {
        return read_string(m, key, got, &info->name);
    }
    if (key == "device") {
        return read_string(m, key, got, &info->device);
    }
    if (key == "dev") {
        std::string text;
        if (auto r = read_string(m, key, got, &text); !r) {
            return r;
        }
        auto dev = parse_dev(text);
        if (!dev) {
            return Error{EPROTO, "fastmapd sent instance field 'dev' as '" + text + "'"};
        }
        info->dev = *dev;
        return {};
    }
    if (key == "stats") {
        return read_stats(m, got, &info->stats);
    }
    struct U32Field {
        std::string_view key;
        std::uint32_t InstanceInfo::*member;
    };
    static constexpr U32Field kU32[] = {
        {"id", &InstanceInfo::id},
        {"batch_pages", &InstanceInfo::batch_pages},
        {"dirty_ratio", &InstanceInfo::dirty_ratio},
        {"wb_interval_ms", &InstanceInfo::wb_interval_ms},
        {"open_count", &InstanceInfo::open_count},
    };
    for (const auto& f : kU32) {
        if (key == f.key) {
            return read_variant(m, key, got, "u", &(info->*f.member));
        }
    }
    if (key == "size_bytes") {
        return read_variant(m, key, got, "t", &info->size_bytes);
    }
    if (key == "cache_bytes") {
        return read_variant(m, key, got, "t", &info->cache_bytes);
    }
    // A key a newer daemon added.
    if (const int r = sd_bus_message_skip(m, "v"); r < 0) {
        return malformed("instance", r);
    }
    return {};
}

}  // namespace

Result<InstanceInfo> read_instance(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r <= 0) {
        return malformed("instance", r);
    }
    InstanceInfo info;
    bool named = false;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        const char* contents = nullptr;
        r = sd_bus_message_read(m, "s", &key);
        if (r >= 0) {
            r = sd_bus_message_peek_type(m, nullptr, &contents);
        }
        if (r <= 0 || contents == nullptr) {
            return malformed("instance", r);
        }
        if (auto field = read_field(m, key, contents, &info); !field) {
            return std::move(field).error();
        }
        named = named || std::strcmp(key, "name") == 0;
        if ((r = sd_bus_message_exit_container(m)) < 0) {
            return malformed("instance", r);
        }
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) {
        return malformed("instance", r);
    }
    if (!named) {
        return Error{EPROTO, "fastmapd sent an instance without a name"};
    }
    return info;
}

Result<std::vector<InstanceInfo>> read_instances(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'a', "a{sv}");
    if (r <= 0) {
        return malformed("instance list", r);
    }
    std::vector<InstanceInfo> out;
    while ((r = sd_bus_message_at_end(m, false)) == 0) {
        auto info = read_instance(m);
        if (!info) {
            return std::move(info).error();
        }
        out.push_back(std::move(*info));
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) {
        return malformed("instance list", r);
    }
    return out;
}

Result<std::vector<FileEntry>> read_files(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'a', "(sst)");
    if (r <= 0) {
        return malformed("file list", r);
    }
    std::vector<FileEntry> out;
    for (;;) {
        const char* dev = nullptr;
        const char* path = nullptr;
        std::uint64_t ino = 0;
        r = sd_bus_message_read(m, "(sst)", &dev, &path, &ino);
        if (r <= 0) {
            break;
        }
        auto parsed = parse_dev(dev);
        if (!parsed) {
            return Error{EPROTO, "fastmapd sent a file with device '" + std::string(dev) + "'"};
        }
        out.push_back(FileEntry{FileKey{*parsed, ino}, path});
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) {
        return malformed("file list", r);
    }
    return out;
}

Result<std::vector<daemon::DecisionRecord>> read_decisions(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'a', "(tssttsbs)");
    if (r <= 0) {
        return malformed("decision list", r);
    }
    std::vector<daemon::DecisionRecord> out;
    for (;;) {
        daemon::DecisionRecord d;
        const char* kind = nullptr;
        const char* target = nullptr;
        const char* reason = nullptr;
        const char* error = nullptr;
        int applied = 0;
        r = sd_bus_message_read(m, "(tssttsbs)", &d.realtime_us, &kind, &target, &d.from, &d.to,
                                &reason, &applied, &error);
        if (r <= 0) {
            break;
        }
        d.kind = kind;
        d.target = target;
        d.reason = reason;
        d.applied = applied != 0;
        d.error = error;
        out.push_back(std::move(d));
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) {
        return malformed("decision list", r);
    }
    return out;
}

Result<std::vector<std::string>> read_strings(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'a', "s");
    if (r <= 0) {
        return malformed("string list", r);
    }
    std::vector<std::string> out;
    for (;;) {
        const char* s = nullptr;
        r = sd_bus_message_read(m, "s", &s);
        if (r <= 0) {
            break;
        }
        out.emplace_back(s);
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) {
        return malformed("string list", r);
    }
    return out;
}

}  // namespace fastmap::dbus
