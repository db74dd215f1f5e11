// SPDX-License-Identifier: GPL-2.0-only
// One policy file: syntax, duplicate keys and schema (parse_layer), and merging it over the
// files before it (merge_layer).
#include <algorithm>
#include <string>
#include <utility>

#include "policy_internal.hpp"
#include "policy_schema.hpp"
#include "schema_validator.hpp"

namespace fastmap::daemon::policy_detail {
namespace {

using nlohmann::json;

// "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing
// object key - unexpected '}'; expected string literal" -> "syntax error while parsing ...".
std::string syntax_message(const std::string& what) {
    if (auto at = what.find("syntax error"); at != std::string::npos) {
        return what.substr(at);
    }
    if (auto at = what.find("] "); at != std::string::npos) {
        return "syntax error: " + what.substr(at + 2);
    }
    return "syntax error: " + what;
}

void erase_below(Origins& origins, const std::string& pointer) {
    const std::string prefix = pointer + "/";
    auto first = origins.lower_bound(prefix);
    auto last = first;
    while (last != origins.end() && last->first.starts_with(prefix)) {
        ++last;
    }
    origins.erase(first, last);
}

Origin origin_of(const Layer& layer, std::size_t layer_no, const std::string& pointer) {
    return Origin{layer_no, layer.file, layer.index.value_pos(pointer).value_or(TextPos{})};
}

// The patch value replaces whatever was at pointer: it and everything below it come from layer.
void record_all(Origins& origins, const json& value, const std::string& pointer, const Layer& layer,
                std::size_t layer_no) {
    origins[pointer] = origin_of(layer, layer_no, pointer);
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            record_all(origins, member, pointer_append(pointer, key), layer, layer_no);
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            record_all(origins, value[i], pointer_append(pointer, i), layer, layer_no);
        }
    }
}

void merge_value(json& target, Origins& origins, const json& patch, const std::string& pointer,
                 const Layer& layer, std::size_t layer_no) {
    if (!patch.is_object()) {
        erase_below(origins, pointer);
        target = patch;
        record_all(origins, patch, pointer, layer, layer_no);
        return;
    }
    if (!target.is_object()) {
        erase_below(origins, pointer);
        target = json::object();
    }
    origins[pointer] = origin_of(layer, layer_no, pointer);
    for (const auto& [key, value] : patch.items()) {
        const std::string member = pointer_append(pointer, key);
        if (value.is_null()) {
            target.erase(key);
            origins.erase(member);
            erase_below(origins, member);
            continue;
        }
        merge_value(target[key], origins, value, member, layer, layer_no);
    }
}

}  // namespace

PolicyIssue make_issue(const std::string& file, std::optional<TextPos> pos,
                       const std::string& pointer, std::string message) {
    PolicyIssue issue;
    issue.file = file;
    if (pos && pos->valid()) {
        issue.line = pos->line;
        issue.column = pos->column;
    }
    issue.pointer = pointer;
    issue.message = std::move(message);
    return issue;
}

std::optional<Layer> parse_layer(std::string_view text, const std::string& file,
                                 std::vector<PolicyIssue>& issues) {
    Layer layer;
    layer.file = file;
    try {
        layer.doc = json::parse(text);
    } catch (const json::parse_error& e) {
        // byte is 1-based: the last character nlohmann read (text.size() + 1 at the end), which
        // is the end of the offending token. The position index stops at its start instead.
        std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        if (auto start = JsonIndex::build(text).error_offset(); start && *start <= offset) {
            offset = *start;
        }
        issues.push_back(
            make_issue(file, position_of_offset(text, offset), "", syntax_message(e.what())));
        return std::nullopt;
    } catch (const json::exception& e) {
        issues.push_back(make_issue(file, TextPos{1, 1}, "", syntax_message(e.what())));
        return std::nullopt;
    }

    const std::size_t before = issues.size();
    layer.index = JsonIndex::build(text);
    if (layer.index.too_deep()) {
        issues.push_back(
            make_issue(file, TextPos{1, 1}, "",
                       "nested deeper than " + std::to_string(JsonIndex::kMaxDepth) + " levels"));
        return std::nullopt;
    }
    for (const auto& dup : layer.index.duplicates()) {
        const std::string parent = dup.pointer.substr(0, dup.pointer.rfind('/'));
        issues.push_back(
            make_issue(file, dup.position, dup.pointer,
                       "duplicate key '" + dup.key + "' " +
                           (parent.empty() ? std::string("at the top level") : "in " + parent) +
                           " (first at line " + std::to_string(dup.first.line) + ", column " +
                           std::to_string(dup.first.column) + ")"));
    }

    const json& schema = policy_schema();
    if (schema.is_discarded()) {
        issues.push_back(make_issue(file, std::nullopt, "",
                                    "internal error: the embedded policy schema does not parse"));
        return std::nullopt;
    }
    for (const auto& e : validate_against_schema(schema, layer.doc)) {
        const auto pos =
            e.at_key ? layer.index.key_pos(e.pointer) : layer.index.value_pos(e.pointer);
        issues.push_back(
            make_issue(file, pos, e.pointer,
                       e.at_key ? e.message : pointer_display(e.pointer) + ": " + e.message));
    }
    if (issues.size() != before) {
        // In the order of the text, as a compiler reports.
        std::stable_sort(issues.begin() + static_cast<std::ptrdiff_t>(before), issues.end(),
                         [](const PolicyIssue& a, const PolicyIssue& b) {
                             return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                         });
        return std::nullopt;
    }
    return layer;
}

void merge_layer(json& merged, Origins& origins, const Layer& layer, std::size_t layer_no) {
    merge_value(merged, origins, layer.doc, "", layer, layer_no);
}

}  // namespace fastmap::daemon::policy_detail
