// SPDX-License-Identifier: GPL-2.0-only
#include "control.hpp"

#include "fastmap.h"

namespace fastmap {

const std::array<StatField, 18> kStatFields{{
    {FASTMAP_STAT_FAULTS, "faults", &Stats::faults},
    {FASTMAP_STAT_HITS, "hits", &Stats::hits},
    {FASTMAP_STAT_MISSES, "misses", &Stats::misses},
    {FASTMAP_STAT_MKWRITE, "mkwrite", &Stats::mkwrite},
    {FASTMAP_STAT_EVICTIONS, "evictions", &Stats::evictions},
    {FASTMAP_STAT_EVICT_BATCHES, "evict_batches", &Stats::evict_batches},
    {FASTMAP_STAT_SHOOTDOWNS, "shootdowns", &Stats::shootdowns},
    {FASTMAP_STAT_WB_PAGES, "wb_pages", &Stats::wb_pages},
    {FASTMAP_STAT_WB_BIOS, "wb_bios", &Stats::wb_bios},
    {FASTMAP_STAT_READ_IOS, "read_ios", &Stats::read_ios},
    {FASTMAP_STAT_READ_ERRORS, "read_errors", &Stats::read_errors},
    {FASTMAP_STAT_WRITE_ERRORS, "write_errors", &Stats::write_errors},
    {FASTMAP_STAT_DIRTY_PAGES, "dirty_pages", &Stats::dirty_pages},
    {FASTMAP_STAT_CACHED_PAGES, "cached_pages", &Stats::cached_pages},
    {FASTMAP_STAT_FREE_PAGES, "free_pages", &Stats::free_pages},
    {FASTMAP_STAT_CACHE_PAGES, "cache_pages", &Stats::cache_pages},
    {FASTMAP_STAT_EVICT_STALLS, "evict_stalls", &Stats::evict_stalls},
    {FASTMAP_STAT_OUTSIDE_WRITES, "outside_writes", &Stats::outside_writes},
}};

// Every counter after UNSPEC and PAD has a field: a new counter in the uapi header fails here.
static_assert(FASTMAP_STAT_MAX - FASTMAP_STAT_FAULTS + 1 == kStatFields.size(),
              "enum fastmap_stat changed: update Stats and kStatFields");
static_assert(sizeof(struct fastmap_stats) == sizeof(Stats), "Stats must mirror fastmap_stats");

DevId decode_dev(std::uint32_t dev) {
    return DevId{(dev & 0xfff00U) >> 8, (dev & 0xffU) | ((dev >> 12) & 0xfff00U)};
}

std::uint32_t encode_dev(DevId dev) {
    return (dev.minor & 0xffU) | (dev.major << 8) | ((dev.minor & ~0xffU) << 12);
}

Result<Stats> decode_stats(const nl::AttrMap& nested) {
    Stats stats;
    for (const auto& field : kStatFields) {
        if (auto v = nl::get_u64(nested, field.id)) {
            stats.*field.member = *v;
        }
    }
    return stats;
}

Result<InstanceInfo> decode_instance(const nl::AttrMap& attrs) {
    InstanceInfo info;
    auto name = nl::get_string(attrs, FASTMAP_A_NAME);
    if (!name) {
        return Error{EPROTO, "fastmap reply without an instance name"};
    }
    info.name = *name;
    info.id = nl::get_u32(attrs, FASTMAP_A_ID).value_or(0);
    if (auto device = nl::get_string(attrs, FASTMAP_A_DEVICE)) {
        info.device = *device;
    } else if (auto kname = nl::get_string(attrs, FASTMAP_A_DEVICE_NAME)) {
        info.device = *kname;
    }
    if (auto dev = nl::get_u32(attrs, FASTMAP_A_DEV)) {
        info.dev = decode_dev(*dev);
    }
    info.size_bytes = nl::get_u64(attrs, FASTMAP_A_SIZE_BYTES).value_or(0);
    info.cache_bytes = nl::get_u64(attrs, FASTMAP_A_CACHE_BYTES).value_or(0);
    info.batch_pages = nl::get_u32(attrs, FASTMAP_A_BATCH_PAGES).value_or(0);
    info.dirty_ratio = nl::get_u32(attrs, FASTMAP_A_DIRTY_RATIO).value_or(0);
    info.wb_interval_ms = nl::get_u32(attrs, FASTMAP_A_WB_INTERVAL_MS).value_or(0);
    info.open_count = nl::get_u32(attrs, FASTMAP_A_OPEN_COUNT).value_or(0);
    if (auto nested = nl::get_nested(attrs, FASTMAP_A_STATS)) {
        if (!*nested) {
            return std::move(*nested).error();
        }
        auto stats = decode_stats(nested->value());
        if (!stats) {
            return std::move(stats).error();
        }
        info.stats = *stats;
    }
    // A per-file instance names its file; FASTMAP_A_DEVICE is then the file's path too.
    auto file_dev = nl::get_u32(attrs, FASTMAP_A_FILE_DEV);
    auto file_ino = nl::get_u64(attrs, FASTMAP_A_FILE_INO);
    if (file_dev && file_ino) {
        FileIdentity file{{decode_dev(*file_dev), *file_ino}, ""};
        file.path = nl::get_string(attrs, FASTMAP_A_FILE_PATH).value_or(info.device);
        info.file = std::move(file);
    }
    return info;
}

Result<FileEntry> decode_file_entry(const nl::AttrMap& attrs) {
    auto dev = nl::get_u32(attrs, FASTMAP_A_FILE_DEV);
    auto ino = nl::get_u64(attrs, FASTMAP_A_FILE_INO);
    if (!dev || !ino) {
        return Error{EPROTO, "fastmap file entry without a device or an inode number"};
    }
    FileEntry entry{{decode_dev(*dev), *ino},
                    nl::get_string(attrs, FASTMAP_A_FILE_PATH).value_or("")};
    entry.instance = nl::get_string(attrs, FASTMAP_A_NAME).value_or("");
    entry.cache_bytes = nl::get_u64(attrs, FASTMAP_A_CACHE_BYTES);
    return entry;
}

Result<void> Control::add_file_sized(const FileKey&, std::string_view, std::uint64_t) {
    return Error{EOPNOTSUPP, "this control path cannot set a file's cache size"};
}

}  // namespace fastmap
