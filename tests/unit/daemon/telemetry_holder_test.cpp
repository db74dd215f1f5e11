// SPDX-License-Identifier: GPL-2.0-only
#include "core/telemetry_holder.hpp"

#include <gtest/gtest.h>

#include "daemon/fake_host.hpp"
#include "fake_telemetry.hpp"

namespace fastmap::daemon {
namespace {

namespace tm = fastmap::telemetry;

struct Calls {
    std::vector<tm::Programs> asked;
    bool fail = false;
};

TelemetryHolder::Factory factory(Calls& calls) {
    return [&calls](tm::Programs which) -> Result<std::unique_ptr<tm::Telemetry>> {
        calls.asked.push_back(which);
        if (calls.fail) {
            return Error{EPERM, "bpf: Operation not permitted"};
        }
        auto t = std::make_unique<test::FakeTelemetry>(2);
        if (auto r = t->attach(which); !r) {
            return std::move(r).error();
        }
        return std::unique_ptr<tm::Telemetry>(std::move(t));
    };
}

TEST(TelemetryHolder, AttachesStockFirstThenEverythingOnceTheModuleIsThere) {
    Calls calls;
    bool module = false;
    test::RecordingLogger log;
    TelemetryHolder holder(
        factory(calls), [&] { return module; }, log, 1000);
    tm::Telemetry* t = holder.get(0);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->attached(), tm::Programs::kStock);
    EXPECT_EQ(holder.get(500), t);   // no retry before retry_ms
    EXPECT_EQ(holder.get(2000), t);  // module still absent: keep the stock programs
    module = true;
    tm::Telemetry* all = holder.get(4000);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->attached(), tm::Programs::kAll);
    EXPECT_EQ(holder.get(100000), all);  // complete: never again
    EXPECT_EQ(calls.asked, (std::vector<tm::Programs>{tm::Programs::kStock, tm::Programs::kAll}));
}

TEST(TelemetryHolder, FailuresAreLoggedOnceAndRetried) {
    Calls calls;
    calls.fail = true;
    test::RecordingLogger log;
    TelemetryHolder holder(
        factory(calls), [] { return true; }, log, 1000);
    EXPECT_EQ(holder.get(0), nullptr);
    EXPECT_EQ(holder.get(1500), nullptr);
    EXPECT_EQ(calls.asked.size(), 2U);
    EXPECT_EQ(log.lines.size(), 1U);
    EXPECT_TRUE(log.contains("Operation not permitted"));
    calls.fail = false;
    ASSERT_NE(holder.get(3000), nullptr);
}

}  // namespace
}  // namespace fastmap::daemon
