// SPDX-License-Identifier: GPL-2.0-only
#include "schema_validator.hpp"

#include <gtest/gtest.h>

#include "policy_schema.hpp"

namespace fastmap::daemon::policy_detail {
namespace {

using nlohmann::json;

// The messages of validating instance against schema, as "pointer: message" ("!" marks errors
// about a key).
std::vector<std::string> errors(const json& schema, const json& instance) {
    std::vector<std::string> out;
    for (const auto& e : validate_against_schema(schema, instance)) {
        out.push_back((e.at_key ? "!" : "") + e.pointer + ": " + e.message);
    }
    return out;
}

using Errors = std::vector<std::string>;

TEST(SchemaValidator, Type) {
    const json schema = {{"type", "integer"}};
    EXPECT_EQ(errors(schema, 5), Errors{});
    EXPECT_EQ(errors(schema, 5.0), Errors{});
    EXPECT_EQ(errors(schema, 5.5), Errors{": expected integer, got number 5.5"});
    EXPECT_EQ(errors(schema, "5"), Errors{": expected integer, got string \"5\""});
    const json multi = {{"type", {"string", "integer", "boolean"}}};
    EXPECT_EQ(errors(multi, "x"), Errors{});
    EXPECT_EQ(errors(multi, true), Errors{});
    EXPECT_EQ(errors(multi, json::array()),
              Errors{": expected string, integer or boolean, got array"});
    EXPECT_EQ(errors({{"type", "number"}}, 1), Errors{});
    EXPECT_EQ(errors({{"type", "null"}}, nullptr), Errors{});
    EXPECT_EQ(errors({{"type", "object"}}, nullptr), Errors{": expected object, got null"});
}

TEST(SchemaValidator, ConstAndEnum) {
    EXPECT_EQ(errors({{"const", 1}}, 1), Errors{});
    EXPECT_EQ(errors({{"const", 1}}, 2), Errors{": must be 1, got integer 2"});
    const json schema = {{"enum", {"a", "b"}}};
    EXPECT_EQ(errors(schema, "b"), Errors{});
    EXPECT_EQ(errors(schema, "c"), Errors{": must be one of \"a\", \"b\", got string \"c\""});
}

TEST(SchemaValidator, NumericBounds) {
    const json schema = {{"minimum", 1}, {"maximum", 10}};
    EXPECT_EQ(errors(schema, 1), Errors{});
    EXPECT_EQ(errors(schema, 10), Errors{});
    EXPECT_EQ(errors(schema, 0), Errors{": must be at least 1, got 0"});
    EXPECT_EQ(errors(schema, 10.5), Errors{": must be at most 10, got 10.5"});
    const json exclusive = {{"exclusiveMinimum", 0}, {"exclusiveMaximum", 1}};
    EXPECT_EQ(errors(exclusive, 0.5), Errors{});
    EXPECT_EQ(errors(exclusive, 0), Errors{": must be greater than 0, got 0"});
    EXPECT_EQ(errors(exclusive, 1), Errors{": must be less than 1, got 1"});
    // Bounds only apply to numbers (and to strings with a numeric format).
    EXPECT_EQ(errors(schema, "text"), Errors{});
}

TEST(SchemaValidator, Strings) {
    const json schema = {{"minLength", 2}, {"maxLength", 3}, {"pattern", "^[a-z]"}};
    EXPECT_EQ(errors(schema, "ab"), Errors{});
    EXPECT_EQ(errors(schema, "\xC3\xA9\xC3\xA9"), Errors{": must match the pattern \"^[a-z]\", "
                                                         "got string \"\xC3\xA9\xC3\xA9\""});
    EXPECT_EQ(errors(schema, "a"), Errors{": must be at least 2 characters long, got 1"});
    EXPECT_EQ(errors(schema, "abcd"), Errors{": must be at most 3 characters long, got 4"});
    EXPECT_EQ(errors(schema, "1a"),
              Errors{": must match the pattern \"^[a-z]\", got string \"1a\""});
    EXPECT_EQ(errors({{"minLength", 1}}, ""), Errors{": must not be empty"});
    // pattern is unanchored, as in JSON Schema.
    EXPECT_EQ(errors({{"pattern", "b"}}, "abc"), Errors{});
}

TEST(SchemaValidator, Objects) {
    const json schema = json::parse(R"({
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "cache": {"type": "integer"}},
        "additionalProperties": false
    })");
    EXPECT_EQ(errors(schema, {{"name", "x"}}), Errors{});
    EXPECT_EQ(errors(schema, json::object()), Errors{": missing required key 'name'"});
    EXPECT_EQ(errors(schema, {{"name", "x"}, {"chache", 1}}),
              Errors{"!/chache: unknown key 'chache' at the top level (did you mean 'cache'?)"});
    EXPECT_EQ(errors(schema, {{"name", "x"}, {"zzzzzz", 1}}),
              Errors{"!/zzzzzz: unknown key 'zzzzzz' at the top level"});
    EXPECT_EQ(errors(schema, {{"name", 1}}), Errors{"/name: expected string, got integer 1"});

    const json map = json::parse(R"({
        "type": "object",
        "propertyNames": {"maxLength": 2},
        "additionalProperties": {"type": "integer"}
    })");
    EXPECT_EQ(errors(map, {{"ab", 1}}), Errors{});
    EXPECT_EQ(errors(map, {{"ab", "x"}}), Errors{"/ab: expected integer, got string \"x\""});
    EXPECT_EQ(errors(map, {{"abc", 1}}),
              Errors{"!/abc: top level: invalid key 'abc': must be at most 2 characters long, "
                     "got 3"});
}

