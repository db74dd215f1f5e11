// SPDX-License-Identifier: GPL-2.0-only
// load_policy(): vendor file, admin file and drop-ins in temporary directory trees.
#include <gtest/gtest.h>

#include "policy/policy_loader.hpp"
#include "policy_test_util.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using testing::all_issues;
using testing::single_issue;
using testing::TempTree;

constexpr const char* kVendor = "usr/lib/fastmap/fastmapd.json";
constexpr const char* kAdmin = "etc/fastmap/fastmapd.json";
constexpr const char* kVendorDropins = "usr/lib/fastmap/fastmapd.json.d/";
constexpr const char* kAdminDropins = "etc/fastmap/fastmapd.json.d/";

TEST(PolicyPaths, Defaults) {
    const auto paths = default_policy_paths();
    EXPECT_EQ(paths.files, (std::vector<fs::path>{"/usr/lib/fastmap/fastmapd.json",
                                                  "/etc/fastmap/fastmapd.json"}));
    EXPECT_EQ(paths.dropin_dirs, (std::vector<fs::path>{"/usr/lib/fastmap/fastmapd.json.d",
                                                        "/etc/fastmap/fastmapd.json.d"}));
    const auto under = policy_paths_under("/tmp/root");
    EXPECT_EQ(under.files[1], fs::path("/tmp/root/etc/fastmap/fastmapd.json"));
    EXPECT_EQ(under.dropin_dirs[0], fs::path("/tmp/root/usr/lib/fastmap/fastmapd.json.d"));
}

TEST(LoadPolicy, NoFilesGivesBuiltinDefaults) {
    TempTree tree;
    auto r = load_policy(policy_paths_under(tree.root()));
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(*r.policy, Policy{});
    EXPECT_TRUE(r.policy->sources.empty());
    // Nothing at all below a missing root either.
    r = load_policy(policy_paths_under(tree.root() / "missing"));
    EXPECT_TRUE(r.ok()) << all_issues(r);
}

TEST(LoadPolicy, LayersMergeInOrder) {
    TempTree tree;
    const auto vendor = tree.write(kVendor, R"({"interval": "1s", "decision_history": 50,
        "defaults": {"cache": {"min": "16M", "max": "1G"}, "batch": {"max": 1024}},
        "auto_enable": {"deny": ["/proc/**"]}})");
    const auto admin = tree.write(kAdmin, R"({"interval": "2s",
        "defaults": {"cache": {"max": "4G"}},
        "attach": [{"name": "db0", "device": "/dev/sda", "cache": "1G"}]})");
    const auto d1 = tree.write(std::string(kVendorDropins) + "10-vendor.json",
                               R"({"decision_history": 70, "instances": {"db0": {}}})");
    const auto d2 = tree.write(std::string(kAdminDropins) + "20-admin.json",
                               R"({"decision_history": 80,
        "instances": {"db0": {"cache": {"min": "2G"}}},
        "attach": [{"name": "db1", "device": "/dev/sdb", "cache": "2G"}]})");
    tree.write(std::string(kAdminDropins) + "README", "not json, ignored");
    tree.write(std::string(kAdminDropins) + ".hidden.json", "not json, ignored");

    auto r = load_policy(policy_paths_under(tree.root()));
    ASSERT_TRUE(r.ok()) << all_issues(r);
    const Policy& p = *r.policy;
    EXPECT_EQ(p.sources, (std::vector<std::string>{vendor.string(), admin.string(), d1.string(),
                                                   d2.string()}));
    EXPECT_EQ(p.interval_ms, 2000u);
    EXPECT_EQ(p.decision_history, 80u);
    EXPECT_EQ(p.defaults.cache.min_bytes, 16ULL << 20);
    EXPECT_EQ(p.defaults.cache.max_bytes, 4ULL << 30);
    EXPECT_EQ(p.defaults.batch.max_pages, 1024u);
    EXPECT_EQ(p.for_instance("db0").cache.min_bytes, 2ULL << 30);
    EXPECT_EQ(p.for_instance("db0").cache.max_bytes, 4ULL << 30);
    EXPECT_EQ(p.for_instance("db0").batch.max_pages, 1024u);
    // Arrays are replaced, not appended (RFC 7386).
    ASSERT_EQ(p.attach.size(), 1u);
    EXPECT_EQ(p.attach[0].name, "db1");
    EXPECT_EQ(p.auto_enable.deny, std::vector<std::string>{"/proc/**"});
}

TEST(LoadPolicy, DropinsApplyInFileNameOrderAcrossDirectories) {
    TempTree tree;
    const auto a = tree.write(std::string(kAdminDropins) + "10-a.json", R"({"interval": 100})");
    const auto b = tree.write(std::string(kVendorDropins) + "20-b.json", R"({"interval": 200})");
    const auto c = tree.write(std::string(kAdminDropins) + "30-c.json", R"({"interval": 300})");
    auto r = load_policy(policy_paths_under(tree.root()));
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->interval_ms, 300u);
    EXPECT_EQ(r.policy->sources, (std::vector<std::string>{a.string(), b.string(), c.string()}));
}

TEST(LoadPolicy, LaterDirectoryMasksSameName) {
    TempTree tree;
    tree.write(std::string(kVendorDropins) + "50-tune.json", R"({"interval": "5s"})");
    const auto admin =
        tree.write(std::string(kAdminDropins) + "50-tune.json", R"({"decision_history": 7})");
    auto r = load_policy(policy_paths_under(tree.root()));
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->interval_ms, 1000u);  // the vendor drop-in is not read
    EXPECT_EQ(r.policy->decision_history, 7u);
    EXPECT_EQ(r.policy->sources, std::vector<std::string>{admin.string()});
}

