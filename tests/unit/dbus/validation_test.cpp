// SPDX-License-Identifier: GPL-2.0-only
// Argument checks: InvalidArgs naming the problem, before authorization and before the Api.
#include <gtest/gtest.h>

#include <string>

#include "dbus/validate.hpp"
#include "dbus_fixture.hpp"
#include "fastmap.h"

namespace fastmap::test {
namespace {

struct Case {
    const char* what;
    const char* method;
    std::function<int(sd_bus_message*)> append;
    std::string message_has;  // a part of the error message
};

const std::string kLongPath = "/" + std::string(kFilePathMax, 'a');  // one byte too many

int attach_args(sd_bus_message* m, const char* device, const char* name, std::uint64_t cache,
                std::uint32_t batch) {
    return sd_bus_message_append(m, "sstu", device, name, cache, batch);
}

class DbusValidationTest : public DbusTest {
protected:
    void check(const std::vector<Case>& cases) {
        for (const auto& c : cases) {
            SCOPED_TRACE(c.what);
            RawReply reply = call(c.method, c.append);
            EXPECT_FALSE(reply.ok());
            EXPECT_EQ(reply.error_name, SD_BUS_ERROR_INVALID_ARGS);
            EXPECT_NE(reply.error_message.find(c.message_has), std::string::npos)
                << reply.error_message;
        }
        EXPECT_TRUE(api_.calls().empty());
        EXPECT_EQ(auth_.asked(), 0) << "validation comes before authorization";
    }
};

TEST_F(DbusValidationTest, AttachArguments) {
    check({
        {"bad name", "Attach",
         [](auto* m) { return attach_args(m, "/dev/sdb", "db 0", 1 << 30, 0); }, "db 0"},
        {"reserved name", "Attach",
         [](auto* m) { return attach_args(m, "/dev/sdb", "control", 1 << 30, 0); }, "reserved"},
        {"empty name", "Attach", [](auto* m) { return attach_args(m, "/dev/sdb", "", 1 << 30, 0); },
         "empty"},
        {"relative device", "Attach",
         [](auto* m) { return attach_args(m, "dev/sdb", "db0", 1 << 30, 0); }, "absolute"},
        {"empty device", "Attach", [](auto* m) { return attach_args(m, "", "db0", 1 << 30, 0); },
         "device path is empty"},
        {"zero cache", "Attach", [](auto* m) { return attach_args(m, "/dev/sdb", "db0", 0, 0); },
         "cache_bytes 0 is below the minimum of 262144 (256 KiB)"},
        {"small cache", "Attach",
         [](auto* m) { return attach_args(m, "/dev/sdb", "db0", FASTMAP_CACHE_MIN - 1, 0); },
         "below the minimum"},
        {"batch too big", "Attach",
         [](auto* m) { return attach_args(m, "/dev/sdb", "db0", 1 << 30, FASTMAP_BATCH_MAX + 1); },
         "batch_pages 4097 is out of range (1..4096)"},
    });
}

TEST_F(DbusValidationTest, NameArguments) {
    const std::string long_name(FASTMAP_NAME_MAX, 'x');
    check({
        {"Detach", "Detach", [](auto* m) { return sd_bus_message_append(m, "s", "../x"); }, "../x"},
        {"GetInstance", "GetInstance",
         [&](auto* m) { return sd_bus_message_append(m, "s", long_name.c_str()); }, "too long"},
        {"RestoreDefaults", "RestoreDefaults",
         [](auto* m) { return sd_bus_message_append(m, "s", "a/b"); }, "a/b"},
        {"SetParameters", "SetParameters",
         [](auto* m) { return sd_bus_message_append(m, "sa{sv}", "..", 1, "dirty_ratio", "u", 5); },
         "not allowed"},
    });
}

TEST_F(DbusValidationTest, SetParametersKeysAndTypes) {
    auto set = [](std::function<int(sd_bus_message*)> params) {
        return [params](sd_bus_message* m) {
            const int r = sd_bus_message_append(m, "s", "db0");
            return r < 0 ? r : params(m);
        };
    };
    check({
        {"unknown key", "SetParameters",
         set([](auto* m) { return sd_bus_message_append(m, "a{sv}", 1, "cache_size", "t", 1ULL); }),
         "unknown parameter 'cache_size'"},
        {"cache_bytes as u", "SetParameters",
         set([](auto* m) { return sd_bus_message_append(m, "a{sv}", 1, "cache_bytes", "u", 1U); }),
         "parameter 'cache_bytes' must be a variant of type 't', not 'u'"},
        {"batch_pages as t", "SetParameters", set([](auto* m) {
             return sd_bus_message_append(m, "a{sv}", 1, "batch_pages", "t", 8ULL);
         }),
         "parameter 'batch_pages' must be a variant of type 'u', not 't'"},
        {"dirty_ratio as s", "SetParameters",
         set([](auto* m) { return sd_bus_message_append(m, "a{sv}", 1, "dirty_ratio", "s", "5"); }),
         "'dirty_ratio'"},
        {"given twice", "SetParameters", set([](auto* m) {
             return sd_bus_message_append(m, "a{sv}", 2, "dirty_ratio", "u", 5U, "dirty_ratio", "u",
                                          6U);
         }),
         "given twice"},
        {"nothing to set", "SetParameters",
         set([](auto* m) { return sd_bus_message_append(m, "a{sv}", 0); }), "no parameter"},
    });
}

TEST_F(DbusValidationTest, SetParametersRanges) {
    auto one = [](const char* key, const char* sig, auto value) {
        return [=](sd_bus_message* m) {
            return sd_bus_message_append(m, "sa{sv}", "db0", 1, key, sig, value);
        };
    };
    check({
        {"cache 0", "SetParameters", one("cache_bytes", "t", std::uint64_t{0}), "cache_bytes 0"},
        {"cache 4096", "SetParameters", one("cache_bytes", "t", std::uint64_t{4096}),
         "below the minimum"},
        {"batch 0", "SetParameters", one("batch_pages", "u", 0U), "batch_pages 0 is out of range"},
        {"batch 4097", "SetParameters", one("batch_pages", "u", 4097U), "(1..4096)"},
        {"dirty 0", "SetParameters", one("dirty_ratio", "u", 0U), "dirty_ratio 0"},
        {"dirty 101", "SetParameters", one("dirty_ratio", "u", 101U), "(1..100)"},
        {"interval", "SetParameters", one("wb_interval_ms", "u", kWbIntervalMaxMs + 1),
         "wb_interval_ms 3600001"},
    });
}

TEST_F(DbusValidationTest, FilePaths) {
    check({
        {"relative enable", "EnableFile",
         [](auto* m) { return sd_bus_message_append(m, "s", "data/db"); }, "absolute"},
        {"empty enable", "EnableFile", [](auto* m) { return sd_bus_message_append(m, "s", ""); },
         "empty"},
        {"long enable", "EnableFile",
         [](auto* m) { return sd_bus_message_append(m, "s", kLongPath.c_str()); },
         "longer than 255 bytes"},
        {"relative enable with cache", "EnableFileWithCache",
         [](auto* m) { return sd_bus_message_append(m, "st", "data/db", 1ULL << 20); }, "absolute"},
        {"small file cache", "EnableFileWithCache",
         [](auto* m) { return sd_bus_message_append(m, "st", "/data/db", 4096ULL); },
         "cache_bytes 4096 is below the minimum"},
        {"relative disable", "DisableFile",
         [](auto* m) { return sd_bus_message_append(m, "s", "./db"); }, "absolute"},
    });
}

TEST_F(DbusValidationTest, WrongSignatureIsInvalidArgs) {
    RawReply reply =
        call("Attach", [](auto* m) { return sd_bus_message_append(m, "ss", "/dev/sdb", "db0"); });
    EXPECT_EQ(reply.error_name, SD_BUS_ERROR_INVALID_ARGS);
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(DbusValidationTest, MaxLengthPathIsAccepted) {
    const std::string path = "/" + std::string(kFilePathMax - 1, 'a');
    RawReply reply =
        call("EnableFile", [&](auto* m) { return sd_bus_message_append(m, "s", path.c_str()); });
    EXPECT_TRUE(reply.ok()) << reply.error_name << ": " << reply.error_message;
    EXPECT_EQ(api_.calls(), std::vector<std::string>{"enable " + path});
}

// The checks themselves, without a bus.
TEST(DbusValidate, Attach) {
    constexpr std::uint64_t kMin = FASTMAP_CACHE_MIN;
    EXPECT_TRUE(dbus::validate_attach({"/dev/sdb", "db0", kMin, std::nullopt}));
    EXPECT_TRUE(dbus::validate_attach({"/dev/sdb", "db0", kMin, FASTMAP_BATCH_MIN}));
    EXPECT_TRUE(dbus::validate_attach({"/dev/sdb", "db0", ~0ULL, FASTMAP_BATCH_MAX}));
    EXPECT_FALSE(dbus::validate_attach({"/dev/sdb", "db0", kMin, 0}));
    EXPECT_FALSE(dbus::validate_attach({"/dev/sdb", "db0", kMin - 1, std::nullopt}));
    EXPECT_FALSE(dbus::validate_attach({"sdb", "db0", kMin, std::nullopt}));
    EXPECT_FALSE(dbus::validate_attach({"/dev/sdb", "", kMin, std::nullopt}));
    EXPECT_EQ(dbus::validate_attach({"/dev/sdb", "db0", 0, std::nullopt}).error().code, EINVAL);
}

TEST(DbusValidate, Set) {
    SetRequest req;
    EXPECT_FALSE(dbus::validate_set(req));
    req.wb_interval_ms = 0;  // off
    EXPECT_TRUE(dbus::validate_set(req));
    req.dirty_ratio = kDirtyRatioMax;
    req.batch_pages = FASTMAP_BATCH_MAX;
    req.cache_bytes = FASTMAP_CACHE_MIN;
    EXPECT_TRUE(dbus::validate_set(req));
    req.dirty_ratio = kDirtyRatioMax + 1;
    EXPECT_FALSE(dbus::validate_set(req));
}

TEST(DbusValidate, Paths) {
    EXPECT_TRUE(dbus::validate_file_path("/a"));
    EXPECT_TRUE(dbus::validate_file_path("/" + std::string(kFilePathMax - 1, 'a')));
    EXPECT_FALSE(dbus::validate_file_path(kLongPath));
    EXPECT_FALSE(dbus::validate_file_path("a"));
    EXPECT_TRUE(dbus::validate_device_path("/dev/" + std::string(1000, 'x')));
    EXPECT_FALSE(dbus::validate_device_path("/" + std::string(4096, 'x')));
}

}  // namespace
}  // namespace fastmap::test
