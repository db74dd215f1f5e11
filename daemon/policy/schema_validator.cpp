// SPDX-License-Identifier: GPL-2.0-only
#include "schema_validator.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "json_index.hpp"
#include "schema_formats.hpp"

namespace fastmap::daemon::policy_detail {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

const std::set<std::string, std::less<>> kAnnotations = {
    "$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"};
const std::set<std::string, std::less<>> kKeywords = {
    "type",      "const",         "enum",    "$ref",    "properties",       "additionalProperties",
    "required",  "propertyNames", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength",     "pattern", "items",   "minItems",         "maxItems",
    "format"};
const std::set<std::string, std::less<>> kTypes = {"null",   "boolean", "object", "array",
                                                   "number", "string",  "integer"};

bool is_integral(const json& v) {
    if (v.is_number_integer()) {
        return true;
    }
    if (!v.is_number_float()) {
        return false;
    }
    // Integral and within the 64-bit range the decoder reads integers into.
    const double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d) && d >= -9.2e18 && d < 1.8e19;
}

bool has_type(const json& v, std::string_view type) {
    if (type == "integer") {
        return is_integral(v);
    }
    if (type == "number") {
        return v.is_number();
    }
    if (type == "string") {
        return v.is_string();
    }
    if (type == "boolean") {
        return v.is_boolean();
    }
    if (type == "object") {
        return v.is_object();
    }
    if (type == "array") {
        return v.is_array();
    }
    return type == "null" && v.is_null();
}

// A non-negative integer keyword value (minLength, maxItems, ...).
std::optional<std::size_t> count_keyword(const json& schema, const char* keyword) {
    auto it = schema.find(keyword);
    if (it == schema.end() || !it->is_number_integer() || it->get<long long>() < 0) {
        return std::nullopt;
    }
    return it->get<std::size_t>();
}

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Resolves "#/a/b" within root; nullptr when it does not resolve.
const json* resolve_ref(const json& root, const std::string& ref) {
    if (!ref.starts_with('#')) {
        return nullptr;
    }
    try {
        const json::json_pointer ptr(ref.substr(1));
        return root.contains(ptr) ? &root.at(ptr) : nullptr;
    } catch (const json::exception&) {
        return nullptr;
    }
}

class Validator {
public:
    Validator(const json& root, std::vector<SchemaError>& out) : root_(root), out_(out) {}

    void validate(const json& schema, const json& inst, const std::string& ptr, int depth) {
        if (depth > kMaxDepth) {
            fail(ptr, "schema nesting too deep");
            return;
        }
        if (schema.is_boolean()) {
            if (!schema.get<bool>()) {
                fail(ptr, "not allowed here");
            }
            return;
        }
        if (!schema.is_object()) {
            return;
        }
        if (auto it = schema.find("$ref"); it != schema.end() && it->is_string()) {
            const json* target = resolve_ref(root_, it->get<std::string>());
            if (target == nullptr) {
                fail(ptr, "schema error: unresolvable $ref " + it->dump());
                return;
            }
            const std::size_t before = out_.size();
            validate(*target, inst, ptr, depth + 1);
            if (out_.size() != before) {
                return;  // the referenced schema failed: siblings would only repeat it
            }
        }
        if (!check_type(schema, inst, ptr)) {
            return;
        }
        if (auto it = schema.find("const"); it != schema.end() && inst != *it) {
            fail(ptr, "must be " + it->dump() + ", got " + describe_value(inst));
            return;
        }
        if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
            if (std::find(it->begin(), it->end(), inst) == it->end()) {
                std::string allowed;
                for (const auto& e : *it) {
                    allowed += (allowed.empty() ? "" : ", ") + e.dump();
                }
                fail(ptr, "must be one of " + allowed + ", got " + describe_value(inst));
                return;
            }
        }
        const std::string format = schema.value("format", std::string());
        std::optional<double> numeric;
        if (inst.is_number()) {
            numeric = inst.get<double>();
        } else if (inst.is_string() && !format.empty()) {
            FormatCheck fc = check_format(format, inst.get<std::string>());
            if (!fc.error.empty()) {
                fail(ptr, fc.error);
                return;
            }
            numeric = fc.numeric;
        }
        if (numeric && !check_numeric(schema, *numeric, format, ptr)) {
            return;
        }
        if (inst.is_string() && !check_string(schema, inst.get<std::string>(), ptr)) {
            return;
        }
        if (inst.is_object()) {
            check_object(schema, inst, ptr, depth);
        } else if (inst.is_array()) {
            check_array(schema, inst, ptr, depth);
        }
    }

