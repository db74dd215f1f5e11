// SPDX-License-Identifier: GPL-2.0-only
// parse_policy(): one document, syntax and schema errors with their positions.
#include <gtest/gtest.h>

#include "policy/policy_loader.hpp"
#include "policy_test_util.hpp"

namespace fastmap::daemon {
namespace {

using testing::all_issues;
using testing::single_issue;

LoadResult parse(std::string_view text) {
    return parse_policy(text, "test.json");
}

TEST(ParsePolicy, EmptyObjectGivesDefaults) {
    auto r = parse("{}");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    Policy expected;
    expected.sources = {"test.json"};
    EXPECT_EQ(*r.policy, expected);
}

TEST(ParsePolicy, AllKeys) {
    auto r = parse(R"({
        "$schema": "/usr/share/fastmap/policy.schema.json",
        "version": 1,
        "interval": "250ms",
        "decision_history": 500,
        "defaults": {
            "cache": {"enabled": false, "min": "32M", "max": "2GiB", "step_percent": 10,
                      "grow_miss_ratio": 0.2, "shrink_miss_ratio": 0.02,
                      "shrink_psi_some_avg10": 5.5, "min_mem_available": "1G",
                      "hysteresis_intervals": 4, "cooldown_intervals": 0, "min_faults": 10},
            "batch": {"enabled": false, "min": 8, "max": 16, "target_evict_us": 100,
                      "max_fault_p99_us": 200, "hysteresis_intervals": 2,
                      "cooldown_intervals": 7}
        },
        "instances": {"db0": {"cache": {"max": "4G"}, "batch": {"enabled": true}}},
        "attach": [{"name": "db0", "device": "/dev/nvme0n1", "cache": "1G", "batch": 256},
                   {"name": "db1", "device": "/dev/nvme1n1", "cache": 268435456}],
        "auto_enable": {"enabled": true, "min_fault_rate": 12.5, "window_intervals": 3,
                        "allow": ["/srv/**"], "deny": [], "max_files": 9}
    })");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    const Policy& p = *r.policy;
    EXPECT_EQ(p.interval_ms, 250u);
    EXPECT_EQ(p.decision_history, 500u);
    const CachePolicy& c = p.defaults.cache;
    EXPECT_FALSE(c.enabled);
    EXPECT_EQ(c.min_bytes, 32ULL << 20);
    EXPECT_EQ(c.max_bytes, 2ULL << 30);
    EXPECT_EQ(c.step_percent, 10u);
    EXPECT_DOUBLE_EQ(c.grow_miss_ratio, 0.2);
    EXPECT_DOUBLE_EQ(c.shrink_miss_ratio, 0.02);
    EXPECT_DOUBLE_EQ(c.shrink_psi_some_avg10, 5.5);
    EXPECT_EQ(c.min_mem_available_bytes, 1ULL << 30);
    EXPECT_EQ(c.hysteresis_intervals, 4u);
    EXPECT_EQ(c.cooldown_intervals, 0u);
    EXPECT_EQ(c.min_faults, 10u);
    const BatchPolicy& b = p.defaults.batch;
    EXPECT_FALSE(b.enabled);
    EXPECT_EQ(b.min_pages, 8u);
    EXPECT_EQ(b.max_pages, 16u);
    EXPECT_EQ(b.target_evict_us, 100u);
    EXPECT_EQ(b.max_fault_p99_us, 200u);
    EXPECT_EQ(b.hysteresis_intervals, 2u);
    EXPECT_EQ(b.cooldown_intervals, 7u);

    // Instances are merged over the defaults key by key.
    ASSERT_EQ(p.instances.size(), 1u);
    InstancePolicy db0 = p.defaults;
    db0.cache.max_bytes = 4ULL << 30;
    db0.batch.enabled = true;
    EXPECT_EQ(p.for_instance("db0"), db0);
    EXPECT_EQ(p.for_instance("other"), p.defaults);

    ASSERT_EQ(p.attach.size(), 2u);
    EXPECT_EQ(p.attach[0], (AttachSpec{"db0", "/dev/nvme0n1", 1ULL << 30, 256}));
    EXPECT_EQ(p.attach[1], (AttachSpec{"db1", "/dev/nvme1n1", 256ULL << 20, std::nullopt}));

