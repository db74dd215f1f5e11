// SPDX-License-Identifier: GPL-2.0-only
// Source positions for a JSON text: nlohmann::json keeps none, so the policy loader tokenizes the
// text once more and records, for every JSON pointer, where its value (and, for object members,
// its key) starts. It also finds duplicate keys, which nlohmann silently collapses.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastmap::daemon::policy_detail {

// 1-based line and column; the column counts characters (UTF-8 code points), not bytes.
struct TextPos {
    int line = 0;
    int column = 0;

    bool valid() const { return line > 0; }
    bool operator==(const TextPos&) const = default;
};

struct DuplicateKey {
    std::string pointer;  // of the member (object pointer + "/" + escaped key)
    std::string key;
    TextPos position;  // of the repeated key
    TextPos first;     // of the first occurrence
};

class JsonIndex {
public:
    // Indexes text, which should be valid JSON (parse it with nlohmann first): indexing stops at
    // the first syntax error, keeping what it recorded so far.
    static JsonIndex build(std::string_view text);

    std::optional<TextPos> value_pos(std::string_view pointer) const;
    std::optional<TextPos> key_pos(std::string_view pointer) const;  // object members only
    const std::vector<DuplicateKey>& duplicates() const { return duplicates_; }
    bool too_deep() const { return too_deep_; }  // nesting deeper than kMaxDepth
    // Byte offset of the token where indexing stopped on a syntax error (the start of an invalid
    // literal, an unexpected token or the end of the input); nullopt for valid JSON.
    std::optional<std::size_t> error_offset() const { return error_offset_; }

    static constexpr int kMaxDepth = 256;

private:
    friend class IndexBuilder;
    struct Entry {
        TextPos value;
        std::optional<TextPos> key;
    };
    std::map<std::string, Entry, std::less<>> entries_;
    std::vector<DuplicateKey> duplicates_;
    bool too_deep_ = false;
    std::optional<std::size_t> error_offset_;
};

// Position of a byte offset in text (offset == text.size() is the position after the end).
TextPos position_of_offset(std::string_view text, std::size_t offset);

// RFC 6901: pointer + "/" + key with '~' -> "~0" and '/' -> "~1".
std::string pointer_append(std::string_view pointer, std::string_view key);
std::string pointer_append(std::string_view pointer, std::size_t index);

// A pointer as shown in messages: the pointer itself, or "top level" for the root.
std::string pointer_display(std::string_view pointer);

}  // namespace fastmap::daemon::policy_detail
