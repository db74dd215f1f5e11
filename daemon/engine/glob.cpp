// SPDX-License-Identifier: GPL-2.0-only
#include "engine/glob.hpp"

#include <cstddef>
#include <vector>

namespace fastmap::daemon {
namespace {

enum class Op {
    kChar,      // one literal character
    kAny,       // ?: one character but '/'
    kStar,      // *: a run without '/'
    kGlobstar,  // **: any run
    kDirs,      // "**/" as whole components: nothing, or any run ending in '/'
};

struct Token {
    Op op;
    char c = 0;
};

std::vector<Token> tokenize(std::string_view pattern) {
    std::vector<Token> out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '?') {
            out.push_back({Op::kAny});
            continue;
        }
        if (c != '*') {
            out.push_back({Op::kChar, c});
            continue;
        }
        std::size_t end = i;  // one past the run of '*' ("***" is "**")
        while (end < pattern.size() && pattern[end] == '*') {
            ++end;
        }
        if (end - i == 1) {
            out.push_back({Op::kStar});
        } else if ((i == 0 || pattern[i - 1] == '/') && end < pattern.size() &&
                   pattern[end] == '/') {
            out.push_back({Op::kDirs});
            i = end;  // the '/' is part of the token
            continue;
        } else {
            out.push_back({Op::kGlobstar});
        }
        i = end - 1;
    }
    return out;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
    const std::vector<Token> tokens = tokenize(pattern);
    const std::size_t n = path.size();
    // Dynamic programming from the end: next[j] tells whether tokens[i+1..] match path[j..],
    // cur[j] whether tokens[i..] do. O(tokens * path) time, no backtracking blow-up.
    std::vector<char> next(n + 1, 0);
    std::vector<char> cur(n + 1, 0);
    next[n] = 1;
    for (std::size_t t = tokens.size(); t-- > 0;) {
        const Token& tok = tokens[t];
        cur[n] = (tok.op == Op::kStar || tok.op == Op::kGlobstar || tok.op == Op::kDirs) && next[n];
        bool dirs_tail = false;  // kDirs: some k >= j with path[k] == '/' && next[k + 1]
        for (std::size_t j = n; j-- > 0;) {
            const char c = path[j];
            switch (tok.op) {
                case Op::kChar:
                    cur[j] = c == tok.c && next[j + 1];
                    break;
                case Op::kAny:
                    cur[j] = c != '/' && next[j + 1];
                    break;
                case Op::kStar:
                    cur[j] = next[j] || (c != '/' && cur[j + 1]);
                    break;
                case Op::kGlobstar:
                    cur[j] = next[j] || cur[j + 1];
                    break;
                case Op::kDirs:
                    dirs_tail = dirs_tail || (c == '/' && next[j + 1]);
                    cur[j] = next[j] || dirs_tail;
                    break;
            }
        }
        next.swap(cur);
    }
    return next[0] != 0;
}

}  // namespace fastmap::daemon
