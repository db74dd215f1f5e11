// SPDX-License-Identifier: GPL-2.0-only
// NetlinkControl: the enable table (FASTMAP_CMD_FILE_ADD, FILE_DEL, FILE_GET).
#include <cstring>

#include "fastmap.h"
#include "netlink_control.hpp"

namespace fastmap {
namespace {

// The key's attributes. FILE_INO goes first: its payload lands 8-byte aligned without a
// FASTMAP_A_PAD attribute, which the kernel's strict validation would refuse.
void put_file_key(nl::MessageBuilder& msg, const FileKey& key) {
    msg.put_u64(FASTMAP_A_FILE_INO, key.ino, FASTMAP_A_PAD);
    msg.put_u32(FASTMAP_A_FILE_DEV, encode_dev(key.dev));
}

}  // namespace

Result<void> NetlinkControl::add_file(const FileKey& key, std::string_view path) {
    return file_add(key, path, std::nullopt);
}

Result<void> NetlinkControl::add_file_sized(const FileKey& key, std::string_view path,
                                            std::uint64_t cache_bytes) {
    return file_add(key, path, cache_bytes);
}

Result<void> NetlinkControl::file_add(const FileKey& key, std::string_view path,
                                      std::optional<std::uint64_t> cache_bytes) {
    if (path.size() > kFilePathMax) {
        return Error{ENAMETOOLONG,
                     "path is longer than " + std::to_string(kFilePathMax) + " bytes"};
    }
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_FILE_ADD);
    put_file_key(msg, key);
    if (cache_bytes) {
        // A second u64 cannot land 8-byte aligned after FILE_INO without a FASTMAP_A_PAD, which
        // the kernel's strict validation refuses: it goes unaligned (the kernel reads u64
        // attributes with nla_get_u64(), a memcpy).
        std::uint8_t raw[sizeof(std::uint64_t)];
        std::memcpy(raw, &*cache_bytes, sizeof(raw));
        msg.put_bytes(FASTMAP_A_CACHE_BYTES, raw);
    }
    if (!path.empty()) {
        msg.put_string(FASTMAP_A_FILE_PATH, path);
    }
    auto replies = request(msg, false);
    if (!replies) {
        return std::move(replies).error();
    }
    return {};
}

Result<void> NetlinkControl::remove_file(const FileKey& key) {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_FILE_DEL);
    put_file_key(msg, key);
    auto replies = request(msg, false);
    if (!replies) {
        return std::move(replies).error();
    }
    return {};
}

Result<std::vector<FileEntry>> NetlinkControl::list_files() {
    auto client = connect();
    if (!client) {
        return std::move(client).error();
    }
    auto msg = message(FASTMAP_CMD_FILE_GET);
    auto replies = request(msg, true);
    if (!replies) {
        return std::move(replies).error();
    }
    std::vector<FileEntry> out;
    for (const auto& reply : replies->messages) {
        auto entry = decode_file_entry(reply.attrs);
        if (!entry) {
            return std::move(entry).error();
        }
        out.push_back(std::move(entry).value());
    }
    return out;
}

}  // namespace fastmap
