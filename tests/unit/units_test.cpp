// SPDX-License-Identifier: GPL-2.0-only
#include "units.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace fastmap {
namespace {

TEST(ParseSize, PlainBytes) {
    EXPECT_EQ(parse_size("0").value(), 0u);
    EXPECT_EQ(parse_size("4096").value(), 4096u);
    EXPECT_EQ(parse_size("18446744073709551615").value(), 18446744073709551615ULL);
    EXPECT_EQ(parse_size("512B").value(), 512u);
}

TEST(ParseSize, BinarySuffixes) {
    EXPECT_EQ(parse_size("4k").value(), 4096u);
    EXPECT_EQ(parse_size("4K").value(), 4096u);
    EXPECT_EQ(parse_size("512M").value(), 512ULL << 20);
    EXPECT_EQ(parse_size("512MiB").value(), 512ULL << 20);
    EXPECT_EQ(parse_size("512mib").value(), 512ULL << 20);
    EXPECT_EQ(parse_size("2G").value(), 2ULL << 30);
    EXPECT_EQ(parse_size("2GiB").value(), 2ULL << 30);
    EXPECT_EQ(parse_size("3T").value(), 3ULL << 40);
    EXPECT_EQ(parse_size("3tib").value(), 3ULL << 40);
    EXPECT_EQ(parse_size("512 MiB").value(), 512ULL << 20);
    EXPECT_EQ(parse_size("16777215T").value(), 16777215ULL << 40);
}

TEST(ParseSize, ExactFractions) {
    EXPECT_EQ(parse_size("1.5G").value(), 3ULL << 29);
    EXPECT_EQ(parse_size("0.5K").value(), 512u);
    EXPECT_EQ(parse_size("2.0").value(), 2u);
    EXPECT_EQ(parse_size("1.25MiB").value(), 1310720u);
    EXPECT_EQ(parse_size("1.5000000000000000000000G").value(), 3ULL << 29);
}

void expect_invalid(std::string_view text, int code, std::string_view fragment) {
    auto r = parse_size(text);
    ASSERT_FALSE(r.ok()) << "'" << text << "' parsed as " << r.value();
    EXPECT_EQ(r.error().code, code) << text;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos)
        << "'" << text << "': " << r.error().message;
}

TEST(ParseSize, Rejects) {
    expect_invalid("", EINVAL, "empty");
    expect_invalid("-1", EINVAL, "negative");
    expect_invalid("-1G", EINVAL, "negative");
    expect_invalid("10Q", EINVAL, "unknown suffix 'Q'");
    expect_invalid("1.5", EINVAL, "whole number of bytes");
    expect_invalid("0.1K", EINVAL, "whole number of bytes");
    expect_invalid("18446744073709551616", ERANGE, "too large");
    expect_invalid("99999999999999999999999999999999", ERANGE, "too large");
    expect_invalid("16777216T", ERANGE, "too large");
    expect_invalid("17179869184G", ERANGE, "too large");
    expect_invalid("G", EINVAL, "expected a number");
    expect_invalid(".5G", EINVAL, "expected a number");
    expect_invalid("1.G", EINVAL, "digits after '.'");
    expect_invalid("+1", EINVAL, "expected a number");
    expect_invalid(" 1", EINVAL, "expected a number");
    expect_invalid("1G ", EINVAL, "unknown suffix");
    expect_invalid("1GB", EINVAL, "unknown suffix 'GB'");
    expect_invalid("1Gi", EINVAL, "unknown suffix");
    expect_invalid("1G2", EINVAL, "unknown suffix");
    expect_invalid("0x10", EINVAL, "unknown suffix 'x10'");
    expect_invalid("1e9", EINVAL, "unknown suffix");
    expect_invalid("1.00000000000000000001K", EINVAL, "too many digits");
}

TEST(ParseSize, MessageQuotesInput) {
    auto r = parse_size("10Q");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "invalid size '10Q': unknown suffix 'Q' (use K, M, G, T or KiB, MiB, GiB, TiB; "
              "1024-based)");
}

TEST(FormatBytes, Units) {
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1000), "1000 B");
    EXPECT_EQ(format_bytes(1024), "1 KiB");
    EXPECT_EQ(format_bytes(512ULL << 20), "512 MiB");
    EXPECT_EQ(format_bytes(3ULL << 29), "1.5 GiB");
    EXPECT_EQ(format_bytes(1310720), "1.25 MiB");
    EXPECT_EQ(format_bytes(10ULL << 40), "10 TiB");
    EXPECT_EQ(format_bytes((1ULL << 20) - 1), "1 MiB");
    EXPECT_EQ(format_bytes(18446744073709551615ULL), "16 EiB");
}

TEST(FormatBytes, RoundTripsThroughParseSize) {
    for (std::uint64_t v : {4096ULL, 512ULL << 20, 3ULL << 29, 1310720ULL, 7ULL << 40}) {
        EXPECT_EQ(parse_size(format_bytes(v)).value(), v) << format_bytes(v);
    }
}

