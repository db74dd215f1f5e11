// SPDX-License-Identifier: GPL-2.0-only
// Semantic checks within one file (the layered attribution is in policy_layering_test.cpp).
#include <gtest/gtest.h>

#include "policy/policy_loader.hpp"
#include "policy_test_util.hpp"

namespace fastmap::daemon {
namespace {

using testing::all_issues;
using testing::single_issue;

LoadResult parse(std::string_view text) {
    return parse_policy(text, "/etc/fastmap/fastmapd.json");
}

TEST(PolicySemantics, CacheMaxBelowMin) {
    const std::string text =
        "{\n"
        "  \"defaults\": {\n"
        "    \"cache\": {\n"
        "      \"min\": \"64M\",\n"
        "      \"max\": \"32M\"\n"
        "    }\n"
        "  }\n"
        "}\n";
    const auto issue = single_issue(parse(text));
    EXPECT_EQ(issue.str(),
              "/etc/fastmap/fastmapd.json:5:14: /defaults/cache/max: must be at least "
              "/defaults/cache/min (64 MiB), got 32 MiB");
    EXPECT_EQ(issue.pointer, "/defaults/cache/max");
}

TEST(PolicySemantics, TheValueSetIsBlamedNotTheDefault) {
    // max is the built-in 1 GiB: min is what is wrong.
    EXPECT_EQ(single_issue(parse(R"({"defaults": {"cache": {"min": "2G"}}})")).str(),
              "/etc/fastmap/fastmapd.json:1:32: /defaults/cache/min: must be at most "
              "/defaults/cache/max (1 GiB, the default), got 2 GiB");
    EXPECT_EQ(single_issue(parse(R"({"defaults": {"cache": {"max": "1M"}}})")).str(),
              "/etc/fastmap/fastmapd.json:1:32: /defaults/cache/max: must be at least "
              "/defaults/cache/min (16 MiB, the default), got 1 MiB");
}

TEST(PolicySemantics, BatchMinAboveMax) {
    EXPECT_EQ(single_issue(parse(R"({"defaults": {"batch": {"max": 128, "min": 512}}})")).str(),
              "/etc/fastmap/fastmapd.json:1:32: /defaults/batch/max: must be at least "
              "/defaults/batch/min (512 pages), got 128 pages");
}

TEST(PolicySemantics, ShrinkRatioMustBeBelowGrowRatio) {
    EXPECT_EQ(single_issue(parse(R"({"defaults": {"cache": {"shrink_miss_ratio": 0.1}}})")).str(),
              "/etc/fastmap/fastmapd.json:1:46: /defaults/cache/shrink_miss_ratio: must be less "
              "than /defaults/cache/grow_miss_ratio (0.1, the default), got 0.1");
    EXPECT_EQ(single_issue(parse(R"({"defaults": {"cache": {"shrink_miss_ratio": 0.3,
                                     "grow_miss_ratio": 0.2}}})"))
                  .str(),
              "/etc/fastmap/fastmapd.json:2:57: /defaults/cache/grow_miss_ratio: must be greater "
              "than /defaults/cache/shrink_miss_ratio (0.3), got 0.2");
}

TEST(PolicySemantics, InstanceOverridesAreCheckedAgainstTheDefaults) {
    const std::string text = R"({
  "defaults": {"cache": {"max": "4G"}},
  "instances": {
    "db0": {"cache": {"min": "8G"}},
    "db1": {"cache": {"min": "1G"}}
  }
})";
    EXPECT_EQ(single_issue(parse(text)).str(),
              "/etc/fastmap/fastmapd.json:4:30: /instances/db0/cache/min: must be at most "
              "/defaults/cache/max (4 GiB), got 8 GiB");
}

TEST(PolicySemantics, InheritedErrorsAreReportedOnce) {
    const std::string text = R"({
  "defaults": {"batch": {"min": 100, "max": 50}},
  "instances": {"db0": {"cache": {"max": "2G"}}, "db1": {"batch": {"max": 60}}}
})";
    auto r = parse(text);
    ASSERT_EQ(r.issues.size(), 2u) << all_issues(r);
    EXPECT_EQ(r.issues[0].str(),
              "/etc/fastmap/fastmapd.json:2:45: /defaults/batch/max: must be "
              "at least /defaults/batch/min (100 pages), got 50 pages");
    EXPECT_EQ(r.issues[1].str(),
              "/etc/fastmap/fastmapd.json:3:75: /instances/db1/batch/max: must be at least "
              "/defaults/batch/min (100 pages), got 60 pages");
}

TEST(PolicySemantics, AttachNamesAndDevicesAreUnique) {
    const std::string text = R"({"attach": [
  {"name": "db0", "device": "/dev/sda", "cache": "1G"},
  {"name": "db1", "device": "/dev/sdb", "cache": "1G"},
  {"name": "db0", "device": "/dev/sda", "cache": "1G"}
]})";
    auto r = parse(text);
    ASSERT_EQ(r.issues.size(), 2u) << all_issues(r);
    EXPECT_EQ(r.issues[0].str(),
              "/etc/fastmap/fastmapd.json:4:12: /attach/2/name: duplicate "
              "attach name 'db0' (also /attach/0/name)");
    EXPECT_EQ(r.issues[1].str(),
              "/etc/fastmap/fastmapd.json:4:29: /attach/2/device: device "
              "'/dev/sda' is already attached by /attach/0");
}

TEST(PolicySemantics, EqualMinAndMaxAreFine) {
    auto r = parse(R"({"defaults": {"cache": {"min": "1G", "max": 1073741824},
                                   "batch": {"min": 64, "max": 64}}})");
    EXPECT_TRUE(r.ok()) << all_issues(r);
}

}  // namespace
}  // namespace fastmap::daemon