    const AutoEnablePolicy& a = p.auto_enable;
    EXPECT_TRUE(a.enabled);
    EXPECT_DOUBLE_EQ(a.min_fault_rate, 12.5);
    EXPECT_EQ(a.window_intervals, 3u);
    EXPECT_EQ(a.allow, std::vector<std::string>{"/srv/**"});
    EXPECT_TRUE(a.deny.empty());
    EXPECT_EQ(a.max_files, 9u);
}

TEST(ParsePolicy, SizesAsStringsAndIntegers) {
    auto r = parse(R"({"defaults": {"cache": {"min": 1048576, "max": "1.5G",
                       "min_mem_available": "512 MiB"}}})");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->defaults.cache.min_bytes, 1ULL << 20);
    EXPECT_EQ(r.policy->defaults.cache.max_bytes, 3ULL << 29);
    EXPECT_EQ(r.policy->defaults.cache.min_mem_available_bytes, 512ULL << 20);
    // A float with an integral value is an integer, as in JSON Schema.
    r = parse(R"({"defaults": {"batch": {"min": 32.0}}})");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->defaults.batch.min_pages, 32u);
}

TEST(ParsePolicy, DurationsAsStringsAndIntegers) {
    EXPECT_EQ(parse(R"({"interval": "2min"})").policy->interval_ms, 120000u);
    EXPECT_EQ(parse(R"({"interval": "1h"})").policy->interval_ms, 3600000u);
    EXPECT_EQ(parse(R"({"interval": 100})").policy->interval_ms, 100u);
    EXPECT_EQ(parse(R"({"interval": "5S"})").policy->interval_ms, 5000u);
}

TEST(ParsePolicy, InvalidSize) {
    auto issue = single_issue(parse("{\"defaults\": {\"cache\": {\n    \"max\": \"lots\"}}}"));
    EXPECT_EQ(issue.str(),
              "test.json:2:12: /defaults/cache/max: invalid size 'lots': expected a number, "
              "optionally followed by K, M, G or T");
    EXPECT_EQ(issue.pointer, "/defaults/cache/max");
    issue =
        single_issue(parse(R"({"attach": [{"name": "a", "device": "/dev/x", "cache": "1.5"}]})"));
    EXPECT_EQ(issue.str(),
              "test.json:1:56: /attach/0/cache: invalid size '1.5': not a whole "
              "number of bytes");
    issue = single_issue(parse(R"({"defaults": {"cache": {"min": -5}}})"));
    EXPECT_EQ(issue.str(), "test.json:1:32: /defaults/cache/min: must be at least 256 KiB, got -5");
    issue = single_issue(parse(R"({"defaults": {"cache": {"min": "100K"}}})"));
    EXPECT_EQ(issue.str(),
              "test.json:1:32: /defaults/cache/min: must be at least 256 KiB, got 100 KiB");
}

TEST(ParsePolicy, InvalidDuration) {
    auto issue = single_issue(parse(R"({"interval": "1 fortnight"})"));
    EXPECT_EQ(issue.str(),
              "test.json:1:14: /interval: invalid duration '1 fortnight': unknown "
              "unit 'fortnight' (use ms, s, min or h)");
    issue = single_issue(parse(R"({"interval": "50ms"})"));
    EXPECT_EQ(issue.str(), "test.json:1:14: /interval: must be at least 100 ms, got 50 ms");
    issue = single_issue(parse(R"({"interval": 7200000})"));
    EXPECT_EQ(issue.str(), "test.json:1:14: /interval: must be at most 1 h, got 2 h");
    issue = single_issue(parse(R"({"interval": 1.5})"));
    EXPECT_EQ(issue.str(),
              "test.json:1:14: /interval: expected a duration (a string such as "
              "\"500ms\" or \"5s\", or an integer number of milliseconds), got "
              "number 1.5");
}

