// SPDX-License-Identifier: GPL-2.0-only
#include "engine/glob.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fastmap::daemon {
namespace {

struct Case {
    const char* pattern;
    const char* path;
    bool match;
};

constexpr Case kCases[] = {
    // ** crosses components, but needs the literal part around it.
    {"/srv/**", "/srv/a", true},
    {"/srv/**", "/srv/a/b", true},
    {"/srv/**", "/srv/", true},
    {"/srv/**", "/srv", false},
    {"/srv/**", "/srvx/a", false},
    {"/**", "/x", true},
    {"**", "/anything/at/all", true},
    {"/srv/db**", "/srv/db/x", true},
    {"/srv/***", "/srv/a/b", true},
    // ** as a whole component also matches no component.
    {"/a/**/b", "/a/b", true},
    {"/a/**/b", "/a/x/b", true},
    {"/a/**/b", "/a/x/y/b", true},
    {"/a/**/b", "/a/xb", false},
    {"**/*.ibd", "/srv/db/t.ibd", true},
    {"/data/**/*.bin", "/data/shard.bin", true},
    {"/data/**/*.bin", "/data/ml/2024/shard.bin", true},
    {"/data/**/*.bin", "/data/ml/shard.txt", false},
    // * and ? stay within a component.
    {"/srv/*", "/srv/a", true},
    {"/srv/*", "/srv/a/b", false},
    {"/srv/db*", "/srv/db/x", false},
    {"/srv/*.db", "/srv/x.db", true},
    {"/srv/*.db", "/srv/.db", true},
    {"/srv/*.db", "/srv/d/x.db", false},
    {"/x/*/z", "/x//z", true},
    {"/srv/?.db", "/srv/x.db", true},
    {"/srv/?.db", "/srv/xy.db", false},
    {"/srv/?.db", "/srv/.db", false},
    {"/a?b", "/a/b", false},
    {"/*/*/*", "/a/b/c", true},
    {"/*/*/*", "/a/b", false},
    {"*", "", true},
    {"*", "/", false},
    // Everything else is literal: no classes, no escapes, no regular expressions.
    {"/srv/db/orders.ibd", "/srv/db/orders.ibd", true},
    {"/srv/db/orders.ibd", "/srv/db/orders.ibdx", false},
    {"/srv/db/orders.ibd", "/srv/db/orders_ibd", false},
    {"/[ab]", "/[ab]", true},
    {"/[ab]", "/a", false},
    {"/a\\*", "/a\\xyz", true},
    {"/x.+", "/x.+", true},
    {"/x.+", "/xyz", false},
    {"", "", true},
    {"", "/", false},
};

TEST(GlobMatch, Table) {
    for (const Case& c : kCases) {
        EXPECT_EQ(glob_match(c.pattern, c.path), c.match)
            << "pattern '" << c.pattern << "', path '" << c.path << "'";
    }
}

TEST(GlobMatch, ManyGlobstarsOnALongPathStayFast) {
    std::string path;
    for (int i = 0; i < 2000; ++i) {
        path += "/a";
    }
    EXPECT_FALSE(glob_match("/**/**/**/**/**/**/x", path));
    EXPECT_TRUE(glob_match("/**/**/**/**/**/**/a", path));
    EXPECT_FALSE(glob_match("/*/*/*/*/*/*/*/*/*/*/*/*/b", path));
}

}  // namespace
}  // namespace fastmap::daemon
