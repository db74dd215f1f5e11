// SPDX-License-Identifier: GPL-2.0-only
// Every property, read with Properties.Get, has its documented type and value.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dbus/codec.hpp"
#include "dbus/names.hpp"
#include "dbus_fixture.hpp"

namespace fastmap::test {
namespace {

TEST_F(DbusTest, ScalarProperties) {
    RawReply api = get_property("ApiVersion", "u");
    ASSERT_TRUE(api.ok()) << api.error_name;
    std::uint32_t version = 0;
    ASSERT_GE(sd_bus_message_read(api.reply.get(), "u", &version), 0);
    EXPECT_EQ(version, 1U);

    RawReply v = get_property("Version", "s");
    ASSERT_TRUE(v.ok()) << v.error_name;
    const char* text = nullptr;
    ASSERT_GE(sd_bus_message_read(v.reply.get(), "s", &text), 0);
    EXPECT_STREQ(text, FASTMAP_VERSION);

    RawReply interval = get_property("IntervalMs", "u");
    ASSERT_TRUE(interval.ok()) << interval.error_name;
    std::uint32_t ms = 0;
    ASSERT_GE(sd_bus_message_read(interval.reply.get(), "u", &ms), 0);
    EXPECT_EQ(ms, 1000U);

    for (const char* name : {"Policy", "PolicyError"}) {
        SCOPED_TRACE(name);
        RawReply p = get_property(name, "s");
        ASSERT_TRUE(p.ok()) << p.error_name;
        ASSERT_GE(sd_bus_message_read(p.reply.get(), "s", &text), 0);
        EXPECT_EQ(std::string(text),
                  std::string(name) == "Policy" ? R"({"interval_ms":1000})" : "");
    }
}

TEST_F(DbusTest, CompoundProperties) {
    RawReply instances = get_property("Instances", "aa{sv}");
    ASSERT_TRUE(instances.ok()) << instances.error_name;
    auto list = dbus::read_instances(instances.reply.get());
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(*list, api_.edit([](auto& s) { return s.instances; }));

    RawReply files = get_property("Files", "a(sst)");
    ASSERT_TRUE(files.ok()) << files.error_name;
    auto entries = dbus::read_files(files.reply.get());
    ASSERT_TRUE(entries);
    EXPECT_EQ(*entries, api_.edit([](auto& s) { return s.files; }));

    RawReply sources = get_property("PolicySources", "as");
    ASSERT_TRUE(sources.ok()) << sources.error_name;
    auto strings = dbus::read_strings(sources.reply.get());
    ASSERT_TRUE(strings);
    EXPECT_EQ(*strings, api_.policy().sources);

    api_.edit([](auto& s) {
        s.decisions = {{1, "attach", "db0", 0, 1 << 20, "operator", true, ""}};
    });
    RawReply decisions = get_property("Decisions", "a(tssttsbs)");
    ASSERT_TRUE(decisions.ok()) << decisions.error_name;
    auto log = dbus::read_decisions(decisions.reply.get());
    ASSERT_TRUE(log);
    EXPECT_EQ(*log, api_.decisions());
}

TEST_F(DbusTest, InstanceDictionaryHasTheDocumentedKeysAndTypes) {
    RawReply reply =
        call("GetInstance", [](auto* m) { return sd_bus_message_append(m, "s", "db0"); });
    ASSERT_TRUE(reply.ok()) << reply.error_name;
    sd_bus_message* m = reply.reply.get();
    std::map<std::string, std::string> types;
    std::set<std::string> stat_keys;
    ASSERT_GT(sd_bus_message_enter_container(m, 'a', "{sv}"), 0);
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        const char* key = nullptr;
        const char* contents = nullptr;
        ASSERT_GE(sd_bus_message_read(m, "s", &key), 0);
        ASSERT_GE(sd_bus_message_peek_type(m, nullptr, &contents), 0);
        types[key] = contents;
        if (std::string(key) == "stats") {
            ASSERT_GE(sd_bus_message_enter_container(m, 'v', "a{st}"), 0);
            ASSERT_GE(sd_bus_message_enter_container(m, 'a', "{st}"), 0);
            const char* stat = nullptr;
            std::uint64_t value = 0;
            while (sd_bus_message_read(m, "{st}", &stat, &value) > 0) {
                stat_keys.insert(stat);
            }
            ASSERT_GE(sd_bus_message_exit_container(m), 0);
            ASSERT_GE(sd_bus_message_exit_container(m), 0);
        } else {
            ASSERT_GE(sd_bus_message_skip(m, "v"), 0);
        }
        ASSERT_GE(sd_bus_message_exit_container(m), 0);
    }
    const std::map<std::string, std::string> want = {
        {"name", "s"},           {"id", "u"},          {"device", "s"},      {"dev", "s"},
        {"size_bytes", "t"},     {"cache_bytes", "t"}, {"batch_pages", "u"}, {"dirty_ratio", "u"},
        {"wb_interval_ms", "u"}, {"open_count", "u"},  {"stats", "a{st}"},
    };
    EXPECT_EQ(types, want);
    std::set<std::string> want_stats;
    for (const auto& f : kStatFields) {
        want_stats.emplace(f.key);
    }
    EXPECT_EQ(stat_keys, want_stats);
}

TEST_F(DbusTest, GetAllReturnsEveryProperty) {
    RawReply reply = raw_call(raw_.get(), dbus::kPropertiesInterface, "GetAll", [](auto* m) {
        return sd_bus_message_append(m, "s", dbus::kInterface);
    });
    ASSERT_TRUE(reply.ok()) << reply.error_name;
    sd_bus_message* m = reply.reply.get();
    std::map<std::string, std::string> types;
    ASSERT_GT(sd_bus_message_enter_container(m, 'a', "{sv}"), 0);
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        const char* key = nullptr;
        const char* contents = nullptr;
        ASSERT_GE(sd_bus_message_read(m, "s", &key), 0);
        ASSERT_GE(sd_bus_message_peek_type(m, nullptr, &contents), 0);
        types[key] = contents;
        ASSERT_GE(sd_bus_message_skip(m, "v"), 0);
        ASSERT_GE(sd_bus_message_exit_container(m), 0);
    }
    const std::map<std::string, std::string> want = {
        {"ApiVersion", "u"},  {"Version", "s"},        {"Instances", "aa{sv}"},
        {"Files", "a(sst)"},  {"PolicySources", "as"}, {"Policy", "s"},
        {"PolicyError", "s"}, {"IntervalMs", "u"},     {"Decisions", "a(tssttsbs)"},
    };
    EXPECT_EQ(types, want);
}

