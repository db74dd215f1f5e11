// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <limits>

#include "fake_telemetry.hpp"
#include "telemetry/histogram.hpp"
#include "telemetry/kdev.hpp"

namespace fastmap::telemetry {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(Histogram, SlotBoundsMatchTheBpfLog2) {
    EXPECT_EQ(Histogram::slot_of(0), 0U);
    EXPECT_EQ(Histogram::slot_of(1), 0U);
    EXPECT_EQ(Histogram::slot_of(2), 1U);
    EXPECT_EQ(Histogram::slot_of(3), 1U);
    EXPECT_EQ(Histogram::slot_of(4), 2U);
    EXPECT_EQ(Histogram::slot_of(1023), 9U);
    EXPECT_EQ(Histogram::slot_of(1024), 10U);
    EXPECT_EQ(Histogram::slot_of(kMax), 63U);
    EXPECT_EQ(Histogram::lower_bound(0), 0U);
    EXPECT_EQ(Histogram::upper_bound(0), 1U);
    EXPECT_EQ(Histogram::lower_bound(10), 1024U);
    EXPECT_EQ(Histogram::upper_bound(10), 2047U);
    EXPECT_EQ(Histogram::lower_bound(63), std::uint64_t{1} << 63);
    EXPECT_EQ(Histogram::upper_bound(63), kMax);
    for (std::size_t i = 0; i < Histogram::kSlots; ++i) {
        EXPECT_EQ(Histogram::slot_of(Histogram::lower_bound(i)), i);
        EXPECT_EQ(Histogram::slot_of(Histogram::upper_bound(i)), i);
    }
}

TEST(Histogram, EmptyHasNoPercentile) {
    Histogram h;
    EXPECT_TRUE(h.empty());
    EXPECT_FALSE(h.percentile(50).has_value());
}

TEST(Histogram, RejectsPercentilesOutOfRange) {
    Histogram h;
    h.slots[3] = 1;
    EXPECT_FALSE(h.percentile(-1).has_value());
    EXPECT_FALSE(h.percentile(100.5).has_value());
    EXPECT_FALSE(h.percentile(std::numeric_limits<double>::quiet_NaN()).has_value());
}

TEST(Histogram, InterpolatesWithinASlot) {
    Histogram h;
    h.slots[10] = 4;  // four samples in [1024, 2047]
    EXPECT_EQ(h.count(), 4U);
    EXPECT_EQ(h.percentile(25), 1024U + 1023U / 4);  // first of four: a quarter in
    EXPECT_EQ(h.percentile(50), 1024U + 1023U / 2);
    EXPECT_EQ(h.percentile(100), 2047U);
    EXPECT_EQ(h.percentile(0), 1024U + 1023U / 4);  // rank 1
}

TEST(Histogram, WalksAcrossSlots) {
    Histogram h;
    h.slots[2] = 90;  // [4, 7]
    h.slots[20] = 9;  // [1 Mi, 2 Mi - 1]
    h.slots[30] = 1;  // [1 Gi, 2 Gi - 1]
    EXPECT_EQ(h.count(), 100U);
    EXPECT_EQ(h.percentile(50).value(), 4U + 3U * 50 / 90);
    EXPECT_EQ(h.percentile(90), 7U);
    EXPECT_EQ(h.percentile(99), (std::uint64_t{1} << 21) - 1);
    const std::uint64_t p95 = h.percentile(95).value();
    EXPECT_GE(p95, std::uint64_t{1} << 20);
    EXPECT_LT(p95, std::uint64_t{1} << 21);
    EXPECT_EQ(h.percentile(100), (std::uint64_t{1} << 31) - 1);
}

TEST(Histogram, TopSlotDoesNotOverflow) {
    Histogram h;
    h.slots[63] = 3;
    EXPECT_EQ(h.percentile(100), kMax);
    EXPECT_GE(h.percentile(34).value(), std::uint64_t{1} << 63);
}

TEST(Histogram, Adds) {
    Histogram a;
    Histogram b;
    a.slots[1] = 2;
    b.slots[1] = 3;
    b.slots[5] = 1;
    a += b;
    EXPECT_EQ(a.slots[1], 5U);
    EXPECT_EQ(a.slots[5], 1U);
    EXPECT_EQ(a.count(), 6U);
}

TEST(KernelDev, EncodesMajorShiftedByTwenty) {
    EXPECT_EQ(kdev_encode({8, 1}), (8U << 20) | 1U);
    EXPECT_EQ(kdev_encode({259, 65536}), (259U << 20) | 65536U);
    EXPECT_EQ(kdev_decode((253U << 20) | 7U), (DevId{253, 7}));
    for (const DevId d : {DevId{0, 0}, DevId{8, 16}, DevId{259, 3}, DevId{4095, 0xfffff}}) {
        EXPECT_EQ(kdev_decode(kdev_encode(d)), d) << d.str();
    }
}

TEST(KernelDev, DiffersFromTheStatEncoding) {
    // 8:1 is 0x801 in stat(2)/new_encode_dev, 0x800001 in the kernel.
    EXPECT_EQ(encode_dev({8, 1}), 0x801U);
    EXPECT_EQ(kdev_encode({8, 1}), 0x800001U);
    EXPECT_EQ(kdev_from_st_dev(makedev(8, 1)), 0x800001U);
    EXPECT_EQ(kdev_from_st_dev(makedev(259, 65536)), kdev_encode({259, 65536}));
    EXPECT_EQ(kdev_decode(kdev_from_st_dev(makedev(0, 44))), (DevId{0, 44}));
}

TEST(Programs, GroupsCombine) {
    EXPECT_TRUE(includes(Programs::kAll, Programs::kStock));
    EXPECT_TRUE(includes(Programs::kStock | Programs::kFastmap, Programs::kAll));
    EXPECT_FALSE(includes(Programs::kStock, Programs::kFastmap));
    EXPECT_FALSE(includes(Programs::kAll, Programs::kNone));
}

TEST(FakeTelemetry, SumsInstanceCountersOverCpus) {
    test::FakeTelemetry t(4);
    ASSERT_TRUE(t.attach(Programs::kFastmap));
    EXPECT_EQ(t.attached(), Programs::kFastmap);
    EXPECT_EQ(t.fault_source(), FaultSource::kNone);
    EXPECT_EQ(t.attach(Programs::kStock).error().code, EALREADY);

    for (unsigned cpu = 0; cpu < 4; ++cpu) {
        fm_instance_stats& s = t.instance(cpu, 3);
        s.faults = 10 + cpu;
        s.hits = 8;
        s.misses = 2 + cpu;
        s.writes = 1;
        s.evict_batches = cpu;
        s.evicted_pages = 64 * cpu;
        s.wb_rounds = 1;
        s.wb_bytes = 4096;
        s.wb_errors = cpu == 2 ? 1 : 0;
    }
    t.instance(1, 7).faults = 5;  // another instance, seen on one CPU only

    auto all = t.instances();
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 2U);
    const InstanceCounters& a = (*all)[0];
    EXPECT_EQ(a.id, 3U);
    EXPECT_EQ(a.faults, 10U + 11 + 12 + 13);
    EXPECT_EQ(a.hits, 32U);
    EXPECT_EQ(a.misses, 2U + 3 + 4 + 5);
    EXPECT_EQ(a.writes, 4U);
    EXPECT_EQ(a.evict_batches, 6U);
    EXPECT_EQ(a.evicted_pages, 64U * 6);
    EXPECT_EQ(a.wb_rounds, 4U);
    EXPECT_EQ(a.wb_bytes, 4U * 4096);
    EXPECT_EQ(a.wb_errors, 1U);
    EXPECT_EQ((*all)[1].id, 7U);
    EXPECT_EQ((*all)[1].faults, 5U);
}

