// SPDX-License-Identifier: GPL-2.0-only
// What the daemon reads from the BPF telemetry each interval: one map slot per instance the
// module lists (Telemetry::instance_sample()), never the whole instance array, and the histograms
// only where batch tuning needs them.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "core/daemon.hpp"
#include "daemon/fake_host.hpp"
#include "fake_control.hpp"
#include "fake_telemetry.hpp"

namespace fastmap::daemon {
namespace {

namespace tm = fastmap::telemetry;
using test::FakeControl;
using test::FakeHost;
using test::FakeTelemetry;
using test::RecordingLogger;

// Counts the calls the daemon makes; answers from a FakeTelemetry.
class CountingTelemetry final : public tm::Telemetry {
public:
    explicit CountingTelemetry(FakeTelemetry& inner) : in(inner) {}
    FakeTelemetry& in;
    int all_instances = 0;
    int histograms = 0;
    std::vector<std::pair<std::uint32_t, bool>> reads;  // instance(id, latency)

    Result<void> attach(tm::Programs which) override { return in.attach(which); }
    tm::Programs attached() const override { return in.attached(); }
    tm::FaultSource fault_source() const override { return in.fault_source(); }
    Result<std::vector<tm::InstanceCounters>> instances() override {
        ++all_instances;
        return in.instances();
    }
    Result<std::optional<tm::InstanceSample>> instance_sample(std::uint32_t id,
                                                              bool latency) override {
        reads.emplace_back(id, latency);
        return in.instance_sample(id, latency);  // the interface's default, over the fake's maps
    }
    Result<std::vector<tm::FileCounters>> files() override { return in.files(); }
    Result<tm::FileCounters> file(tm::FileKey key) override { return in.file(key); }
    Result<tm::Histogram> fault_latency(std::uint32_t id) override {
        ++histograms;
        return in.fault_latency(id);
    }
    Result<tm::Histogram> evict_latency(std::uint32_t id) override {
        ++histograms;
        return in.evict_latency(id);
    }
    Result<std::vector<tm::Event>> drain_events() override { return in.drain_events(); }
    Result<tm::Drops> drops() override { return in.drops(); }
};

class DaemonObserveTest : public ::testing::Test {
protected:
    FakeControl ctl;
    FakeHost host;
    RecordingLogger log;
    FakeTelemetry fake{2};
    CountingTelemetry telemetry{fake};
    std::vector<Observation> seen;

    void SetUp() override {
        ctl.instances.push_back(test::sample_instance("db0"));  // id 3
        ctl.instances.push_back(test::sample_instance("db1"));
        ctl.instances[1].id = 5;
        fake.instance(0, 3).faults = 10;
        fake.instance(1, 3).faults = 5;
        fake.instance(0, 3).fault_lat.slots[10] = 4;
        fake.instance(0, 5).faults = 7;
        fake.instance(0, 7).faults = 99;  // an instance the module no longer lists
        ASSERT_TRUE(fake.attach(tm::Programs::kAll).ok());
    }

    void tick(Daemon& d) {
        d.set_telemetry(&telemetry);
        d.set_trace_sink([this](const Observation& obs) { seen.push_back(obs); });
        host.now_ms += 1000;
        d.tick();
    }
};

TEST_F(DaemonObserveTest, ReadsOneSlotPerListedInstanceNotTheWholeArray) {
    Daemon d(ctl, host, log);
    ASSERT_TRUE(d.start().ok());
    telemetry.reads.clear();
    tick(d);
    EXPECT_EQ(telemetry.all_instances, 0);
    const std::set<std::uint32_t> ids{telemetry.reads[0].first, telemetry.reads[1].first};
    ASSERT_EQ(telemetry.reads.size(), 2U);
    EXPECT_EQ(ids, (std::set<std::uint32_t>{3, 5}));
    ASSERT_EQ(seen.size(), 1U);
    ASSERT_EQ(seen[0].instances.size(), 2U);
    const InstanceObservation& db0 = seen[0].instances[0];
    ASSERT_TRUE(db0.counters.has_value());
    EXPECT_EQ(db0.counters->faults, 15U);  // summed over both CPUs
    ASSERT_TRUE(db0.fault_latency.has_value());
    EXPECT_EQ(db0.fault_latency->slots[10], 4U);
    EXPECT_EQ(seen[0].instances[1].counters->faults, 7U);
}

TEST_F(DaemonObserveTest, HistogramsOnlyWhereBatchTuningIsOn) {
    host.next_load.policy->defaults.batch.enabled = false;
    Daemon d(ctl, host, log);
    ASSERT_TRUE(d.start().ok());
    telemetry.reads.clear();
    tick(d);
    ASSERT_EQ(telemetry.reads.size(), 2U);
    EXPECT_FALSE(telemetry.reads[0].second);
    EXPECT_FALSE(telemetry.reads[1].second);
    EXPECT_EQ(telemetry.histograms, 0);
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_TRUE(seen[0].instances[0].counters.has_value());
    EXPECT_FALSE(seen[0].instances[0].fault_latency.has_value());
}

TEST_F(DaemonObserveTest, AnInstanceWithoutEventsHasNoCounters) {
    ctl.instances[1].id = 6;  // slot 6 is empty
    Daemon d(ctl, host, log);
    ASSERT_TRUE(d.start().ok());
    tick(d);
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_TRUE(seen[0].instances[0].counters.has_value());
    EXPECT_FALSE(seen[0].instances[1].counters.has_value());
}

TEST(TelemetryDefaultInstance, MatchesInstancesAndTheHistograms) {
    FakeTelemetry fake(2);
    fake.instance(0, 3).faults = 2;
    fake.instance(1, 3 + FM_MAX_INSTANCES).faults = 1;  // collides: the larger id is reported
    fake.instance(1, 3 + FM_MAX_INSTANCES).evict_lat.slots[5] = 1;
    tm::Telemetry& t = fake;
    auto three = t.instance_sample(3, true);
    ASSERT_TRUE(three.ok());
    EXPECT_FALSE(three->has_value());
    auto other = t.instance_sample(3 + FM_MAX_INSTANCES, true);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other->has_value());
    EXPECT_EQ((*other)->counters.faults, 3U);
    EXPECT_EQ((*other)->evict_latency.slots[5], 1U);
    fake.fail = Error{EPERM, "no"};
    EXPECT_EQ(t.instance_sample(3, false).error().code, EPERM);
}

}  // namespace
}  // namespace fastmap::daemon
