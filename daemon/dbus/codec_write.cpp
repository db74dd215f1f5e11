// SPDX-License-Identifier: GPL-2.0-only
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec.hpp"

namespace fastmap::dbus {
namespace {

// The length of the valid UTF-8 sequence at text[i] (1..4), or 0 when it is not one. NUL is
// not valid in a D-Bus string either.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    if (c == 0) {
        return 0;
    }
    if (c < 0x80) {
        return 1;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > text.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;  // overlong, out of range or a surrogate
    }
    return len;
}

int append_stats(sd_bus_message* m, const Stats& stats) {
    int r = sd_bus_message_open_container(m, 'e', "sv");
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_append(m, "s", "stats");
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_open_container(m, 'v', "a{st}");
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_open_container(m, 'a', "{st}");
    if (r < 0) {
        return r;
    }
    for (const auto& field : kStatFields) {
        const std::string key(field.key);
        r = sd_bus_message_append(m, "{st}", key.c_str(), stats.*field.member);
        if (r < 0) {
            return r;
        }
    }
    r = sd_bus_message_close_container(m);  // a{st}
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_close_container(m);  // v
    if (r < 0) {
        return r;
    }
    return sd_bus_message_close_container(m);  // {sv}
}

}  // namespace

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t len = utf8_sequence(text, i);
        if (len == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD
            ++i;
        } else {
            out.append(text.substr(i, len));
            i += len;
        }
    }
    return out;
}

int append_instance(sd_bus_message* m, const InstanceInfo& info) {
    int r = sd_bus_message_open_container(m, 'a', "{sv}");
    if (r < 0) {
        return r;
    }
    const std::string dev = info.dev.str();
    const std::string device = to_valid_utf8(info.device);
    r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", "name", "s", info.name.c_str(), "id", "u",
                              info.id, "device", "s", device.c_str(), "dev", "s", dev.c_str());
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}{sv}", "size_bytes", "t", info.size_bytes,
                              "cache_bytes", "t", info.cache_bytes, "batch_pages", "u",
                              info.batch_pages, "dirty_ratio", "u", info.dirty_ratio,
                              "wb_interval_ms", "u", info.wb_interval_ms, "open_count", "u",
                              info.open_count);
    if (r < 0) {
        return r;
    }
    r = append_stats(m, info.stats);
    if (r < 0) {
        return r;
    }
    return sd_bus_message_close_container(m);
}

int append_instances(sd_bus_message* m, const std::vector<InstanceInfo>& instances) {
    int r = sd_bus_message_open_container(m, 'a', "a{sv}");
    if (r < 0) {
        return r;
    }
    for (const auto& info : instances) {
        r = append_instance(m, info);
        if (r < 0) {
            return r;
        }
    }
    return sd_bus_message_close_container(m);
}

int append_files(sd_bus_message* m, const std::vector<FileEntry>& files) {
    int r = sd_bus_message_open_container(m, 'a', "(sst)");
    if (r < 0) {
        return r;
    }
    for (const auto& f : files) {
        const std::string dev = f.key.dev.str();
        const std::string path = to_valid_utf8(f.path);
        r = sd_bus_message_append(m, "(sst)", dev.c_str(), path.c_str(), f.key.ino);
        if (r < 0) {
            return r;
        }
    }
    return sd_bus_message_close_container(m);
}

int append_decisions(sd_bus_message* m, const std::vector<daemon::DecisionRecord>& decisions) {
    int r = sd_bus_message_open_container(m, 'a', "(tssttsbs)");
    if (r < 0) {
        return r;
    }
    for (const auto& d : decisions) {
        const std::string kind = to_valid_utf8(d.kind);
        const std::string target = to_valid_utf8(d.target);
        const std::string reason = to_valid_utf8(d.reason);
        const std::string error = to_valid_utf8(d.error);
        r = sd_bus_message_append(m, "(tssttsbs)", d.realtime_us, kind.c_str(), target.c_str(),
                                  d.from, d.to, reason.c_str(), static_cast<int>(d.applied),
                                  error.c_str());
        if (r < 0) {
            return r;
        }
    }
    return sd_bus_message_close_container(m);
}

int append_strings(sd_bus_message* m, const std::vector<std::string>& strings) {
    int r = sd_bus_message_open_container(m, 'a', "s");
    if (r < 0) {
        return r;
    }
    for (const auto& s : strings) {
        r = sd_bus_message_append(m, "s", to_valid_utf8(s).c_str());
        if (r < 0) {
            return r;
        }
    }
    return sd_bus_message_close_container(m);
}

}  // namespace fastmap::dbus