private:
    void fail(const std::string& ptr, std::string message, bool at_key = false) {
        out_.push_back(SchemaError{ptr, std::move(message), at_key});
    }

    bool check_type(const json& schema, const json& inst, const std::string& ptr) {
        auto it = schema.find("type");
        if (it == schema.end()) {
            return true;
        }
        std::vector<std::string> types;
        if (it->is_string()) {
            types.push_back(it->get<std::string>());
        } else if (it->is_array()) {
            for (const auto& t : *it) {
                if (t.is_string()) {
                    types.push_back(t.get<std::string>());
                }
            }
        }
        for (const auto& t : types) {
            if (has_type(inst, t)) {
                return true;
            }
        }
        std::string expected = format_expectation(schema.value("format", std::string()));
        if (expected.empty()) {
            for (std::size_t i = 0; i < types.size(); ++i) {
                expected += (i == 0 ? "" : (i + 1 == types.size() ? " or " : ", ")) + types[i];
            }
        }
        fail(ptr, "expected " + expected + ", got " + describe_value(inst));
        return false;
    }

    bool check_numeric(const json& schema, double v, const std::string& format,
                       const std::string& ptr) {
        struct Bound {
            const char* keyword;
            const char* words;
            bool (*violated)(double value, double bound);
        };
        static constexpr Bound kBounds[] = {
            {"minimum", "at least", [](double x, double b) { return x < b; }},
            {"maximum", "at most", [](double x, double b) { return x > b; }},
            {"exclusiveMinimum", "greater than", [](double x, double b) { return x <= b; }},
            {"exclusiveMaximum", "less than", [](double x, double b) { return x >= b; }},
        };
        for (const auto& b : kBounds) {
            auto it = schema.find(b.keyword);
            if (it == schema.end() || !it->is_number()) {
                continue;
            }
            const double bound = it->get<double>();
            if (b.violated(v, bound)) {
                fail(ptr, std::string("must be ") + b.words + " " + render_number(format, bound) +
                              ", got " + render_number(format, v));
                return false;
            }
        }
        return true;
    }

    bool check_string(const json& schema, const std::string& s, const std::string& ptr) {
        const std::size_t len = utf8_length(s);
        if (const auto min_opt = count_keyword(schema, "minLength")) {
            const std::size_t min = *min_opt;
            if (len < min) {
                fail(ptr, min == 1 ? std::string("must not be empty")
                                   : "must be at least " + std::to_string(min) +
                                         " characters long, got " + std::to_string(len));
                return false;
            }
        }
        if (const auto max_opt = count_keyword(schema, "maxLength")) {
            const std::size_t max = *max_opt;
            if (len > max) {
                fail(ptr, "must be at most " + std::to_string(max) + " characters long, got " +
                              std::to_string(len));
                return false;
            }
        }
        if (auto it = schema.find("pattern"); it != schema.end() && it->is_string()) {
            const std::regex* re = regex(it->get<std::string>());
            if (re == nullptr) {
                fail(ptr, "schema error: invalid pattern " + it->dump());
                return false;
            }
            if (!std::regex_search(s, *re)) {
                fail(ptr,
                     "must match the pattern " + it->dump() + ", got " + describe_value(json(s)));
                return false;
            }
        }
        return true;
    }

    void check_object(const json& schema, const json& inst, const std::string& ptr, int depth) {
        if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
            for (const auto& key : *it) {
                if (key.is_string() && !inst.contains(key.get<std::string>())) {
                    fail(ptr, "missing required key '" + key.get<std::string>() + "'");
                }
            }
        }
        const json* properties = nullptr;
        if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
            properties = &*it;
        }
        const auto names = schema.find("propertyNames");
        const auto additional = schema.find("additionalProperties");
        for (const auto& [key, value] : inst.items()) {
            const std::string member = pointer_append(ptr, key);
            if (names != schema.end()) {
                check_key(*names, key, ptr, member, depth);
            }
            if (properties != nullptr && properties->contains(key)) {
                validate(properties->at(key), value, member, depth + 1);
                continue;
            }
            if (additional == schema.end()) {
                continue;
            }
            if (additional->is_boolean() && !additional->get<bool>()) {
                fail(member, unknown_key_message(key, ptr, properties), true);
            } else {
                validate(*additional, value, member, depth + 1);
            }
        }
    }

    // propertyNames: the key is validated as a string; errors point at the key.
    void check_key(const json& names_schema, const std::string& key, const std::string& ptr,
                   const std::string& member, int depth) {
        std::vector<SchemaError> errors;
        Validator(root_, errors).validate(names_schema, json(key), "", depth + 1);
        for (auto& e : errors) {
            std::string message = pointer_display(ptr) + ": ";
            if (e.message.find("'" + key + "'") == std::string::npos) {
                message += "invalid key '" + key + "': ";
            }
            fail(member, message + e.message, true);
        }
    }

    static std::string unknown_key_message(const std::string& key, const std::string& ptr,
                                           const json* properties) {
        std::string message = "unknown key '" + key + "' " +
                              (ptr.empty() ? std::string("at the top level") : "in " + ptr);
        if (properties != nullptr) {
            std::vector<std::string> known;
            for (const auto& [name, unused] : properties->items()) {
                known.push_back(name);
            }
            if (auto best = closest_match(key, known); !best.empty()) {
                message += " (did you mean '" + best + "'?)";
            }
        }
        return message;
    }

    void check_array(const json& schema, const json& inst, const std::string& ptr, int depth) {
        if (const auto min_opt = count_keyword(schema, "minItems")) {
            const std::size_t min = *min_opt;
            if (inst.size() < min) {
                fail(ptr, "must have at least " + std::to_string(min) + " entries, got " +
                              std::to_string(inst.size()));
            }
        }
        if (const auto max_opt = count_keyword(schema, "maxItems")) {
            const std::size_t max = *max_opt;
            if (inst.size() > max) {
                fail(ptr, "must have at most " + std::to_string(max) + " entries, got " +
                              std::to_string(inst.size()));
            }
        }
        if (auto it = schema.find("items"); it != schema.end()) {
            for (std::size_t i = 0; i < inst.size(); ++i) {
                validate(*it, inst[i], pointer_append(ptr, i), depth + 1);
            }
        }
    }

    const std::regex* regex(const std::string& pattern) {
        auto it = regex_cache_.find(pattern);
        if (it == regex_cache_.end()) {
            std::optional<std::regex> re;
            try {
                re.emplace(pattern, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
                re.reset();
            }
            it = regex_cache_.emplace(pattern, std::move(re)).first;
        }
        return it->second ? &*it->second : nullptr;
    }

    const json& root_;
    std::vector<SchemaError>& out_;
    std::map<std::string, std::optional<std::regex>> regex_cache_;
};

