// SPDX-License-Identifier: GPL-2.0-only
#include "files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

namespace fastmap {
namespace {

namespace fs = std::filesystem;

class ResolveFile : public ::testing::Test {
protected:
    void SetUp() override {
        // Unique per test: ctest runs the tests of this fixture in parallel processes.
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir = fs::weakly_canonical(
            fs::path(::testing::TempDir()) /
            ("fastmap-files-test-" + std::string(info->name()) + "-" + std::to_string(::getpid())));
        fs::remove_all(dir);
        fs::create_directories(dir / "sub");
        std::ofstream(dir / "data") << "x";
        fs::create_symlink(dir / "data", dir / "link");
    }
    void TearDown() override { fs::remove_all(dir); }

    fs::path dir;
};

TEST_F(ResolveFile, RegularFileKeyAndAbsolutePath) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / "data").c_str(), &st), 0);
    auto r = resolve_file((dir / "sub" / ".." / "data").string());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->path, (dir / "data").string());
    EXPECT_EQ(r->key.ino, st.st_ino);
    EXPECT_EQ(r->key.dev, (DevId{::major(st.st_dev), ::minor(st.st_dev)}));

    // A symlink names its target: same key, the target's path.
    auto link = resolve_file((dir / "link").string());
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_EQ(link->key, r->key);
    EXPECT_EQ(link->path, r->path);
}

TEST_F(ResolveFile, RelativePathBecomesAbsolute) {
    const auto cwd = fs::current_path();
    fs::current_path(dir / "sub");
    auto r = resolve_file("../data");
    fs::current_path(cwd);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->path, (dir / "data").string());
}

TEST_F(ResolveFile, Errors) {
    const std::string missing = (dir / "missing").string();
    auto r = resolve_file(missing);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENOENT);
    EXPECT_EQ(r.error().message, "no such file: " + missing);

    const std::string through_file = (dir / "data" / "x").string();
    EXPECT_EQ(resolve_file(through_file).error().message, "no such file: " + through_file);

    const std::string sub = (dir / "sub").string();
    r = resolve_file(sub);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EISDIR);
    EXPECT_EQ(r.error().message, "not a regular file: " + sub + " (a directory)");

    r = resolve_file("/dev/null");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_EQ(r.error().message, "not a regular file: /dev/null (a character device)");

    EXPECT_EQ(resolve_file("").error().code, ENOENT);
}

TEST(ParseDev, MajorMinor) {
    EXPECT_EQ(parse_dev("8:1").value(), (DevId{8, 1}));
    EXPECT_EQ(parse_dev("4095:1048575").value(), (DevId{4095, 1048575}));
    EXPECT_EQ(parse_dev("4096:0").error().code, ERANGE);
    EXPECT_EQ(parse_dev("0:1048576").error().code, ERANGE);
    for (const char* bad : {"", "8", "8:", ":1", "8:1:2", "a:b", "-8:1", "8 :1"}) {
        auto r = parse_dev(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, EINVAL) << bad;
        EXPECT_NE(r.error().message.find("expected MAJOR:MINOR"), std::string::npos);
    }
}

}  // namespace
}  // namespace fastmap
