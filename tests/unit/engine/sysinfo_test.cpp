// SPDX-License-Identifier: GPL-2.0-only
#include "engine/sysinfo.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;

// /proc/meminfo of a 6.1 machine (abridged only at the end).
constexpr std::string_view kMeminfo = R"(MemTotal:       24683620 kB
MemFree:        23191668 kB
MemAvailable:   24244888 kB
Buffers:           10332 kB
Cached:          1096092 kB
SwapCached:            0 kB
Active:           548436 kB
Inactive:         560880 kB
Active(anon):       1548 kB
Inactive(anon):    10284 kB
Active(file):     546888 kB
Inactive(file):   550596 kB
Unevictable:       12628 kB
Mlocked:           11616 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Dirty:             12992 kB
Writeback:             0 kB
AnonPages:         15560 kB
Mapped:            11244 kB
Shmem:              8952 kB
KReclaimable:     265556 kB
Slab:             298940 kB
VmallocTotal:   34359738367 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
DirectMap4k:       26624 kB
DirectMap2M:    25139200 kB
)";

constexpr std::string_view kPsiIdle =
    "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
constexpr std::string_view kPsiBusy =
    "some avg10=23.51 avg60=11.02 avg300=3.40 total=187422791\n"
    "full avg10=9.87 avg60=4.10 avg300=1.22 total=70031244\n";

TEST(Meminfo, ParsesTotalAndAvailable) {
    auto mem = parse_meminfo(kMeminfo);
    ASSERT_TRUE(mem.ok()) << mem.error().message;
    EXPECT_EQ(mem->total_bytes, 24683620ULL * 1024);
    EXPECT_EQ(mem->available_bytes, 24244888ULL * 1024);
    EXPECT_FALSE(mem->psi_some_avg10);
    EXPECT_FALSE(mem->psi_full_avg10);
}

TEST(Meminfo, ToleratesNoTrailingNewlineAndCrLf) {
    auto mem = parse_meminfo("MemTotal: 1000 kB\r\nMemAvailable: 10 kB");
    ASSERT_TRUE(mem.ok()) << mem.error().message;
    EXPECT_EQ(mem->total_bytes, 1024000u);
    EXPECT_EQ(mem->available_bytes, 10240u);
}

TEST(Meminfo, Rejects) {
    auto missing = parse_meminfo("MemTotal:       24683620 kB\nMemFree:        23191668 kB\n");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, EINVAL);
    EXPECT_NE(missing.error().message.find("MemAvailable"), std::string::npos);

    auto no_total = parse_meminfo("MemAvailable:   24244888 kB\n");
    ASSERT_FALSE(no_total.ok());
    EXPECT_NE(no_total.error().message.find("MemTotal"), std::string::npos);

    auto bad = parse_meminfo("MemTotal: lots kB\nMemAvailable: 1 kB\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("MemTotal: lots kB"), std::string::npos);

    EXPECT_FALSE(parse_meminfo("MemTotal: 10 MB\nMemAvailable: 1 kB\n").ok());
    EXPECT_FALSE(parse_meminfo("MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB\n").ok());
    EXPECT_FALSE(parse_meminfo("").ok());
}

TEST(Psi, ParsesSomeAndFull) {
    MemInfo mem;
    ASSERT_TRUE(parse_psi(kPsiBusy, mem).ok());
    EXPECT_DOUBLE_EQ(*mem.psi_some_avg10, 23.51);
    EXPECT_DOUBLE_EQ(*mem.psi_full_avg10, 9.87);
    ASSERT_TRUE(parse_psi(kPsiIdle, mem).ok());
    EXPECT_DOUBLE_EQ(*mem.psi_some_avg10, 0.0);
    EXPECT_DOUBLE_EQ(*mem.psi_full_avg10, 0.0);
}

TEST(Psi, FullIsOptional) {
    MemInfo mem;
    ASSERT_TRUE(parse_psi("some avg10=1.50 avg60=0.20 avg300=0.01 total=1234\n", mem).ok());
    EXPECT_DOUBLE_EQ(*mem.psi_some_avg10, 1.5);
    EXPECT_FALSE(mem.psi_full_avg10);
}

TEST(Psi, Rejects) {
    MemInfo mem;
    EXPECT_FALSE(parse_psi("", mem).ok());
    EXPECT_FALSE(parse_psi("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", mem).ok());
    auto bad = parse_psi("some avg10=abc avg60=0.00 avg300=0.00 total=0\n", mem);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EINVAL);
    EXPECT_FALSE(parse_psi("some avg60=0.00 avg300=0.00 total=0\n", mem).ok());
    EXPECT_FALSE(parse_psi("some avg10=150.00 avg60=0.00 avg300=0.00 total=0\n", mem).ok());
    EXPECT_FALSE(mem.psi_some_avg10);  // untouched by failures
}

class ReadMeminfo : public ::testing::Test {
protected:
    void SetUp() override {
        // Unique per test: ctest may run the tests of this fixture in parallel.
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        root = fs::path(::testing::TempDir()) /
               ("fastmap-engine-meminfo-" + std::string(info->name()) + "-" +
                std::to_string(::getpid()));
        fs::remove_all(root);
        fs::create_directories(root);
    }
    void TearDown() override { fs::remove_all(root); }
    void write(const fs::path& rel, std::string_view text) {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel) << text;
    }
    fs::path root;
};

TEST_F(ReadMeminfo, WithPressure) {
    write("meminfo", kMeminfo);
    write("pressure/memory", kPsiBusy);
    auto mem = read_meminfo(root);
    ASSERT_TRUE(mem.ok()) << mem.error().message;
    EXPECT_EQ(mem->available_bytes, 24244888ULL * 1024);
    EXPECT_DOUBLE_EQ(mem->psi_some_avg10.value_or(-1), 23.51);
}

TEST_F(ReadMeminfo, WithoutPressureFile) {
    write("meminfo", kMeminfo);
    auto mem = read_meminfo(root);
    ASSERT_TRUE(mem.ok()) << mem.error().message;
    EXPECT_FALSE(mem->psi_some_avg10);
    EXPECT_FALSE(mem->psi_full_avg10);
}

TEST_F(ReadMeminfo, Errors) {
    auto none = read_meminfo(root);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, ENOENT);
    EXPECT_NE(none.error().message.find("meminfo"), std::string::npos);

    write("meminfo", kMeminfo);
    write("pressure/memory", "some garbage\n");
    EXPECT_FALSE(read_meminfo(root).ok());
}

TEST(ReadMeminfoLive, ThisMachine) {
    if (!fs::exists("/proc/meminfo")) {
        GTEST_SKIP() << "no /proc";
    }
    auto mem = read_meminfo();
    ASSERT_TRUE(mem.ok()) << mem.error().message;
    EXPECT_GT(mem->total_bytes, 0u);
    EXPECT_LE(mem->available_bytes, mem->total_bytes);
}

}  // namespace
}  // namespace fastmap::daemon