// Walks every subschema of a schema document for unsupported_schema_features().
class SchemaAudit {
public:
    explicit SchemaAudit(const json& root) : root_(root) {}

    void walk(const json& s, const std::string& ptr, int depth) {
        if (depth > kMaxDepth || s.is_boolean()) {
            return;
        }
        if (!s.is_object()) {
            problems_.push_back(ptr + ": a schema must be an object or a boolean");
            return;
        }
        for (const auto& [key, value] : s.items()) {
            const std::string at = pointer_append(ptr, key);
            if (kAnnotations.contains(key) && key != "$defs") {
                continue;
            }
            if (key == "$defs" || key == "properties") {
                for (const auto& [name, sub] : value.items()) {
                    walk(sub, pointer_append(at, name), depth + 1);
                }
            } else if (key == "additionalProperties" || key == "items" || key == "propertyNames") {
                walk(value, at, depth + 1);
            } else if (key == "$ref") {
                if (!value.is_string() || resolve_ref(root_, value.get<std::string>()) == nullptr) {
                    problems_.push_back(at + ": unresolvable " + value.dump());
                }
            } else if (key == "format") {
                if (!value.is_string() || !is_known_format(value.get<std::string>())) {
                    problems_.push_back(at + ": unknown format " + value.dump());
                }
            } else if (key == "type") {
                check_types(value, at);
            } else if (!kKeywords.contains(key)) {
                problems_.push_back(at + ": unsupported keyword");
            }
        }
    }

    std::vector<std::string> problems() && { return std::move(problems_); }

private:
    void check_types(const json& value, const std::string& at) {
        const json list = value.is_array() ? value : json::array({value});
        for (const auto& t : list) {
            if (!t.is_string() || !kTypes.contains(t.get<std::string>())) {
                problems_.push_back(at + ": unknown type " + t.dump());
            }
        }
    }

    const json& root_;
    std::vector<std::string> problems_;
};

// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
// adjacent characters ("bacth" -> "batch") cost 1 each.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::vector<SchemaError> validate_against_schema(const json& schema, const json& instance) {
    std::vector<SchemaError> errors;
    Validator(schema, errors).validate(schema, instance, "", 0);
    return errors;
}

std::vector<std::string> unsupported_schema_features(const json& schema) {
    SchemaAudit audit(schema);
    audit.walk(schema, "", 0);
    return std::move(audit).problems();
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::string best;
    std::size_t best_distance = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best = c;
            best_distance = d;
        }
    }
    return best;
}

}  // namespace fastmap::daemon::policy_detail