TEST(ValidateName, Accepts) {
    for (const char* name : {"a", "db0", "A-Z_a.z-0.9", "..a", "controller", "Control",
                             "abcdefghijklmnopqrstuvwxyz01234"}) {
        EXPECT_TRUE(validate_name(name).ok()) << name;
    }
}

TEST(ValidateName, Rejects) {
    struct Case {
        std::string name;
        std::string fragment;
    };
    for (const auto& c : std::initializer_list<Case>{
             {"", "empty"},
             {"abcdefghijklmnopqrstuvwxyz012345", "too long (32 characters; at most 31)"},
             {"control", "reserved"},
             {".", "not allowed"},
             {"..", "not allowed"},
             {"a b", "contains ' '"},
             {"a/b", "contains '/'"},
             {"caf\xc3\xa9", "contains '\\xc3'"},
             {std::string("a\0b", 3), "contains '\\x00'"},
         }) {
        auto r = validate_name(c.name);
        ASSERT_FALSE(r.ok()) << c.name;
        EXPECT_EQ(r.error().code, EINVAL);
        EXPECT_NE(r.error().message.find(c.fragment), std::string::npos) << r.error().message;
    }
}

TEST(ParseCount, WholeNumbersOnly) {
    EXPECT_EQ(parse_count("0").value(), 0u);
    EXPECT_EQ(parse_count("4096").value(), 4096u);
    EXPECT_EQ(parse_count("18446744073709551615").value(), 18446744073709551615ULL);
    EXPECT_EQ(parse_count("18446744073709551616").error().code, ERANGE);
    for (const char* bad : {"", "-1", "+1", "1k", "1.0", " 1", "1 ", "0x10"}) {
        auto r = parse_count(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, EINVAL) << bad;
    }
}

TEST(ParsePercent, WithOrWithoutSign) {
    EXPECT_EQ(parse_percent("40").value(), 40u);
    EXPECT_EQ(parse_percent("40%").value(), 40u);
    EXPECT_EQ(parse_percent("0%").value(), 0u);
    EXPECT_EQ(parse_percent("250").value(), 250u);  // the range is the caller's
    for (const char* bad : {"", "%", "40 %", "40%%", "4.5", "-1", "40pc"}) {
        auto r = parse_percent(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, EINVAL) << bad;
        EXPECT_NE(r.error().message.find("invalid percentage"), std::string::npos);
    }
}

TEST(ParseDuration, UnitsAndOff) {
    EXPECT_EQ(parse_duration_ms("5000").value(), 5000u);
    EXPECT_EQ(parse_duration_ms("5000ms").value(), 5000u);
    EXPECT_EQ(parse_duration_ms("5000MS").value(), 5000u);
    EXPECT_EQ(parse_duration_ms("5s").value(), 5000u);
    EXPECT_EQ(parse_duration_ms("2min").value(), 120000u);
    EXPECT_EQ(parse_duration_ms("1h").value(), 3600000u);
    EXPECT_EQ(parse_duration_ms("0").value(), 0u);
    EXPECT_EQ(parse_duration_ms("off").value(), 0u);
    EXPECT_EQ(parse_duration_ms("OFF").value(), 0u);
    // What format_duration_ms() prints parses back (found by tools/fuzz-host.sh).
    EXPECT_EQ(parse_duration_ms("2 h").value(), 7200000u);
    EXPECT_EQ(parse_duration_ms("250 ms").value(), 250u);
    for (std::uint64_t ms : {0ULL, 1ULL, 1000ULL, 60000ULL, 3600000ULL, 7201000ULL}) {
        EXPECT_EQ(parse_duration_ms(format_duration_ms(ms)).value(), ms);
    }
    EXPECT_EQ(parse_duration_ms("5 ").error().code, EINVAL);
    EXPECT_EQ(parse_duration_ms("18446744073709551615h").error().code, ERANGE);
    for (const char* bad : {"", "s", "5m", "5 x", "1.5s", "-5s", "5sec", "on"}) {
        auto r = parse_duration_ms(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, EINVAL) << bad;
        EXPECT_NE(r.error().message.find("invalid duration"), std::string::npos);
    }
}

TEST(FormatDuration, LargestWholeUnit) {
    EXPECT_EQ(format_duration_ms(0), "off");
    EXPECT_EQ(format_duration_ms(1), "1 ms");
    EXPECT_EQ(format_duration_ms(1500), "1500 ms");
    EXPECT_EQ(format_duration_ms(5000), "5 s");
    EXPECT_EQ(format_duration_ms(90000), "90 s");
    EXPECT_EQ(format_duration_ms(120000), "2 min");
    EXPECT_EQ(format_duration_ms(3600000), "1 h");
}

}  // namespace
}  // namespace fastmap
