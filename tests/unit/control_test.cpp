// SPDX-License-Identifier: GPL-2.0-only
#include "control.hpp"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <set>

#include "fastmap.h"
#include "nl_bytes.hpp"

namespace fastmap {
namespace {

TEST(StatFields, CoverEveryCounterOnceInUapiOrder) {
    std::set<std::string_view> keys;
    std::uint16_t expected_id = FASTMAP_STAT_FAULTS;
    for (const auto& f : kStatFields) {
        EXPECT_EQ(f.id, expected_id++);
        EXPECT_TRUE(keys.insert(f.key).second) << f.key;
    }
    EXPECT_EQ(expected_id, FASTMAP_STAT_MAX + 1);
}

TEST(StatFields, MembersFollowStructFastmapStats) {
    // Stats mirrors struct fastmap_stats field for field.
    Stats s;
    for (std::size_t i = 0; i < kStatFields.size(); ++i) {
        s.*kStatFields[i].member = i + 1;
    }
    struct fastmap_stats raw;
    static_assert(sizeof(raw) == sizeof(s));
    std::memcpy(&raw, &s, sizeof(raw));
    EXPECT_EQ(raw.faults, 1u);
    EXPECT_EQ(raw.wb_pages, 8u);
    EXPECT_EQ(raw.write_errors, 12u);
    EXPECT_EQ(raw.cache_pages, 16u);
    EXPECT_EQ(raw.evict_stalls, 17u);
}

TEST(DevId, MatchesGlibcEncoding) {
    for (DevId d : {DevId{8, 16}, DevId{259, 0}, DevId{253, 300}, DevId{4095, 1048575}}) {
        const std::uint32_t enc = encode_dev(d);
        EXPECT_EQ(decode_dev(enc), d);
        EXPECT_EQ(::major(enc), d.major);
        EXPECT_EQ(::minor(enc), d.minor);
    }
    EXPECT_EQ(encode_dev({8, 16}), 0x810u);
    EXPECT_EQ((DevId{259, 3}).str(), "259:3");
}

TEST(DecodeInstance, RequiresName) {
    test::Raw raw;
    raw.attr_u32(FASTMAP_A_BATCH_PAGES, 5);
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    auto info = decode_instance(*attrs);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.error().code, EPROTO);
}

TEST(DecodeInstance, PrefersDevicePathOverKernelName) {
    test::Raw raw;
    raw.attr_str(FASTMAP_A_NAME, "x").attr_str(FASTMAP_A_DEVICE_NAME, "sdb");
    raw.attr_str(FASTMAP_A_DEVICE, "/dev/disk/by-id/foo");
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    auto info = decode_instance(*attrs);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->device, "/dev/disk/by-id/foo");
    EXPECT_EQ(info->stats, Stats{});
}

TEST(DecodeInstance, IdIntervalAndEvictStalls) {
    test::Raw stats;
    stats.attr_u64(FASTMAP_STAT_EVICT_STALLS, 11);
    test::Raw raw;
    raw.attr_str(FASTMAP_A_NAME, "x").attr_u32(FASTMAP_A_ID, 9);
    raw.attr_u32(FASTMAP_A_WB_INTERVAL_MS, 250).attr_nested(FASTMAP_A_STATS, stats);
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    auto info = decode_instance(*attrs);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->id, 9u);
    EXPECT_EQ(info->wb_interval_ms, 250u);
    EXPECT_EQ(info->stats.evict_stalls, 11u);
}

TEST(DecodeFileEntry, KeyRequiredPathOptional) {
    test::Raw raw;
    raw.attr_u32(FASTMAP_A_FILE_DEV, 0x810).attr_u64(FASTMAP_A_FILE_INO, 1ULL << 33);
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    auto entry = decode_file_entry(*attrs);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(*entry, (FileEntry{{{8, 16}, 1ULL << 33}, ""}));

    test::Raw no_ino;
    no_ino.attr_u32(FASTMAP_A_FILE_DEV, 0x810).attr_str(FASTMAP_A_FILE_PATH, "/a");
    attrs = nl::parse_attrs(no_ino.get());
    ASSERT_TRUE(attrs.ok());
    EXPECT_EQ(decode_file_entry(*attrs).error().code, EPROTO);
}

TEST(DecodeInstance, FileInstanceNamesItsFile) {
    test::Raw stats;
    stats.attr_u64(FASTMAP_STAT_OUTSIDE_WRITES, 3);
    test::Raw raw;
    raw.attr_str(FASTMAP_A_NAME, "f803.4d2").attr_str(FASTMAP_A_DEVICE, "/data/db.mdb");
    raw.attr_u32(FASTMAP_A_DEV, 0x803).attr_u32(FASTMAP_A_FILE_DEV, 0x803);
    raw.u16(4).u16(FASTMAP_A_PAD);
    raw.attr_u64(FASTMAP_A_FILE_INO, 1234).attr_str(FASTMAP_A_FILE_PATH, "/data/./db.mdb");
    raw.attr_nested(FASTMAP_A_STATS, stats);
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    auto info = decode_instance(*attrs);
    ASSERT_TRUE(info.ok()) << info.error().message;
    ASSERT_TRUE(info->is_file());
    EXPECT_EQ(info->file, (FileIdentity{{{8, 3}, 1234}, "/data/./db.mdb"}));
    EXPECT_EQ(info->stats.outside_writes, 3u);

    // Without FILE_PATH, the path is FASTMAP_A_DEVICE's; without FILE_INO, no file.
    test::Raw no_path;
    no_path.attr_str(FASTMAP_A_NAME, "f803.4d2").attr_str(FASTMAP_A_DEVICE, "/data/db.mdb");
    no_path.attr_u32(FASTMAP_A_FILE_DEV, 0x803).attr_u64(FASTMAP_A_FILE_INO, 1234);
    attrs = nl::parse_attrs(no_path.get());
    ASSERT_TRUE(attrs.ok());
    info = decode_instance(*attrs);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->file->path, "/data/db.mdb");
    test::Raw device;
    device.attr_str(FASTMAP_A_NAME, "db0").attr_u32(FASTMAP_A_FILE_DEV, 0x803);
    attrs = nl::parse_attrs(device.get());
    ASSERT_TRUE(attrs.ok());
    EXPECT_FALSE(decode_instance(*attrs)->is_file());
}

TEST(DecodeFileEntry, InstanceAndCache) {
    test::Raw raw;
    raw.attr_u32(FASTMAP_A_FILE_DEV, 0x803).attr_u64(FASTMAP_A_FILE_INO, 1234);
    raw.attr_str(FASTMAP_A_FILE_PATH, "/data/db.mdb").attr_str(FASTMAP_A_NAME, "f803.4d2");
    raw.u16(4).u16(FASTMAP_A_PAD);
    raw.attr_u64(FASTMAP_A_CACHE_BYTES, 1ULL << 30);
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    auto entry = decode_file_entry(*attrs);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(entry->instance, "f803.4d2");
    EXPECT_EQ(entry->cache_bytes, 1ULL << 30);
}

TEST(DecodeInstance, MalformedStatsNest) {
    test::Raw bad_nest;
    bad_nest.u16(12).u16(FASTMAP_STAT_FAULTS);  // claims 12 bytes, has 4
    test::Raw raw;
    raw.attr_str(FASTMAP_A_NAME, "x").attr_nested(FASTMAP_A_STATS, bad_nest);
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    EXPECT_FALSE(decode_instance(*attrs).ok());
}

}  // namespace
}  // namespace fastmap