// One case per schema keyword the policy schema uses.
TEST(ParsePolicy, SchemaErrorsWithPositions) {
    struct Case {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {"[]", "test.json:1:1: top level: expected object, got array"},
        {"{\"version\": 2}", "test.json:1:13: /version: must be 1, got integer 2"},
        {"{\n  \"decision_history\": \"100\"\n}",
         "test.json:2:23: /decision_history: expected integer, got string \"100\""},
        {"{\"decision_history\": 0}",
         "test.json:1:22: /decision_history: must be at least 1, got 0"},
        {"{\"decision_history\": 10001}",
         "test.json:1:22: /decision_history: must be at most 10000, got 10001"},
        {"{\"defaults\": {\"cache\": {\"grow_miss_ratio\": 1.5}}}",
         "test.json:1:44: /defaults/cache/grow_miss_ratio: must be at most 1, got 1.5"},
        {"{\"defaults\": {\"cache\": {\"enabled\": \"yes\"}}}",
         "test.json:1:36: /defaults/cache/enabled: expected boolean, got string \"yes\""},
        {"{\"defaults\": {\"batch\": {\"max\": 8192}}}",
         "test.json:1:32: /defaults/batch/max: must be at most 4096, got 8192"},
        {"{\"defaults\": {\"batch\": {\"min\": 0}}}",
         "test.json:1:32: /defaults/batch/min: must be at least 1, got 0"},
        {"{\"defaults\": {\"cache\": {\"step_percent\": 101}}}",
         "test.json:1:41: /defaults/cache/step_percent: must be at most 100, got 101"},
        {"{\"defaults\": {\"cache\": {\"shrink_psi_some_avg10\": -1}}}",
         "test.json:1:50: /defaults/cache/shrink_psi_some_avg10: must be at least 0, got -1"},
        {"{\"attach\": [{\"name\": \"a\", \"cache\": \"1G\"}]}",
         "test.json:1:13: /attach/0: missing required key 'device'"},
        {"{\"attach\": [{\"name\": \"a\", \"device\": \"sda\", \"cache\": \"1G\"}]}",
         "test.json:1:37: /attach/0/device: must be an absolute path (starting with '/'), got "
         "string \"sda\""},
        {"{\"attach\": [{\"name\": \"control\", \"device\": \"/dev/sda\", \"cache\": \"1G\"}]}",
         "test.json:1:22: /attach/0/name: instance name 'control' is reserved"},
        {"{\"attach\": {}}", "test.json:1:12: /attach: expected array, got object"},
        {"{\"auto_enable\": {\"allow\": [\"/srv/**\", \"data/*\"]}}",
         "test.json:1:39: /auto_enable/allow/1: must be an absolute path glob (starting with "
         "'/'), got string \"data/*\""},
        {"{\"auto_enable\": {\"deny\": [\"\"]}}",
         "test.json:1:27: /auto_enable/deny/0: must be an absolute path glob (starting with '/'), "
         "got string \"\""},
        {"{\"auto_enable\": {\"max_files\": 5000}}",
         "test.json:1:31: /auto_enable/max_files: must be at most 4096, got 5000"},
        {"{\"instances\": {\"bad name\": {}}}",
         "test.json:1:16: /instances: instance name 'bad name' contains ' ' (allowed: A-Z a-z "
         "0-9 _ . -)"},
        {"{\"instances\": {\"db\": {\"cache\": []}}}",
         "test.json:1:32: /instances/db/cache: expected object, got array"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.text);
        ASSERT_FALSE(r.ok()) << c.text;
        ASSERT_EQ(r.issues.size(), 1u) << c.text << "\n" << all_issues(r);
        EXPECT_EQ(r.issues[0].str(), c.expected) << c.text;
    }
}

TEST(ParsePolicy, TooManyEntries) {
    std::string text = R"({"auto_enable": {"deny": [)";
    for (int i = 0; i < 257; ++i) {
        text += std::string(i == 0 ? "" : ",") + "\"/x\"";
    }
    text += "]}}";
    EXPECT_EQ(single_issue(parse(text)).str(),
              "test.json:1:26: /auto_enable/deny: must have at most 256 entries, got 257");
}

