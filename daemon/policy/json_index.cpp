// SPDX-License-Identifier: GPL-2.0-only
#include "json_index.hpp"

#include <cstdint>

namespace fastmap::daemon::policy_detail {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

// A recursive-descent walk over the text that records positions instead of building values.
class IndexBuilder {
public:
    IndexBuilder(std::string_view text, JsonIndex& index) : text_(text), index_(index) {}

    void run() {
        if (text_.starts_with(kBom)) {
            i_ = kBom.size();
        }
        skip_ws();
        if (!value("", std::nullopt, 0)) {
            fail();
            return;
        }
        skip_ws();
        if (!at_end()) {
            fail();
        }
    }

private:
    bool at_end() const { return i_ >= text_.size(); }
    // Records where the text stopped making sense (the first failure wins).
    void fail() {
        if (!index_.error_offset_) {
            index_.error_offset_ = i_;
        }
    }
    char peek() const { return at_end() ? '\0' : text_[i_]; }
    TextPos pos() const { return {line_, col_}; }

    void advance() {
        const char c = text_[i_++];
        if (c == '\n') {
            ++line_;
            col_ = 1;
        } else if (!is_continuation(c)) {
            ++col_;
        }
    }

    void skip_ws() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            advance();
        }
    }

    bool value(const std::string& pointer, std::optional<TextPos> key, int depth) {
        index_.entries_[pointer] = JsonIndex::Entry{pos(), key};
        switch (peek()) {
            case '{':
            case '[':
                if (depth >= JsonIndex::kMaxDepth) {
                    index_.too_deep_ = true;
                    return false;
                }
                return peek() == '{' ? object(pointer, depth) : array(pointer, depth);
            case '"':
                return string(nullptr);
            default:
                return scalar();
        }
    }

    bool object(const std::string& pointer, int depth) {
        advance();  // '{'
        skip_ws();
        std::map<std::string, TextPos, std::less<>> seen;
        if (peek() == '}') {
            advance();
            return true;
        }
        while (true) {
            if (peek() != '"') {
                return false;
            }
            const TextPos key_pos = pos();
            std::string key;
            if (!string(&key)) {
                return false;
            }
            skip_ws();
            if (peek() != ':') {
                return false;
            }
            advance();
            skip_ws();
            std::string member = pointer_append(pointer, key);
            if (auto it = seen.find(key); it != seen.end()) {
                index_.duplicates_.push_back({member, key, key_pos, it->second});
                // nlohmann keeps the last value: forget what the earlier one recorded below it.
                const std::string prefix = member + "/";
                auto first = index_.entries_.lower_bound(prefix);
                auto last = first;
                while (last != index_.entries_.end() && last->first.starts_with(prefix)) {
                    ++last;
                }
                index_.entries_.erase(first, last);
            } else {
                seen.emplace(key, key_pos);
            }
            if (!value(member, key_pos, depth + 1)) {
                return false;
            }
            skip_ws();
            if (peek() == ',') {
                advance();
                skip_ws();
                continue;
            }
            if (peek() == '}') {
                advance();
                return true;
            }
            return false;
        }
    }

    bool array(const std::string& pointer, int depth) {
        advance();  // '['
        skip_ws();
        if (peek() == ']') {
            advance();
            return true;
        }
        for (std::size_t n = 0;; ++n) {
            if (!value(pointer_append(pointer, n), std::nullopt, depth + 1)) {
                return false;
            }
            skip_ws();
            if (peek() == ',') {
                advance();
                skip_ws();
                continue;
            }
            if (peek() == ']') {
                advance();
                return true;
            }
            return false;
        }
    }

    // A string token; decoded into *out when out is not null.
    bool string(std::string* out) {
        advance();  // opening quote
        while (!at_end()) {
            const char c = peek();
            if (c == '"') {
                advance();
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail();  // control characters must be escaped
                return false;
            }
            if (c != '\\') {
                if (out != nullptr) {
                    *out += c;
                }
                advance();
                continue;
            }
            advance();
            if (at_end()) {
                return false;
            }
            const char e = peek();
            advance();
            if (e == 'u') {
                std::uint32_t cp = 0;
                if (!hex4(cp)) {
                    return false;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF && peek() == '\\') {
                    advance();
                    std::uint32_t low = 0;
                    if (peek() != 'u') {
                        return false;
                    }
                    advance();
                    if (!hex4(low)) {
                        return false;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                if (out != nullptr) {
                    append_utf8(*out, cp);
                }
                continue;
            }
            if (out != nullptr) {
                switch (e) {
                    case 'b':
                        *out += '\b';
                        break;
                    case 'f':
                        *out += '\f';
                        break;
                    case 'n':
                        *out += '\n';
                        break;
                    case 'r':
                        *out += '\r';
                        break;
                    case 't':
                        *out += '\t';
                        break;
                    default:  // '"', '\\', '/'
                        *out += e;
                        break;
                }
            }
        }
        return false;
    }

    bool hex4(std::uint32_t& cp) {
        for (int n = 0; n < 4; ++n) {
            const int v = at_end() ? -1 : hex_value(peek());
            if (v < 0) {
                return false;
            }
            cp = cp * 16 + static_cast<std::uint32_t>(v);
            advance();
        }
        return true;
    }

    // Numbers and the literals true, false and null; an invalid one fails at its start.
    bool scalar() {
        const std::size_t start = i_;
        const TextPos start_pos = pos();
        while (!at_end()) {
            const char c = peek();
            const bool part = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                              (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
            if (!part) {
                break;
            }
            advance();
        }
        const std::string_view token = text_.substr(start, i_ - start);
        if (token == "true" || token == "false" || token == "null" || is_number(token)) {
            return true;
        }
        i_ = start;
        line_ = start_pos.line;
        col_ = start_pos.column;
        fail();
        return false;
    }

    // RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
    static bool is_number(std::string_view t) {
        std::size_t i = 0;
        auto digits = [&]() {
            const std::size_t from = i;
            while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
                ++i;
            }
            return i - from;
        };
        if (i < t.size() && t[i] == '-') {
            ++i;
        }
        if (i < t.size() && t[i] == '0') {
            ++i;
        } else if (digits() == 0) {
            return false;
        }
        if (i < t.size() && t[i] == '.') {
            ++i;
            if (digits() == 0) {
                return false;
            }
        }
        if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
            ++i;
            if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
                ++i;
            }
            if (digits() == 0) {
                return false;
            }
        }
        return i == t.size();
    }

    std::string_view text_;
    JsonIndex& index_;
    std::size_t i_ = 0;
    int line_ = 1;
    int col_ = 1;
};

