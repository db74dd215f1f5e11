// SPDX-License-Identifier: GPL-2.0-only
#include "params.hpp"

#include <gtest/gtest.h>

#include "fake_control.hpp"

namespace fastmap::cli {
namespace {

Result<SetRequest> parse(std::vector<std::string> args) {
    return parse_assignments(args);
}

TEST(ParseAssignments, EachKeyAndItsSyntaxes) {
    EXPECT_EQ(parse({"cache=1G"}).value(), (SetRequest{1ULL << 30, {}, {}, {}}));
    EXPECT_EQ(parse({"cache=512MiB"}).value().cache_bytes, 512ULL << 20);
    EXPECT_EQ(parse({"cache=256K"}).value().cache_bytes, 256ULL << 10);  // the minimum
    EXPECT_EQ(parse({"batch=1"}).value(), (SetRequest{{}, 1u, {}, {}}));
    EXPECT_EQ(parse({"batch=4096"}).value().batch_pages, 4096u);
    EXPECT_EQ(parse({"dirty_ratio=40"}).value(), (SetRequest{{}, {}, 40u, {}}));
    EXPECT_EQ(parse({"dirty_ratio=40%"}).value().dirty_ratio, 40u);
    EXPECT_EQ(parse({"dirty_ratio=100%"}).value().dirty_ratio, 100u);
    EXPECT_EQ(parse({"wb_interval=5000"}).value(), (SetRequest{{}, {}, {}, 5000u}));
    EXPECT_EQ(parse({"wb_interval=5000ms"}).value().wb_interval_ms, 5000u);
    EXPECT_EQ(parse({"wb_interval=5s"}).value().wb_interval_ms, 5000u);
    EXPECT_EQ(parse({"wb_interval=2min"}).value().wb_interval_ms, 120000u);
    EXPECT_EQ(parse({"wb_interval=1h"}).value().wb_interval_ms, 3600000u);
    EXPECT_EQ(parse({"wb_interval=0"}).value().wb_interval_ms, 0u);
    EXPECT_EQ(parse({"wb_interval=off"}).value().wb_interval_ms, 0u);
}

TEST(ParseAssignments, AnySubset) {
    EXPECT_EQ(parse({"wb_interval=5s", "cache=2G"}).value(),
              (SetRequest{2ULL << 30, {}, {}, 5000u}));
    EXPECT_EQ(parse({"batch=64", "dirty_ratio=20%", "cache=1G", "wb_interval=1s"}).value(),
              (SetRequest{1ULL << 30, 64u, 20u, 1000u}));
}

TEST(ParseAssignments, ErrorsNameTheKey) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{},
         "nothing to set: give KEY=VALUE with KEY one of cache, batch, dirty_ratio, "
         "wb_interval"},
        {{"cache"}, "'cache' is not KEY=VALUE (keys: cache, batch, dirty_ratio, wb_interval)"},
        {{"colour=red"}, "unknown key 'colour' (keys: cache, batch, dirty_ratio, wb_interval)"},
        {{"=5"}, "unknown key '' (keys: cache, batch, dirty_ratio, wb_interval)"},
        {{"size=1G"}, "key 'size' cannot be set (keys: cache, batch, dirty_ratio, wb_interval)"},
        {{"batch=64", "batch=128"}, "key 'batch' given twice"},
        {{"cache="}, "cache: empty value"},
        {{"cache=10Q"}, "cache: invalid size '10Q': unknown suffix 'Q'"},
        {{"cache=4k"}, "cache: 4 KiB is below the minimum of 256 KiB"},
        {{"batch=0"}, "batch: 0 is outside 1..4096 pages"},
        {{"batch=4097"}, "batch: 4097 is outside 1..4096 pages"},
        {{"batch=99999999999"}, "batch: 99999999999 is outside 1..4096 pages"},
        {{"batch=1k"}, "batch: invalid number '1k': expected a whole number"},
        {{"batch=-1"}, "batch: invalid number '-1': expected a whole number"},
        {{"dirty_ratio=0"}, "dirty_ratio: 0% is outside 1..100%"},
        {{"dirty_ratio=101%"}, "dirty_ratio: 101% is outside 1..100%"},
        {{"dirty_ratio=40%%"}, "dirty_ratio: invalid percentage '40%%'"},
        {{"dirty_ratio=0.5"}, "dirty_ratio: invalid percentage '0.5'"},
        {{"wb_interval=5 x"}, "wb_interval: invalid duration '5 x': unknown unit 'x'"},
        {{"wb_interval=1.5s"}, "wb_interval: invalid duration '1.5s': unknown unit '.5s'"},
        {{"wb_interval=2h"}, "wb_interval: 2h is above the maximum of 1 h (3600000 ms)"},
        {{"wb_interval=3600001"}, "wb_interval: 3600001 is above the maximum of 1 h"},
        {{"wb_interval=5d"}, "wb_interval: invalid duration '5d': unknown unit 'd'"},
        {{"cache=1G", "oops"}, "'oops' is not KEY=VALUE"},
    };
    for (const auto& [args, want] : cases) {
        auto r = parse(args);
        ASSERT_FALSE(r.ok()) << want;
        EXPECT_EQ(r.error().code, EINVAL) << want;
        EXPECT_EQ(r.error().message.substr(0, want.size()), want);
    }
}

TEST(Params, TextAndValues) {
    const InstanceInfo info = test::sample_instance();
    std::vector<std::string> texts;
    nlohmann::json values;
    for (const auto& p : kParams) {
        texts.push_back(p.text(info));
        values[std::string(p.json_key)] = p.value(info);
    }
    EXPECT_EQ(texts, (std::vector<std::string>{"3", "/dev/sdb", "8:16", "10 GiB", "512 MiB",
                                               "512 pages", "10%", "5 s"}));
    EXPECT_EQ(values.dump(),
              R"({"batch_pages":512,"cache_bytes":536870912,"dev":"8:16","device":"/dev/sdb",)"
              R"("dirty_ratio":10,"id":3,"size_bytes":10737418240,"wb_interval_ms":5000})");
    EXPECT_EQ(find_param("wb_interval")->json_key, "wb_interval_ms");
    EXPECT_EQ(find_param("nope"), nullptr);
    EXPECT_EQ(param_keys(true), "cache, batch, dirty_ratio, wb_interval");
    EXPECT_EQ(param_keys(false), "id, device, dev, size, cache, batch, dirty_ratio, wb_interval");
}

}  // namespace
}  // namespace fastmap::cli