TEST(LoadPolicy, DevNullSymlinkMasksWithoutContent) {
    TempTree tree;
    tree.write(std::string(kVendorDropins) + "50-tune.json", R"({"interval": "5s"})");
    fs::create_directories(tree.root() / kAdminDropins);
    fs::create_symlink("/dev/null", tree.root() / kAdminDropins / "50-tune.json");
    auto r = load_policy(policy_paths_under(tree.root()));
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->interval_ms, 1000u);
    EXPECT_TRUE(r.policy->sources.empty());
}

TEST(LoadPolicy, EachFileIsValidatedWithItsOwnPositions) {
    TempTree tree;
    const auto vendor = tree.write(kVendor, "{\n  \"interval\": \"soon\"\n}\n");
    tree.write(kAdmin, "{\"decision_history\": 1}");
    const auto dropin =
        tree.write(std::string(kAdminDropins) + "10-x.json", "{\n\n   \"atach\": []}");
    auto r = load_policy(policy_paths_under(tree.root()));
    EXPECT_FALSE(r.policy.has_value());
    ASSERT_EQ(r.issues.size(), 2u) << all_issues(r);
    EXPECT_EQ(r.issues[0].str(), vendor.string() +
                                     ":2:15: /interval: invalid duration 'soon': expected a whole "
                                     "number, optionally followed by ms, s, min or h");
    EXPECT_EQ(r.issues[1].str(), dropin.string() +
                                     ":3:4: unknown key 'atach' at the top level (did you mean "
                                     "'attach'?)");
}

TEST(LoadPolicy, SemanticErrorsAreAttributedToTheFileThatSetTheValue) {
    TempTree tree;
    const auto vendor = tree.write(kVendor,
                                   "{\"defaults\": {\"cache\": {\n"
                                   "  \"min\": \"64M\", \"max\": \"1G\"}}}");
    const auto admin = tree.write(kAdmin,
                                  "{\"defaults\": {\"cache\": {\n"
                                  "  \"max\": \"32M\"}}}");
    auto issue = single_issue(load_policy(policy_paths_under(tree.root())));
    EXPECT_EQ(issue.str(), admin.string() +
                               ":2:10: /defaults/cache/max: must be at least /defaults/cache/min "
                               "(64 MiB, set at " +
                               vendor.string() + ":2:10), got 32 MiB");
    EXPECT_EQ(issue.file, admin.string());

    // A drop-in raising min over the admin's max is blamed, not the admin file.
    tree.write(kAdmin, R"({"defaults": {"cache": {"max": "2G"}}})");
    const auto dropin = tree.write(std::string(kAdminDropins) + "90-min.json",
                                   R"({"defaults": {"cache": {"min": "3G"}}})");
    issue = single_issue(load_policy(policy_paths_under(tree.root())));
    EXPECT_EQ(issue.file, dropin.string());
    EXPECT_EQ(issue.pointer, "/defaults/cache/min");
    EXPECT_EQ(issue.line, 1);
    EXPECT_EQ(issue.column, 32);
    EXPECT_NE(issue.message.find("must be at most /defaults/cache/max (2 GiB, set at " +
                                 fs::path(tree.root() / kAdmin).string() + ":1:32)"),
              std::string::npos)
        << issue.message;
}

TEST(LoadPolicy, AttachEntriesFromALaterFileReplaceEarlierOnes) {
    TempTree tree;
    tree.write(kVendor, R"({"attach": [{"name": "a", "device": "/dev/sda", "cache": "1G"}]})");
    const auto admin = tree.write(kAdmin, R"({"attach": [
        {"name": "b", "device": "/dev/sdb", "cache": "1G"},
        {"name": "b", "device": "/dev/sdc", "cache": "1G"}]})");
    auto issue = single_issue(load_policy(policy_paths_under(tree.root())));
    EXPECT_EQ(issue.file, admin.string());
    EXPECT_EQ(issue.pointer, "/attach/1/name");
    EXPECT_EQ(issue.line, 3);
}

TEST(LoadPolicy, UnreadableFilesAreIssues) {
    TempTree tree;
    fs::create_directories(tree.root() / kAdmin);  // a directory where the file should be
    auto r = load_policy(policy_paths_under(tree.root()));
    EXPECT_FALSE(r.policy.has_value());
    ASSERT_EQ(r.issues.size(), 1u) << all_issues(r);
    EXPECT_EQ(r.issues[0].str(),
              fs::path(tree.root() / kAdmin).string() + ": cannot read: Is a directory");
    EXPECT_EQ(r.issues[0].line, 0);
}

TEST(LoadPolicy, SyntaxErrorInADropin) {
    TempTree tree;
    const auto dropin = tree.write(std::string(kAdminDropins) + "x.json", "{\"interval\": }");
    EXPECT_EQ(single_issue(load_policy(policy_paths_under(tree.root()))).str(),
              dropin.string() +
                  ":1:14: syntax error while parsing value - unexpected '}'; "
                  "expected '[', '{', or a literal");
}

TEST(LoadPolicyFile, MissingFileIsAnIssue) {
    TempTree tree;
    const auto path = tree.root() / "nope.json";
    auto issue = single_issue(load_policy_file(path));
    EXPECT_EQ(issue.str(), path.string() + ": cannot read: No such file or directory");
}

TEST(LoadPolicyFile, ReadsOneCompletePolicy) {
    TempTree tree;
    const auto path = tree.write("p.json", R"({"interval": "3s"})");
    auto r = load_policy_file(path);
    ASSERT_TRUE(r.ok()) << all_issues(r);
    EXPECT_EQ(r.policy->interval_ms, 3000u);
    EXPECT_EQ(r.policy->sources, std::vector<std::string>{path.string()});
}

}  // namespace
}  // namespace fastmap::daemon
