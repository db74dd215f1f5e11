// SPDX-License-Identifier: GPL-2.0-only
#include "json.hpp"

#include <gtest/gtest.h>

#include "fake_control.hpp"

namespace fastmap {
namespace {

TEST(Json, StatsHaveEveryCounter) {
    const auto j = stats_to_json(test::sample_instance().stats);
    const std::vector<std::string> keys{
        "faults",        "hits",         "misses",        "mkwrite",      "evictions",
        "evict_batches", "shootdowns",   "wb_pages",      "wb_bios",      "read_ios",
        "read_errors",   "write_errors", "dirty_pages",   "cached_pages", "free_pages",
        "cache_pages",   "evict_stalls", "outside_writes"};
    EXPECT_EQ(j.size(), keys.size());
    for (const auto& k : keys) {
        EXPECT_TRUE(j.contains(k)) << k;
        EXPECT_TRUE(j[k].is_number_unsigned()) << k;
    }
    EXPECT_EQ(j["faults"], 1000);
    EXPECT_EQ(j["cache_pages"], 131072);
    EXPECT_EQ(j["evict_stalls"], 4);
}

TEST(Json, Instance) {
    const auto j = instance_to_json(test::sample_instance());
    EXPECT_EQ(j.dump(),
              R"({"batch_pages":512,"cache_bytes":536870912,"dev":"8:16","device":"/dev/sdb",)"
              R"("dirty_ratio":10,"id":3,"name":"db0","open_count":1,"size_bytes":10737418240,)"
              R"("stats":{"cache_pages":131072,"cached_pages":65536,"dirty_pages":1311,)"
              R"("evict_batches":2,"evict_stalls":4,"evictions":64,"faults":1000,)"
              R"("free_pages":65536,"hits":900,"misses":100,"mkwrite":7,"outside_writes":0,)"
              R"("read_errors":0,"read_ios":100,"shootdowns":2,"wb_bios":3,"wb_pages":30,)"
              R"("write_errors":0},"wb_interval_ms":5000})");
}

TEST(Json, FileInstance) {
    const auto j = instance_to_json(test::sample_file_instance());
    EXPECT_EQ(j["file"], nlohmann::json::parse(R"({"path": "/data/db.mdb", "dev": "8:3",
                                                   "ino": 1234})"));
    EXPECT_EQ(j["device"], "/data/db.mdb");
    EXPECT_EQ(j["stats"]["outside_writes"], 1);
    EXPECT_FALSE(instance_to_json(test::sample_instance()).contains("file"));
}

TEST(Json, List) {
    EXPECT_EQ(list_to_json({}).dump(), R"({"instances":[]})");
    const auto j = list_to_json({test::sample_instance("a"), test::sample_instance("b")});
    ASSERT_EQ(j["instances"].size(), 2u);
    EXPECT_EQ(j["instances"][1]["name"], "b");
    EXPECT_EQ(j["instances"][0]["stats"]["hits"], 900);
}

TEST(Json, StatsReportAliases) {
    const auto info = test::sample_instance();
    const auto j = stats_report_to_json(info);
    EXPECT_EQ(j["cache_bytes"], info.cache_bytes);
    EXPECT_EQ(j["faults"], info.stats.faults);
    EXPECT_EQ(j["hits"], info.stats.hits);
    EXPECT_EQ(j["evictions"], info.stats.evictions);
    EXPECT_EQ(j["shootdowns"], info.stats.shootdowns);
    EXPECT_EQ(j["writeback_pages"], info.stats.wb_pages);
    EXPECT_EQ(j["dirty_pages"], info.stats.dirty_pages);
    EXPECT_EQ(j["stats"], stats_to_json(info.stats));
    EXPECT_EQ(j["name"], "db0");
}

TEST(Json, StatsReportContract) {
    // `fastmapctl stats NAME --json` promises these at top level (docs/cli.md).
    const auto j = stats_report_to_json(test::sample_instance());
    for (const char* key : {"cache_bytes", "faults", "hits", "evictions", "shootdowns",
                            "writeback_pages", "dirty_pages", "id", "wb_interval_ms"}) {
        EXPECT_TRUE(j.contains(key)) << key;
        EXPECT_TRUE(j[key].is_number_unsigned()) << key;
    }
    EXPECT_EQ(j["stats"]["evict_stalls"], 4);
}

TEST(Json, Files) {
    EXPECT_EQ(files_to_json({}).dump(), R"({"files":[]})");
    const std::vector<FileEntry> files{{{{8, 1}, 12}, "/data/a"}, {{{259, 3}, 1ULL << 40}, ""}};
    EXPECT_EQ(files_to_json(files).dump(),
              R"({"files":[{"dev":"8:1","ino":12,"instance":"","path":"/data/a"},)"
              R"({"dev":"259:3","ino":1099511627776,"instance":"","path":""}]})");
    FileEntry open{{{8, 3}, 1234}, "/data/db.mdb"};
    open.instance = "f803.4d2";
    open.cache_bytes = 1ULL << 26;
    EXPECT_EQ(file_entry_to_json(open).dump(),
              R"({"cache_bytes":67108864,"dev":"8:3","ino":1234,"instance":"f803.4d2",)"
              R"("path":"/data/db.mdb"})");
}

TEST(Json, LargeCountersStayExact) {
    InstanceInfo info = test::sample_instance();
    info.stats.faults = 18446744073709551615ULL;
    const auto text = stats_report_to_json(info).dump();
    EXPECT_NE(text.find("\"faults\":18446744073709551615"), std::string::npos);
}

}  // namespace
}  // namespace fastmap
