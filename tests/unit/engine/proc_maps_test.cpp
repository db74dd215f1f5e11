// SPDX-License-Identifier: GPL-2.0-only
#include "engine/proc_maps.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;

FileKey key(std::uint32_t major, std::uint32_t minor, std::uint64_t ino) {
    return FileKey{DevId{major, minor}, ino};
}

TEST(ParseMapsLine, FileBacked) {
    auto e = parse_maps_line(
        "557cb3c92000-557cb3c94000 r--p 00000000 fe:00 247498                     /usr/bin/head");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->key, key(0xfe, 0, 247498));
    EXPECT_EQ(e->path, "/usr/bin/head");
}

TEST(ParseMapsLine, HexDeviceAndSpacesInThePath) {
    auto e = parse_maps_line(
        "7f0000000000-7f0000100000 rw-s 00200000 103:0a 1234567                    "
        "/srv/my data/table 1.ibd\n");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->key, key(0x103, 0x0a, 1234567));
    EXPECT_EQ(e->path, "/srv/my data/table 1.ibd");
}

TEST(ParseMapsLine, SkipsAnonymousSpecialDeletedAndMalformed) {
    EXPECT_FALSE(
        parse_maps_line("557cb5a7e000-557cb5a9f000 rw-p 00000000 00:00 0"
                        "                          [heap]"));
    EXPECT_FALSE(parse_maps_line("7ffd6c5e1000-7ffd6c602000 rw-p 00000000 00:00 0"));
    EXPECT_FALSE(
        parse_maps_line("7f6c5bd0a000-7f6c5bd14000 r--p 00000000 00:01 1024"
                        "                       /memfd:sealed-91173221a7ea (deleted)"));
    EXPECT_FALSE(
        parse_maps_line("7f6c5bd0a000-7f6c5bd14000 r--p 00000000 08:01 777"
                        "                       /srv/db/old.ibd (deleted)"));
    EXPECT_FALSE(parse_maps_line("7ffd6c7d5000-7ffd6c7d7000 r-xp 00000000 00:00 0 [vdso]"));
    EXPECT_FALSE(parse_maps_line(""));
    EXPECT_FALSE(parse_maps_line("garbage"));
    EXPECT_FALSE(parse_maps_line("1-2 r--p 0 zz:01 12 /x"));
    EXPECT_FALSE(parse_maps_line("1-2 r--p 0 0801 12 /x"));
    EXPECT_FALSE(parse_maps_line("1-2 r--p 0 08:01 12x /x"));
}

class FakeProc : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        root =
            fs::path(::testing::TempDir()) /
            ("fastmap-engine-maps-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
        fs::remove_all(root);
        fs::create_directories(root);
    }
    void TearDown() override { fs::remove_all(root); }

    void process(const std::string& pid, std::string_view maps) {
        fs::create_directories(root / pid);
        std::ofstream(root / pid / "maps") << maps;
    }

    fs::path root;
};

constexpr std::string_view kDbMaps =
    "55d0c6a00000-55d0c6c00000 r-xp 00000000 fe:00 131090                     /usr/sbin/mariadbd\n"
    "7f1000000000-7f1040000000 rw-s 00000000 08:01 1001                       /srv/db/orders.ibd\n"
    "7f1040000000-7f1041000000 rw-s 00000000 08:01 1003                       "
    "/srv/db/undo_001 (deleted)\n"
    "7f2000000000-7f2000021000 rw-p 00000000 00:00 0 \n"
    "7ffd6c5e1000-7ffd6c602000 rw-p 00000000 00:00 0                          [stack]\n";
constexpr std::string_view kMlMaps =
    "7f3000000000-7f3100000000 r--s 00000000 08:01 1006                       "
    "/data/ml/shard-00.bin\n"
    "7f3100000000-7f3200000000 r--s 00000000 08:01 1001                       /srv/db/orders.ibd";

TEST_F(FakeProc, ResolvesAcrossProcessesAndSkipsTheRest) {
    process("812", kDbMaps);
    process("4410", kMlMaps);
    fs::create_directories(root / "self");  // not a pid
    std::ofstream(root / "self" / "maps") << "1-2 r--p 0 08:01 4242 /not/a/pid\n";
    fs::create_directories(root / "977");  // exited between readdir and open: no maps
    std::ofstream(root / "meminfo") << "MemTotal: 1 kB\n";

    ProcMapsResolver r(root);
    EXPECT_EQ(r.resolve(key(8, 1, 1001)), "/srv/db/orders.ibd");
    EXPECT_EQ(r.resolve(key(8, 1, 1006)), "/data/ml/shard-00.bin");
    EXPECT_EQ(r.resolve(key(0xfe, 0, 131090)), "/usr/sbin/mariadbd");
    EXPECT_EQ(r.scans(), 1u);  // the first miss filled the cache
    EXPECT_EQ(r.cached(), 3u);
    EXPECT_FALSE(r.resolve(key(8, 1, 1003)));  // deleted
    EXPECT_FALSE(r.resolve(key(8, 1, 4242)));  // only in /proc/self
    EXPECT_FALSE(r.resolve(key(8, 2, 1001)));  // other device
    EXPECT_EQ(r.scans(), 4u);                  // one rescan per miss, no more
}

TEST_F(FakeProc, HitsCostNoScanMissesRescanOnce) {
    process("100", kDbMaps);
    ProcMapsResolver r(root);
    EXPECT_EQ(r.resolve(key(8, 1, 1001)), "/srv/db/orders.ibd");
    EXPECT_EQ(r.scans(), 1u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(r.resolve(key(8, 1, 1001)), "/srv/db/orders.ibd");
    }
    EXPECT_EQ(r.scans(), 1u);

    // A process that starts later is found by the next miss.
    EXPECT_FALSE(r.resolve(key(8, 1, 1006)));
    EXPECT_EQ(r.scans(), 2u);
    process("200", kMlMaps);
    EXPECT_EQ(r.resolve(key(8, 1, 1006)), "/data/ml/shard-00.bin");
    EXPECT_EQ(r.scans(), 3u);
}

TEST_F(FakeProc, VanishedProcessesAndMissingRoot) {
    process("100", kDbMaps);
    ProcMapsResolver r(root);
    EXPECT_TRUE(r.resolve(key(8, 1, 1001)));
    fs::remove_all(root / "100");              // the process exits
    EXPECT_FALSE(r.resolve(key(8, 1, 1006)));  // the miss rescans...
    EXPECT_FALSE(r.resolve(key(8, 1, 1001)));  // ...and the cache holds what that scan found
    EXPECT_EQ(r.cached(), 0u);

    ProcMapsResolver nowhere(root / "does-not-exist");
    EXPECT_FALSE(nowhere.resolve(key(8, 1, 1001)));
}

TEST(ProcMapsLive, FindsAMappingOfThisProcess) {
    std::ifstream self("/proc/self/maps");
    std::optional<MapsEntry> mine;
    for (std::string line; !mine && std::getline(self, line);) {
        mine = parse_maps_line(line);
    }
    if (!mine) {
        GTEST_SKIP() << "no /proc/self/maps with a file mapping";
    }
    ProcMapsResolver r;
    EXPECT_EQ(r.resolve(mine->key), mine->path);
}

}  // namespace
}  // namespace fastmap::daemon
