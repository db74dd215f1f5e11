// SPDX-License-Identifier: GPL-2.0-only
// The files under config/fastmapd/, the embedded schema, and policy_to_json().
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/policy_loader.hpp"
#include "policy_schema.hpp"
#include "policy_test_util.hpp"
#include "schema_validator.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::all_issues;

const fs::path kConfigDir = fs::path(FASTMAP_SOURCE_DIR) / "config/fastmapd";

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Policy without_sources(Policy p) {
    p.sources.clear();
    return p;
}

std::vector<fs::path> shipped_files() {
    std::vector<fs::path> files{kConfigDir / "fastmapd.json"};
    for (const auto& entry : fs::directory_iterator(kConfigDir / "examples")) {
        if (entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    return files;
}

TEST(ShippedPolicy, EmbeddedSchemaIsTheSourceFile) {
    EXPECT_EQ(policy_schema_text(), read_text(kConfigDir / "policy.schema.json"));
    EXPECT_EQ(policy_schema().value("$schema", ""), "https://json-schema.org/draft/2020-12/schema");
}

TEST(ShippedPolicy, EveryShippedFileValidates) {
    const auto files = shipped_files();
    EXPECT_GE(files.size(), 3u);
    for (const auto& file : files) {
        auto r = load_policy_file(file);
        EXPECT_TRUE(r.ok()) << file << "\n" << all_issues(r);
    }
}

TEST(ShippedPolicy, VendorFileShowsTheBuiltinDefaults) {
    auto r = load_policy_file(kConfigDir / "fastmapd.json");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(without_sources(*r.policy), Policy{});
}

TEST(ShippedPolicy, ExamplesDoWhatTheirNamesSay) {
    auto db = load_policy_file(kConfigDir / "examples/database-server.json");
    ASSERT_TRUE(db.ok()) << all_issues(db);
    EXPECT_EQ(db.policy->attach.size(), 2u);
    EXPECT_EQ(db.policy->instances.size(), 2u);
    EXPECT_FALSE(db.policy->for_instance("pgwal").cache.enabled);
    auto tight = load_policy_file(kConfigDir / "examples/memory-tight.json");
    ASSERT_TRUE(tight.ok()) << all_issues(tight);
    EXPECT_LT(tight.policy->defaults.cache.max_bytes, Policy{}.defaults.cache.max_bytes);
    auto srv = load_policy_file(kConfigDir / "examples/auto-enable-srv.json");
    ASSERT_TRUE(srv.ok()) << all_issues(srv);
    EXPECT_TRUE(srv.policy->auto_enable.enabled);
    EXPECT_EQ(srv.policy->auto_enable.allow, std::vector<std::string>{"/srv/**"});
}

// Collects the "default" of every key the schema describes into a policy document.
void defaults_of(const json& root, const json& schema, json& out) {
    const json* s = &schema;
    if (auto ref = s->find("$ref"); ref != s->end()) {
        s = &root.at(json::json_pointer(ref->get<std::string>().substr(1)));
    }
    if (auto props = s->find("properties"); props != s->end()) {
        for (const auto& [key, sub] : props->items()) {
            if (sub.contains("default")) {
                out[key] = sub.at("default");
            } else if (sub.contains("$ref") || sub.contains("properties")) {
                json nested = json::object();
                defaults_of(root, sub, nested);
                if (!nested.empty()) {
                    out[key] = nested;
                }
            }
        }
    }
}

TEST(ShippedPolicy, SchemaDefaultsMatchPolicyHpp) {
    json doc = json::object();
    defaults_of(policy_schema(), policy_schema(), doc);
    ASSERT_TRUE(doc.contains("defaults")) << doc.dump(2);
    ASSERT_TRUE(doc["defaults"]["cache"].contains("min_faults")) << doc.dump(2);
    ASSERT_TRUE(doc["auto_enable"].contains("deny")) << doc.dump(2);
    auto r = parse_policy(doc.dump(), "schema-defaults.json");
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(without_sources(*r.policy), Policy{}) << doc.dump(2);
}

TEST(ShippedPolicy, EveryKeyHasADescription) {
    std::vector<std::string> missing;
    const std::function<void(const json&, const std::string&)> walk = [&](const json& s,
                                                                          const std::string& at) {
        if (!s.is_object()) {
            return;
        }
        for (const char* group : {"properties", "$defs"}) {
            if (auto it = s.find(group); it != s.end()) {
                for (const auto& [key, sub] : it->items()) {
                    const std::string here = at + "/" + group + "/" + key;
                    if (!sub.contains("description")) {
                        missing.push_back(here);
                    }
                    walk(sub, here);
                }
            }
        }
    };
    walk(policy_schema(), "");
    EXPECT_EQ(missing, std::vector<std::string>{});
}

TEST(PolicyToJson, DefaultPolicyValidatesAgainstTheSchema) {
    const json j = policy_to_json(Policy{});
    EXPECT_TRUE(policy_detail::validate_against_schema(policy_schema(), j).empty()) << j.dump(2);
    EXPECT_EQ(j["interval"], "1s");
    EXPECT_EQ(j["defaults"]["cache"]["min"], "16MiB");
    EXPECT_EQ(j["defaults"]["cache"]["max"], "1GiB");
    EXPECT_EQ(j["auto_enable"]["allow"], json::array({"/**"}));
}

TEST(PolicyToJson, RoundTrip) {
    Policy p;
    p.interval_ms = 1500;
    p.decision_history = 42;
    p.defaults.cache.min_bytes = 300000;  // not a whole number of KiB: written as an integer
    p.defaults.cache.max_bytes = 3ULL << 40;
    p.defaults.cache.grow_miss_ratio = 0.123456789;
    p.defaults.cache.shrink_miss_ratio = 1e-5;
    p.defaults.cache.shrink_psi_some_avg10 = 33.3;
    p.defaults.batch = BatchPolicy{false, 1, 4096, 7, 9, 1, 0};
    InstancePolicy db = p.defaults;
    db.cache.enabled = false;
    db.cache.max_bytes = 5ULL << 30;
    p.instances["db0"] = db;
    p.instances["db.1"] = p.defaults;
    p.attach = {{"db0", "/dev/sda", 1ULL << 30, 128}, {"db.1", "/dev/sdb", 262144, std::nullopt}};
    p.auto_enable = AutoEnablePolicy{true, 0.5, 1, {"/a/**", "/b/*.db"}, {}, 4096};
    p.sources = {"ignored.json"};

    const json j = policy_to_json(p);
    EXPECT_EQ(j["defaults"]["cache"]["min"], 300000);
    EXPECT_EQ(j["interval"], "1500ms");
    auto r = parse_policy(j.dump(), "roundtrip.json");
    ASSERT_TRUE(r.ok()) << all_issues(r) << j.dump(2);
    EXPECT_EQ(without_sources(*r.policy), without_sources(p));
    // And once more through the text: stable.
    EXPECT_EQ(policy_to_json(*r.policy), j);
}

TEST(PolicyToJson, ShippedFilesRoundTrip) {
    for (const auto& file : shipped_files()) {
        auto r = load_policy_file(file);
        ASSERT_TRUE(r.ok()) << file << "\n" << all_issues(r);
        auto again = parse_policy(policy_to_json(*r.policy).dump(2), "again.json");
        ASSERT_TRUE(again.ok()) << file << "\n" << all_issues(again);
        EXPECT_EQ(without_sources(*again.policy), without_sources(*r.policy)) << file;
    }
}

}  // namespace
}  // namespace fastmap::daemon
