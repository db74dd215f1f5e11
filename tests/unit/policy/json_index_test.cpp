// SPDX-License-Identifier: GPL-2.0-only
#include "json_index.hpp"

#include <gtest/gtest.h>

namespace fastmap::daemon::policy_detail {
namespace {

TEST(JsonIndex, ValueAndKeyPositions) {
    const std::string text =
        "{\n"
        "  \"a\": 1,\n"
        "  \"b\": {\"c\": [true, \"x\", null]},\n"
        "\t\"d\" :\"s\"\n"
        "}\n";
    const auto index = JsonIndex::build(text);
    EXPECT_EQ(index.value_pos(""), (TextPos{1, 1}));
    EXPECT_EQ(index.key_pos(""), std::nullopt);
    EXPECT_EQ(index.key_pos("/a"), (TextPos{2, 3}));
    EXPECT_EQ(index.value_pos("/a"), (TextPos{2, 8}));
    EXPECT_EQ(index.value_pos("/b"), (TextPos{3, 8}));
    EXPECT_EQ(index.key_pos("/b/c"), (TextPos{3, 9}));
    EXPECT_EQ(index.value_pos("/b/c"), (TextPos{3, 14}));
    EXPECT_EQ(index.value_pos("/b/c/0"), (TextPos{3, 15}));
    EXPECT_EQ(index.value_pos("/b/c/1"), (TextPos{3, 21}));
    EXPECT_EQ(index.value_pos("/b/c/2"), (TextPos{3, 26}));
    EXPECT_EQ(index.key_pos("/d"), (TextPos{4, 2}));
    EXPECT_EQ(index.value_pos("/d"), (TextPos{4, 7}));
    EXPECT_EQ(index.value_pos("/missing"), std::nullopt);
    EXPECT_TRUE(index.duplicates().empty());
}

TEST(JsonIndex, ColumnsCountCharactersNotBytes) {
    // "é" is two bytes, "€" three: both one column.
    const std::string text = "{\"\xC3\xA9\": \"\xE2\x82\xAC\", \"k\": 2}";
    const auto index = JsonIndex::build(text);
    EXPECT_EQ(index.value_pos("/\xC3\xA9"), (TextPos{1, 7}));
    EXPECT_EQ(index.key_pos("/k"), (TextPos{1, 12}));
    EXPECT_EQ(index.value_pos("/k"), (TextPos{1, 17}));
}

TEST(JsonIndex, KeysAreDecodedAndEscapedLikeJsonPointers) {
    const std::string text = R"({"a/b": 1, "m~n": 2, "\u0041\n": 3, "\ud83d\ude00": 4})";
    const auto index = JsonIndex::build(text);
    EXPECT_TRUE(index.value_pos("/a~1b").has_value());
    EXPECT_TRUE(index.value_pos("/m~0n").has_value());
    EXPECT_TRUE(index.value_pos("/A\n").has_value());
    EXPECT_TRUE(index.value_pos("/\xF0\x9F\x98\x80").has_value());
}

TEST(JsonIndex, ByteOrderMarkIsSkipped) {
    const std::string text = "\xEF\xBB\xBF{\"a\": 1}";
    const auto index = JsonIndex::build(text);
    EXPECT_EQ(index.value_pos("/a"), (TextPos{1, 7}));
    EXPECT_EQ(position_of_offset(text, 9), (TextPos{1, 7}));
}

TEST(JsonIndex, DuplicateKeys) {
    const std::string text =
        "{\"a\": {\"x\": 1},\n"
        " \"a\": {\"y\": 2},\n"
        " \"b\": {\"c\": 1, \"c\": 2}}";
    const auto index = JsonIndex::build(text);
    ASSERT_EQ(index.duplicates().size(), 2u);
    const auto& first = index.duplicates()[0];
    EXPECT_EQ(first.pointer, "/a");
    EXPECT_EQ(first.key, "a");
    EXPECT_EQ(first.position, (TextPos{2, 2}));
    EXPECT_EQ(first.first, (TextPos{1, 2}));
    // Positions follow the value nlohmann keeps (the last).
    EXPECT_EQ(index.value_pos("/a"), (TextPos{2, 7}));
    EXPECT_EQ(index.value_pos("/a/x"), std::nullopt);
    EXPECT_EQ(index.value_pos("/a/y"), (TextPos{2, 13}));
    EXPECT_EQ(index.duplicates()[1].pointer, "/b/c");
    EXPECT_EQ(index.duplicates()[1].position, (TextPos{3, 16}));
}

TEST(JsonIndex, TooDeep) {
    std::string text(JsonIndex::kMaxDepth + 5, '[');
    text += std::string(JsonIndex::kMaxDepth + 5, ']');
    EXPECT_TRUE(JsonIndex::build(text).too_deep());
    EXPECT_FALSE(JsonIndex::build("[[[]]]").too_deep());
}

TEST(JsonIndex, PositionOfOffset) {
    const std::string text = "ab\ncd\n";
    EXPECT_EQ(position_of_offset(text, 0), (TextPos{1, 1}));
    EXPECT_EQ(position_of_offset(text, 2), (TextPos{1, 3}));
    EXPECT_EQ(position_of_offset(text, 3), (TextPos{2, 1}));
    EXPECT_EQ(position_of_offset(text, 6), (TextPos{3, 1}));
    EXPECT_EQ(position_of_offset(text, 100), (TextPos{3, 1}));
}

TEST(JsonPointer, AppendAndDisplay) {
    EXPECT_EQ(pointer_append("", "a"), "/a");
    EXPECT_EQ(pointer_append("/a", "b/c~d"), "/a/b~1c~0d");
    EXPECT_EQ(pointer_append("/a", std::size_t{3}), "/a/3");
    EXPECT_EQ(pointer_display(""), "top level");
    EXPECT_EQ(pointer_display("/x"), "/x");
}

}  // namespace
}  // namespace fastmap::daemon::policy_detail