TEST(FakeTelemetry, UnusedSlotsAreNotInstances) {
    test::FakeTelemetry t(2);
    // Counters without the used flag (never written by the BPF side) do not make an instance.
    t.instance_slots[5][0].faults = 0;
    auto all = t.instances();
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->empty());
}

TEST(FakeTelemetry, SumsLatencyHistogramsOverCpus) {
    test::FakeTelemetry t(3);
    t.instance(0, 1).fault_lat.slots[12] = 5;
    t.instance(2, 1).fault_lat.slots[12] = 5;
    t.instance(1, 1).fault_lat.slots[14] = 10;
    t.instance(1, 1).evict_lat.slots[20] = 2;

    auto faults = t.fault_latency(1);
    ASSERT_TRUE(faults);
    EXPECT_EQ(faults->count(), 20U);
    EXPECT_EQ(faults->slots[12], 10U);
    EXPECT_EQ(faults->percentile(50), (std::uint64_t{1} << 13) - 1);
    EXPECT_GE(faults->percentile(99).value(), std::uint64_t{1} << 14);

    auto evict = t.evict_latency(1);
    ASSERT_TRUE(evict);
    EXPECT_EQ(evict->count(), 2U);

    // Same slot, other id: nothing recorded for it.
    auto other = t.fault_latency(1 + FM_MAX_INSTANCES);
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->empty());
}

