// SPDX-License-Identifier: GPL-2.0-only
// Semantic checks of the merged policy: relations between keys that the schema cannot express.
// Each issue points at the value that was set last (so an admin file that breaks a vendor
// setting is the one blamed) and names the other value and where it came from.
#include <filesystem>
#include <functional>
#include <map>

#include "policy_internal.hpp"
#include "schema_formats.hpp"
#include "units.hpp"

namespace fastmap::daemon::policy_detail {
namespace {

using nlohmann::json;

bool doc_contains(const json& doc, const std::string& pointer) {
    try {
        return doc.contains(json::json_pointer(pointer));
    } catch (const json::exception&) {
        return false;
    }
}

// One side of a relation: its pointer in the merged document and its value as shown.
struct Side {
    std::string pointer;
    std::string shown;
};

class Checker {
public:
    Checker(const json& doc, const Origins& origins, std::string_view fallback_file)
        : doc_(doc), origins_(origins), fallback_file_(fallback_file) {}

    // Checks lo <= hi (lo < hi when strict) for the instance policy at scope ("/defaults" or
    // "/instances/NAME"); lo_key and hi_key are relative ("/cache/min").
    void order(const std::string& scope, const char* lo_key, const char* hi_key, bool holds,
               bool strict, const std::function<std::string(bool hi)>& show) {
        if (holds) {
            return;
        }
        const Side lo{effective(scope, lo_key), show(false)};
        const Side hi{effective(scope, hi_key), show(true)};
        if (scope != "/defaults" && lo.pointer.starts_with("/defaults/") &&
            hi.pointer.starts_with("/defaults/")) {
            return;  // both inherited: reported for /defaults
        }
        const Origin* lo_origin = origin(lo.pointer);
        const Origin* hi_origin = origin(hi.pointer);
        const bool blame_hi = blame_second(scope, lo, lo_origin, hi, hi_origin);
        const Side& blamed = blame_hi ? hi : lo;
        const Side& other = blame_hi ? lo : hi;
        std::string relation;
        if (blame_hi) {
            relation = strict ? "must be greater than " : "must be at least ";
        } else {
            relation = strict ? "must be less than " : "must be at most ";
        }
        add(blamed.pointer, blamed.pointer + ": " + relation + other.pointer + " (" + other.shown +
                                where(other.pointer, blamed.pointer) + "), got " + blamed.shown);
    }

    void attach_entries() {
        auto it = doc_.find("attach");
        if (it == doc_.end() || !it->is_array()) {
            return;
        }
        std::map<std::string, std::size_t> names;
        std::map<std::string, std::size_t> devices;
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& entry = (*it)[i];
            const std::string at = "/attach/" + std::to_string(i);
            const auto name = entry.value("name", std::string());
            const auto device = entry.value("device", std::string());
            if (auto [pos, fresh] = names.emplace(name, i); !fresh) {
                add(at + "/name", at + "/name: duplicate attach name '" + name +
                                      "' (also /attach/" + std::to_string(pos->second) + "/name)");
            }
            if (auto [pos, fresh] = devices.emplace(device, i); !fresh) {
                add(at + "/device", at + "/device: device '" + device +
                                        "' is already attached by /attach/" +
                                        std::to_string(pos->second));
            }
        }
    }

    // "files" paths are unique (compared after lexical normalization: "/a//b" is "/a/b").
    void file_entries() {
        auto it = doc_.find("files");
        if (it == doc_.end() || !it->is_array()) {
            return;
        }
        std::map<std::string, std::size_t> paths;
        for (std::size_t i = 0; i < it->size(); ++i) {
            const std::string path = (*it)[i].value("path", std::string());
            const std::string key = std::filesystem::path(path).lexically_normal().string();
            if (auto [pos, fresh] = paths.emplace(key, i); !fresh) {
                const std::string at = "/files/" + std::to_string(i) + "/path";
                add(at, at + ": duplicate file '" + path + "' (also /files/" +
                            std::to_string(pos->second) + "/path)");
            }
        }
    }

    std::vector<PolicyIssue> issues() && { return std::move(issues_); }

private:
    // Which side of a violated relation to report: the one a file set (not a default); of two,
    // the one set by the later file; in the same file, the instance's own value over the
    // inherited one; else the second (max, grow_miss_ratio).
    static bool blame_second(const std::string& scope, const Side& first,
                             const Origin* first_origin, const Side& second,
                             const Origin* second_origin) {
        if (first_origin == nullptr || second_origin == nullptr) {
            return second_origin != nullptr;
        }
        if (first_origin->layer != second_origin->layer) {
            return second_origin->layer > first_origin->layer;
        }
        const bool first_own = first.pointer.starts_with(scope + "/");
        const bool second_own = second.pointer.starts_with(scope + "/");
        return second_own || !first_own;
    }

    // The pointer that sets key for the instance at scope: its own, else the one of /defaults.
    std::string effective(const std::string& scope, const char* key) const {
        const std::string own = scope + key;
        return scope == "/defaults" || doc_contains(doc_, own) ? own
                                                               : "/defaults" + std::string(key);
    }

    const Origin* origin(const std::string& pointer) const {
        auto it = origins_.find(pointer);
        return it == origins_.end() ? nullptr : &it->second;
    }

    // ", the default" / ", set at FILE:L:C" (another file) / "" (the same file).
    std::string where(const std::string& pointer, const std::string& blamed) const {
        const Origin* o = origin(pointer);
        if (o == nullptr) {
            return ", the default";
        }
        const Origin* b = origin(blamed);
        if (b != nullptr && b->file == o->file) {
            return "";
        }
        return ", set at " + o->file + ":" + std::to_string(o->pos.line) + ":" +
               std::to_string(o->pos.column);
    }

    void add(const std::string& pointer, std::string message) {
        const Origin* o = origin(pointer);
        const std::string file = o != nullptr ? o->file : std::string(fallback_file_);
        issues_.push_back(make_issue(file,
                                     o != nullptr ? std::optional<TextPos>(o->pos) : std::nullopt,
                                     pointer, std::move(message)));
    }

    const json& doc_;
    const Origins& origins_;
    std::string_view fallback_file_;
    std::vector<PolicyIssue> issues_;
};

void check_instance(Checker& c, const std::string& scope, const InstancePolicy& p) {
    c.order(scope, "/cache/min", "/cache/max", p.cache.min_bytes <= p.cache.max_bytes, false,
            [&](bool hi) { return format_bytes(hi ? p.cache.max_bytes : p.cache.min_bytes); });
    c.order(scope, "/batch/min", "/batch/max", p.batch.min_pages <= p.batch.max_pages, false,
            [&](bool hi) {
                return std::to_string(hi ? p.batch.max_pages : p.batch.min_pages) + " pages";
            });
    c.order(scope, "/cache/shrink_miss_ratio", "/cache/grow_miss_ratio",
            p.cache.shrink_miss_ratio < p.cache.grow_miss_ratio, true, [&](bool hi) {
                return render_number("", hi ? p.cache.grow_miss_ratio : p.cache.shrink_miss_ratio);
            });
}

}  // namespace

std::vector<PolicyIssue> check_policy(const json& doc, const Policy& policy, const Origins& origins,
                                      std::string_view fallback_file) {
    Checker c(doc, origins, fallback_file);
    check_instance(c, "/defaults", policy.defaults);
    for (const auto& [name, inst] : policy.instances) {
        check_instance(c, pointer_append("/instances", name), inst);
    }
    c.attach_entries();
    c.file_entries();
    return std::move(c).issues();
}

}  // namespace fastmap::daemon::policy_detail
