// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl policy validate FILE [--json]
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "exit_codes.hpp"
#include "policy_test_util.hpp"
#include "verb_policy.hpp"

namespace fastmap::cli {
namespace {

using daemon::testing::TempTree;

struct Outcome {
    int code = -1;
    std::string out;
    std::string err;
};

Outcome validate(const std::string& file, bool json) {
    std::ostringstream out;
    std::ostringstream err;
    Outcome r;
    r.code = verb_policy_validate(file, json, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

TEST(PolicyValidate, ValidFile) {
    TempTree tree;
    const auto path = tree.write("p.json", R"({
        "instances": {"db0": {}, "db1": {}},
        "attach": [{"name": "db0", "device": "/dev/sda", "cache": "1G"}],
        "auto_enable": {"enabled": true}})")
                          .string();
    const Outcome r = validate(path, false);
    EXPECT_EQ(r.code, kExitOk);
    EXPECT_EQ(r.out, path + ": valid (2 instances, 1 attach entry, auto-enable on)\n");
    EXPECT_EQ(r.err, "");

    const auto empty = tree.write("e.json", "{}").string();
    EXPECT_EQ(validate(empty, false).out,
              empty + ": valid (0 instances, 0 attach entries, auto-enable off)\n");
}

TEST(PolicyValidate, InvalidFile) {
    TempTree tree;
    const auto path =
        tree.write("p.json", "{\n  \"interval\": \"1 sec\",\n  \"defaults\": {\"cach\": {}}\n}")
            .string();
    const Outcome r = validate(path, false);
    EXPECT_EQ(r.code, kExitRuntime);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              path +
                  ":2:15: /interval: invalid duration '1 sec': unknown unit 'sec' (use ms, s, "
                  "min or h)\n" +
                  path + ":3:16: unknown key 'cach' in /defaults (did you mean 'cache'?)\n");
}

TEST(PolicyValidate, MissingFile) {
    const Outcome r = validate("/nonexistent/fastmapd.json", false);
    EXPECT_EQ(r.code, kExitRuntime);
    EXPECT_EQ(r.err, "/nonexistent/fastmapd.json: cannot read: No such file or directory\n");
}

TEST(PolicyValidate, Json) {
    TempTree tree;
    const auto bad = tree.write("bad.json", "{\"version\": 2}").string();
    Outcome r = validate(bad, true);
    EXPECT_EQ(r.code, kExitRuntime);
    EXPECT_EQ(r.err, "");
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j, (nlohmann::json{{"file", bad},
                                 {"valid", false},
                                 {"issues",
                                  {{{"line", 1},
                                    {"column", 13},
                                    {"pointer", "/version"},
                                    {"message", "/version: must be 1, got integer 2"}}}}}));

    const auto good = tree.write("good.json", "{}").string();
    r = validate(good, true);
    EXPECT_EQ(r.code, kExitOk);
    j = nlohmann::json::parse(r.out);
    EXPECT_EQ(
        j, (nlohmann::json{{"file", good}, {"valid", true}, {"issues", nlohmann::json::array()}}));
}

}  // namespace
}  // namespace fastmap::cli
