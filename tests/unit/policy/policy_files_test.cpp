// SPDX-License-Identifier: GPL-2.0-only
// The "files" key: files fastmapd enables, by path, with an optional cache size.
#include <gtest/gtest.h>

#include <filesystem>

#include "policy/policy_loader.hpp"
#include "policy_test_util.hpp"

namespace fastmap::daemon {
namespace {

using testing::all_issues;
using testing::single_issue;
using testing::TempTree;

constexpr std::uint64_t kMiB = 1ULL << 20;

LoadResult parse(std::string_view text) {
    return parse_policy(text, "test.json");
}

TEST(PolicyFiles, DefaultIsNone) {
    EXPECT_TRUE(Policy{}.files.empty());
    auto r = parse(R"({"files": []})");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_TRUE(r.policy->files.empty());
}

TEST(PolicyFiles, PathsWithAndWithoutACache) {
    auto r = parse(R"({"files": [
        {"path": "/srv/db/orders.ibd", "cache": "2G"},
        {"path": "/srv/db/customers.ibd", "cache": 262144},
        {"path": "/srv/search/terms.idx"}
    ]})");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->files, (std::vector<FileSpec>{{"/srv/db/orders.ibd", 2048 * kMiB},
                                                      {"/srv/db/customers.ibd", 262144},
                                                      {"/srv/search/terms.idx", std::nullopt}}));
}

TEST(PolicyFiles, SchemaErrorsWithPositions) {
    struct Case {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {R"({"files": [{"path": "data/x"}]})",
         "test.json:1:21: /files/0/path: must be an absolute path (starting with '/'), got "
         "string \"data/x\""},
        {R"({"files": [{"cache": "1G"}]})",
         "test.json:1:12: /files/0: missing required key 'path'"},
        {R"({"files": [{"path": "/x", "cache": "128K"}]})",
         "test.json:1:36: /files/0/cache: must be at least 256 KiB, got 128 KiB"},
        {R"({"files": [{"path": "/x", "cache": "8 gigs"}]})",
         "test.json:1:36: /files/0/cache: invalid size '8 gigs': unknown suffix 'gigs' (use K, "
         "M, G, T or KiB, MiB, GiB, TiB; 1024-based)"},
        {R"({"files": [{"path": "/x", "size": "1G"}]})",
         "test.json:1:27: unknown key 'size' in /files/0"},
        {R"({"files": {"path": "/x"}})", "test.json:1:11: /files: expected array, got object"},
        {R"({"files": ["/x"]})", "test.json:1:12: /files/0: expected object, got string \"/x\""},
    };
    for (const auto& c : cases) {
        auto r = parse(c.text);
        ASSERT_FALSE(r.ok()) << c.text;
        ASSERT_EQ(r.issues.size(), 1u) << c.text << "\n" << all_issues(r);
        EXPECT_EQ(r.issues[0].str(), c.expected) << c.text;
    }
}

TEST(PolicyFiles, AtMost4096) {
    std::string text = R"({"files": [)";
    for (int i = 0; i < 4097; ++i) {
        text += std::string(i == 0 ? "" : ",") + R"({"path": "/f)" + std::to_string(i) + "\"}";
    }
    text += "]}";
    EXPECT_EQ(single_issue(parse(text)).str(),
              "test.json:1:11: /files: must have at most 4096 entries, got 4097");
}

TEST(PolicyFiles, DuplicatePathsAreRejected) {
    const std::string text = R"({"files": [
  {"path": "/srv/a"},
  {"path": "/srv/b"},
  {"path": "/srv//a", "cache": "1G"}
]})";
    EXPECT_EQ(single_issue(parse(text)).str(),
              "test.json:4:12: /files/2/path: duplicate file '/srv//a' (also /files/0/path)");
}

TEST(PolicyFiles, ALaterFileReplacesTheArray) {
    TempTree tree;
    tree.write("usr/lib/fastmap/fastmapd.json", R"({"files": []})");
    tree.write("etc/fastmap/fastmapd.json", R"({"files": [{"path": "/a"}, {"path": "/b"}]})");
    tree.write("etc/fastmap/fastmapd.json.d/50-db.json",
               R"({"files": [{"path": "/srv/db", "cache": "64M"}]})");
    auto r = load_policy(policy_paths_under(tree.root()));
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->files, (std::vector<FileSpec>{{"/srv/db", 64 * kMiB}}));
}

TEST(PolicyFiles, DuplicatesAfterMergingAreBlamedOnTheFileThatSetThem) {
    TempTree tree;
    tree.write("etc/fastmap/fastmapd.json", R"({"interval": "2s"})");
    const auto dropin = tree.write("etc/fastmap/fastmapd.json.d/50-db.json",
                                   R"({"files": [{"path": "/a"}, {"path": "/a"}]})");
    auto r = load_policy(policy_paths_under(tree.root()));
    EXPECT_EQ(single_issue(r).str(),
              dropin.string() + ":1:37: /files/1/path: duplicate file '/a' (also /files/0/path)");
}

TEST(PolicyFiles, RoundTripThroughJson) {
    Policy p;
    p.files = {{"/srv/a", 64 * kMiB}, {"/srv/b", std::nullopt}, {"/srv/c", 300000}};
    const auto j = policy_to_json(p);
    EXPECT_EQ(j["files"][0]["cache"], "64MiB");
    EXPECT_FALSE(j["files"][1].contains("cache"));
    EXPECT_EQ(j["files"][2]["cache"], 300000);
    auto r = parse_policy(j.dump(), "again.json");
    ASSERT_TRUE(r.ok()) << all_issues(r) << j.dump(2);
    EXPECT_EQ(r.policy->files, p.files);
}

TEST(PolicyFiles, TheShippedExample) {
    auto r = load_policy_file(std::filesystem::path(FASTMAP_SOURCE_DIR) /
                              "config/fastmapd/examples/enable-files.json");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    ASSERT_EQ(r.policy->files.size(), 3u);
    EXPECT_EQ(r.policy->files[0].cache_bytes, 2048 * kMiB);
    EXPECT_FALSE(r.policy->files[2].cache_bytes.has_value());
}

}  // namespace
}  // namespace fastmap::daemon