TEST(SchemaValidator, Arrays) {
    const json schema = {{"items", {{"type", "string"}}}, {"minItems", 1}, {"maxItems", 2}};
    EXPECT_EQ(errors(schema, {"a"}), Errors{});
    EXPECT_EQ(errors(schema, json::array()), Errors{": must have at least 1 entries, got 0"});
    EXPECT_EQ(errors(schema, {"a", "b", "c"}), Errors{": must have at most 2 entries, got 3"});
    EXPECT_EQ(errors(schema, {"a", 2}), Errors{"/1: expected string, got integer 2"});
}

TEST(SchemaValidator, Refs) {
    const json schema = json::parse(R"({
        "$defs": {"small": {"type": "integer", "maximum": 5}},
        "properties": {"a": {"$ref": "#/$defs/small", "minimum": 2}, "b": {"$ref": "#/nope"}}
    })");
    EXPECT_EQ(errors(schema, {{"a", 3}}), Errors{});
    EXPECT_EQ(errors(schema, {{"a", 6}}), Errors{"/a: must be at most 5, got 6"});
    EXPECT_EQ(errors(schema, {{"a", 1}}), Errors{"/a: must be at least 2, got 1"});
    EXPECT_EQ(errors(schema, {{"b", 1}}), Errors{"/b: schema error: unresolvable $ref \"#/nope\""});
}

TEST(SchemaValidator, Formats) {
    const json size =
        json::parse(R"({"type": ["string", "integer"], "format": "size", "minimum": 262144})");
    EXPECT_EQ(errors(size, "1M"), Errors{});
    EXPECT_EQ(errors(size, 262144), Errors{});
    EXPECT_EQ(errors(size, "128K"), Errors{": must be at least 256 KiB, got 128 KiB"});
    EXPECT_EQ(errors(size, 1000), Errors{": must be at least 256 KiB, got 1000 B"});
    EXPECT_EQ(errors(size, "12Q"),
              Errors{": invalid size '12Q': unknown suffix 'Q' (use K, M, G, T or KiB, MiB, GiB, "
                     "TiB; 1024-based)"});
    EXPECT_EQ(errors(size, true), Errors{": expected a size (a string such as \"64M\" or "
                                         "\"1GiB\", or an integer number of bytes), got boolean "
                                         "true"});
    const json duration =
        json::parse(R"({"type": ["string", "integer"], "format": "duration", "maximum": 3600000})");
    EXPECT_EQ(errors(duration, "1h"), Errors{});
    EXPECT_EQ(errors(duration, "2h"), Errors{": must be at most 1 h, got 2 h"});
    EXPECT_EQ(errors(duration, "5 parsecs"),
              Errors{": invalid duration '5 parsecs': unknown unit 'parsecs' (use ms, s, min or "
                     "h)"});
    const json name = {{"type", "string"}, {"format", "instance-name"}};
    EXPECT_EQ(errors(name, "db0"), Errors{});
    EXPECT_EQ(errors(name, "control"), Errors{": instance name 'control' is reserved"});
    const json path = {{"type", "string"}, {"format", "absolute-path"}};
    EXPECT_EQ(errors(path, "/dev/sda"), Errors{});
    EXPECT_EQ(errors(path, "sda"),
              Errors{": must be an absolute path (starting with '/'), got string \"sda\""});
    const json glob = {{"type", "string"}, {"format", "path-glob"}};
    EXPECT_EQ(errors(glob, "/srv/**"), Errors{});
    EXPECT_EQ(errors(glob, "*.db"),
              Errors{": must be an absolute path glob (starting with '/'), got string \"*.db\""});
}

TEST(SchemaValidator, ClosestMatch) {
    const std::vector<std::string> keys = {"cache", "batch", "max_files", "interval"};
    EXPECT_EQ(closest_match("chache", keys), "cache");
    EXPECT_EQ(closest_match("Batch", keys), "batch");
    EXPECT_EQ(closest_match("max_file", keys), "max_files");
    EXPECT_EQ(closest_match("intervall", keys), "interval");
    EXPECT_EQ(closest_match("bacth", keys), "batch");  // a transposition is one edit
    EXPECT_EQ(closest_match("policy", keys), "");
    EXPECT_EQ(closest_match("x", keys), "");
}

TEST(SchemaValidator, AuditFindsUnsupportedFeatures) {
    const json schema = json::parse(R"({
        "$defs": {"a": {"oneOf": [], "format": "email"}},
        "properties": {"b": {"$ref": "#/$defs/missing", "type": "integr"}}
    })");
    const auto problems = unsupported_schema_features(schema);
    EXPECT_EQ(problems, (std::vector<std::string>{"/$defs/a/format: unknown format \"email\"",
                                                  "/$defs/a/oneOf: unsupported keyword",
                                                  "/properties/b/$ref: unresolvable "
                                                  "\"#/$defs/missing\"",
                                                  "/properties/b/type: unknown type \"integr\""}));
}

// The shipped schema only uses what the interpreter implements.
TEST(PolicySchema, UsesOnlySupportedFeatures) {
    ASSERT_FALSE(policy_schema().is_discarded());
    EXPECT_EQ(unsupported_schema_features(policy_schema()), std::vector<std::string>{});
}

}  // namespace
}  // namespace fastmap::daemon::policy_detail