TEST_F(DbusTest, PropertiesAreReadOnly) {
    RawReply reply = raw_call(raw_.get(), dbus::kPropertiesInterface, "Set", [](auto* m) {
        return sd_bus_message_append(m, "ssv", dbus::kInterface, "IntervalMs", "u", 5U);
    });
    EXPECT_EQ(reply.error_name, SD_BUS_ERROR_PROPERTY_READ_ONLY);
}

TEST_F(DbusTest, NonUtf8PathsStayReadable) {
    api_.edit([](auto& s) { s.files = {{{{8, 1}, 5}, "/data/caf\xe9.db"}}; });
    auto c = client();
    ASSERT_TRUE(c);
    auto files = c->list_files();
    ASSERT_TRUE(files) << files.error().message;
    ASSERT_EQ(files->size(), 1U);
    EXPECT_EQ(files->front().path, "/data/caf\xef\xbf\xbd.db");
}

TEST(DbusCodec, Utf8Sanitizing) {
    EXPECT_EQ(dbus::to_valid_utf8("plain"), "plain");
    EXPECT_EQ(dbus::to_valid_utf8("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
    EXPECT_EQ(dbus::to_valid_utf8("a\xff"), "a\xef\xbf\xbd");
    EXPECT_EQ(dbus::to_valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong
    EXPECT_EQ(dbus::to_valid_utf8("\xed\xa0\x80"),
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
    EXPECT_EQ(dbus::to_valid_utf8(std::string_view("a\0b", 3)),
              "a\xef\xbf\xbd"
              "b");
    EXPECT_EQ(dbus::to_valid_utf8("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace fastmap::test