JsonIndex JsonIndex::build(std::string_view text) {
    JsonIndex index;
    IndexBuilder(text, index).run();
    return index;
}

std::optional<TextPos> JsonIndex::value_pos(std::string_view pointer) const {
    auto it = entries_.find(pointer);
    if (it == entries_.end()) {
        return std::nullopt;
    }
    return it->second.value;
}

std::optional<TextPos> JsonIndex::key_pos(std::string_view pointer) const {
    auto it = entries_.find(pointer);
    if (it == entries_.end()) {
        return std::nullopt;
    }
    return it->second.key;
}

TextPos position_of_offset(std::string_view text, std::size_t offset) {
    TextPos p{1, 1};
    std::size_t i = text.starts_with(kBom) && offset >= kBom.size() ? kBom.size() : 0;
    for (; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else if (!is_continuation(text[i])) {
            ++p.column;
        }
    }
    return p;
}

std::string pointer_append(std::string_view pointer, std::string_view key) {
    std::string out(pointer);
    out += '/';
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string pointer_append(std::string_view pointer, std::size_t index) {
    return std::string(pointer) + "/" + std::to_string(index);
}

std::string pointer_display(std::string_view pointer) {
    return pointer.empty() ? std::string("top level") : std::string(pointer);
}

}  // namespace fastmap::daemon::policy_detail