TEST(FakeTelemetry, SumsFileCountersOverCpus) {
    test::FakeTelemetry t(2);
    const FileKey key{kdev_encode({8, 1}), 1234};
    t.file_on(0, key).faults = 3;
    t.file_on(0, key).shared_faults = 3;
    t.file_on(1, key).faults = 4;
    t.file_on(1, key).major_faults = 1;
    t.file_on(0, key).page_cache_adds = 16;
    t.file_on(1, key).page_cache_adds = 16;
    t.file_on(1, key).page_cache_evictions = 32;

    auto c = t.file(key);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->key, key);
    EXPECT_EQ(c->dev, (DevId{8, 1}));
    EXPECT_EQ(c->faults, 7U);
    EXPECT_EQ(c->shared_faults, 3U);
    EXPECT_EQ(c->major_faults, 1U);
    EXPECT_EQ(c->page_cache_adds, 32U);
    EXPECT_EQ(c->page_cache_evictions, 32U);

    auto all = t.files();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1U);
    EXPECT_EQ((*all)[0], *c);
    EXPECT_EQ(t.file({key.kdev, 99}).error().code, ENOENT);
}

TEST(FakeTelemetry, DrainsEventsAndSumsDrops) {
    test::FakeTelemetry t(2);
    fm_event raw{};
    raw.type = FM_EVENT_WB_ERROR;
    raw.id = 2;
    raw.err = -EIO;
    raw.pages = 8;
    raw.bytes = 8 * 4096;
    t.ring.push_back(raw);
    t.global[0].rb_drops = 2;
    t.global[1].rb_drops = 3;
    t.global[1].file_map_errors = 1;

    auto events = t.drain_events();
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 1U);
    const Event& e = (*events)[0];
    EXPECT_EQ(e.type, Event::Type::kWritebackError);
    EXPECT_EQ(e.id, 2U);
    EXPECT_EQ(e.err, -EIO);
    EXPECT_EQ(e.pages, 8U);
    EXPECT_EQ(e.bytes, 8U * 4096);
    EXPECT_TRUE(t.drain_events()->empty());

    auto d = t.drops();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->events, 5U);
    EXPECT_EQ(d->file_updates, 1U);
}

TEST(FakeTelemetry, ReportsErrors) {
    test::FakeTelemetry t(1);
    t.fail = Error{EPERM, "no"};
    EXPECT_EQ(t.attach(Programs::kStock).error().code, EPERM);
    EXPECT_EQ(t.instances().error().code, EPERM);
}

}  // namespace
}  // namespace fastmap::telemetry