TEST(ParsePolicy, UnknownKeyWithSuggestion) {
    const std::string text =
        "{\n"
        "  \"defaults\": {\n"
        "    \"chache\": {\"min\": \"16M\"}\n"
        "  }\n"
        "}\n";
    auto issue = single_issue(parse(text));
    EXPECT_EQ(issue.str(),
              "test.json:3:5: unknown key 'chache' in /defaults (did you mean 'cache'?)");
    EXPECT_EQ(issue.pointer, "/defaults/chache");
    EXPECT_EQ(issue.line, 3);
    EXPECT_EQ(issue.column, 5);

    EXPECT_EQ(single_issue(parse(R"({"intervall": "1s"})")).str(),
              "test.json:1:2: unknown key 'intervall' at the top level (did you mean "
              "'interval'?)");
    EXPECT_EQ(single_issue(parse(R"({"auto_enable": {"max_file": 3}})")).str(),
              "test.json:1:18: unknown key 'max_file' in /auto_enable (did you mean "
              "'max_files'?)");
    EXPECT_EQ(single_issue(parse(R"({"colour": "blue"})")).str(),
              "test.json:1:2: unknown key 'colour' at the top level");
}

TEST(ParsePolicy, DuplicateKey) {
    const std::string text =
        "{\n"
        "  \"interval\": \"1s\",\n"
        "  \"defaults\": {\"cache\": {\"max\": \"1G\", \"max\": \"2G\"}},\n"
        "  \"interval\": \"2s\"\n"
        "}\n";
    auto r = parse(text);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.issues.size(), 2u) << all_issues(r);
    EXPECT_EQ(r.issues[0].str(),
              "test.json:3:39: duplicate key 'max' in /defaults/cache (first at line 3, column "
              "26)");
    EXPECT_EQ(r.issues[0].pointer, "/defaults/cache/max");
    EXPECT_EQ(r.issues[1].str(),
              "test.json:4:3: duplicate key 'interval' at the top level (first at line 2, column "
              "3)");
}

TEST(ParsePolicy, SyntaxErrorLocation) {
    struct Case {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {"{\n  \"interval\": \"1s\",\n}\n",
         "test.json:3:1: syntax error while parsing object key - unexpected '}'; expected string "
         "literal"},
        {"{\"interval\" \"1s\"}",
         "test.json:1:13: syntax error while parsing object separator - unexpected string "
         "literal; expected ':'"},
        {"{\"defaults\": {}",
         "test.json:1:16: syntax error while parsing object - unexpected end "
         "of input; expected '}'"},
        {"",
         "test.json:1:1: syntax error while parsing value - unexpected end of input; expected "
         "'[', '{', or a literal"},
        {"{\"a\": tru}",
         "test.json:1:7: syntax error while parsing value - invalid literal; last read: '\"a\": "
         "tru}'"},
        {"// comment\n{}",
         "test.json:1:1: syntax error while parsing value - invalid literal; "
         "last read: '/'"},
        {"{\"a\": \"x\ny\"}",
         "test.json:1:9: syntax error while parsing value - invalid string: control character "
         "U+000A (LF) must be escaped to \\u000A or \\n; last read: '\"x<U+000A>'"},
        {"{\"a\": 1} x",
         "test.json:1:10: syntax error while parsing value - invalid literal; "
         "last read: '1} x'; expected end of input"},
        {"{\"a\": 01}",
         "test.json:1:7: syntax error while parsing object - unexpected number "
         "literal; expected '}'"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.text);
        ASSERT_EQ(r.issues.size(), 1u) << c.text << "\n" << all_issues(r);
        EXPECT_EQ(r.issues[0].str(), c.expected) << c.text;
        EXPECT_EQ(r.issues[0].pointer, "");
    }
}

TEST(ParsePolicy, SeveralErrorsAreAllReported) {
    auto r = parse(R"({"version": 3, "interval": "fast", "defaults": {"batch": {"min": 0}}})");
    ASSERT_EQ(r.issues.size(), 3u) << all_issues(r);
    // In the order of the text.
    EXPECT_EQ(r.issues[0].pointer, "/version");
    EXPECT_EQ(r.issues[1].pointer, "/interval");
    EXPECT_EQ(r.issues[2].pointer, "/defaults/batch/min");
}

TEST(PolicyIssue, Str) {
    EXPECT_EQ((PolicyIssue{"f.json", 3, 7, "/x", "/x: bad"}).str(), "f.json:3:7: /x: bad");
    EXPECT_EQ((PolicyIssue{"f.json", 0, 0, "", "cannot read: Permission denied"}).str(),
              "f.json: cannot read: Permission denied");
}

}  // namespace
}  // namespace fastmap::daemon
