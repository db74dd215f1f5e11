// SPDX-License-Identifier: GPL-2.0-only
// Helpers of the policy tests: temporary directory trees and issue lookup.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_loader.hpp"

namespace fastmap::daemon::testing {

// A fresh directory under the test temp dir, removed with everything in it.
class TempTree {
public:
    TempTree() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "fastmap-policy-XXXXXX");
        if (::mkdtemp(tmpl.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed";
        }
        root_ = tmpl;
    }
    ~TempTree() {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
    }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;

    const std::filesystem::path& root() const { return root_; }

    // Writes text to root/relative (creating directories); returns the full path.
    std::filesystem::path write(const std::string& relative, std::string_view text) const {
        const auto path = root_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

private:
    std::filesystem::path root_;
};

inline std::string all_issues(const LoadResult& r) {
    std::string s;
    for (const auto& i : r.issues) {
        s += i.str() + "\n";
    }
    return s;
}

// The one issue of r (fails the test unless there is exactly one).
inline PolicyIssue single_issue(const LoadResult& r) {
    EXPECT_FALSE(r.policy.has_value());
    EXPECT_EQ(r.issues.size(), 1u) << all_issues(r);
    return r.issues.empty() ? PolicyIssue{} : r.issues.front();
}

}  // namespace fastmap::daemon::testing
