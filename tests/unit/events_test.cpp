// SPDX-License-Identifier: GPL-2.0-only
#include "events.hpp"

#include <gtest/gtest.h>
#include <linux/genetlink.h>

#include <cerrno>

#include "control.hpp"
#include "fake_transport.hpp"
#include "fastmap.h"
#include "json.hpp"

namespace fastmap {
namespace {

using test::Raw;

constexpr std::uint32_t kEventsGroup = 0x17;

// One multicast group as the controller nests it (nla_nest_start_noflag: no NLA_F_NESTED).
Raw mcast_group(std::uint16_t index, std::uint32_t id, std::string_view name) {
    Raw g;
    g.attr_u32(CTRL_ATTR_MCAST_GRP_ID, id).attr_str(CTRL_ATTR_MCAST_GRP_NAME, name);
    Raw nest;
    nest.u16(static_cast<std::uint16_t>(4 + g.size())).u16(index).bytes(g.get());
    return nest;
}

Raw plain_nest(std::uint16_t type, const Raw& inner) {
    Raw n;
    n.u16(static_cast<std::uint16_t>(4 + inner.size())).u16(type).bytes(inner.get());
    return n;
}

// CTRL_CMD_NEWFAMILY for "fastmap" with the given groups, as ctrl_fill_info() lays it out.
std::vector<nl::Bytes> family_with_groups(const nl::Message& req, const Raw& groups) {
    Raw a;
    a.attr_str(CTRL_ATTR_FAMILY_NAME, "fastmap");
    a.u16(6).u16(CTRL_ATTR_FAMILY_ID).u16(test::kFamilyId).pad4();
    a.attr_u32(CTRL_ATTR_VERSION, 1).attr_u32(CTRL_ATTR_HDRSIZE, 0);
    a.attr_u32(CTRL_ATTR_MAXATTR, FASTMAP_A_MAX);
    if (groups.size()) {
        a.bytes(plain_nest(CTRL_ATTR_MCAST_GROUPS, groups).get());
    }
    return {test::genl_msg(GENL_ID_CTRL, 0, req.seq, CTRL_CMD_NEWFAMILY, a),
            test::error_msg(req.seq, 0)};
}

Raw two_groups() {
    Raw groups;
    groups.bytes(mcast_group(1, 0x16, "other").get());
    groups.bytes(mcast_group(2, kEventsGroup, "events").get());
    return groups;
}

// A FASTMAP_CMD_EVENT notification (seq 0, pid 0), the u64 after a pad as
// nla_put_u64_64bit() may put it.
nl::Bytes event_msg(std::uint32_t type, std::string_view name, std::uint64_t value,
                    std::uint16_t family = test::kFamilyId, std::uint8_t cmd = FASTMAP_CMD_EVENT) {
    Raw a;
    a.attr_u32(FASTMAP_A_EVENT, type).attr_str(FASTMAP_A_NAME, name);
    a.u16(4).u16(FASTMAP_A_PAD);
    a.attr_u64(FASTMAP_A_EVENT_VALUE, value);
    return test::genl_msg(family, 0, 0, cmd, a);
}

TEST(EventType, NamesMatchTheUapiEnum) {
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_ATTACHED)), "attached");
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_DETACHED)), "detached");
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_CHANGED)), "changed");
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_IO_ERROR)), "io_error");
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_EVICT_STALL)), "evict_stall");
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_CACHE_PRESSURE)),
              "cache_pressure");
    EXPECT_EQ(event_type_name(static_cast<EventType>(FASTMAP_EVENT_OUTSIDE_WRITE)),
              "outside_write");
    EXPECT_EQ(event_type_name(EventType::kUnspec), "");
    EXPECT_EQ(event_type_name(static_cast<EventType>(99)), "");
}

TEST(DecodeEvent, FromKernelAttributes) {
    auto msgs = nl::parse_messages(event_msg(FASTMAP_EVENT_IO_ERROR, "db0", EIO));
    ASSERT_TRUE(msgs.ok());
    auto e = decode_event(msgs->front().attrs);
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(*e, (Event{EventType::kIoError, "db0", EIO}));
}

TEST(DecodeEvent, OptionalValueUnknownTypeAndMissingType) {
    Raw a;
    a.attr_u32(FASTMAP_A_EVENT, 42).attr_str(FASTMAP_A_NAME, "x");
    auto attrs = nl::parse_attrs(a.get());
    ASSERT_TRUE(attrs.ok());
    auto e = decode_event(*attrs);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(static_cast<std::uint32_t>(e->type), 42u);
    EXPECT_EQ(e->value, 0u);

    Raw b;
    b.attr_str(FASTMAP_A_NAME, "x");
    attrs = nl::parse_attrs(b.get());
    ASSERT_TRUE(attrs.ok());
    auto bad = decode_event(*attrs);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EPROTO);
}

TEST(EventJson, KnownAndUnknown) {
    EXPECT_EQ(event_to_json({EventType::kEvictStall, "db0", 12}).dump(),
              R"({"event":"evict_stall","name":"db0","value":12})");
    EXPECT_EQ(event_to_json({static_cast<EventType>(9), "db0", 0}).dump(),
              R"({"code":9,"event":"unknown","name":"db0","value":0})");
}

TEST(GenlClient, ResolvesMulticastGroups) {
    auto transport = std::make_unique<test::FakeTransport>(
        [](const nl::Message& req) { return family_with_groups(req, two_groups()); });
    nl::GenlClient client(std::move(transport));
    auto family = client.resolve_family("fastmap");
    ASSERT_TRUE(family.ok()) << family.error().message;
    EXPECT_EQ(family->id, test::kFamilyId);
    EXPECT_EQ(family->version, 1u);
    EXPECT_EQ(family->mcast_groups,
              (std::map<std::string, std::uint32_t>{{"events", kEventsGroup}, {"other", 0x16}}));
}

TEST(DecodeFamily, NoGroupsAndMalformedGroups) {
    Raw a;
    a.u16(6).u16(CTRL_ATTR_FAMILY_ID).u16(0x20).pad4();
    auto attrs = nl::parse_attrs(a.get());
    ASSERT_TRUE(attrs.ok());
    auto family = nl::decode_family(*attrs);
    ASSERT_TRUE(family.ok());
    EXPECT_TRUE(family->mcast_groups.empty());

    Raw g;
    g.attr_str(CTRL_ATTR_MCAST_GRP_NAME, "events");  // no id
    Raw groups;
    groups.bytes(plain_nest(1, g).get());
    a.bytes(plain_nest(CTRL_ATTR_MCAST_GROUPS, groups).get());
    attrs = nl::parse_attrs(a.get());
    ASSERT_TRUE(attrs.ok());
    auto bad = nl::decode_family(*attrs);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EPROTO);

    Raw none;
    attrs = nl::parse_attrs(none.get());
    ASSERT_TRUE(attrs.ok());
    EXPECT_EQ(nl::decode_family(*attrs).error().code, EPROTO);
}

struct Subscription {
    std::shared_ptr<test::FakeMulticastTransport::State> state =
        std::make_shared<test::FakeMulticastTransport::State>();
    bool loaded = true;
    Raw groups = two_groups();

    Result<std::unique_ptr<EventSubscriber>> open() {
        return EventSubscriber::open(std::make_unique<test::FakeMulticastTransport>(
            [this](const nl::Message& req) -> std::vector<nl::Bytes> {
                EXPECT_EQ(req.type, GENL_ID_CTRL);
                if (!loaded) {
                    return {test::error_msg(req.seq, ENOENT, {}, GENL_ID_CTRL)};
                }
                return family_with_groups(req, groups);
            },
            state));
    }
};

TEST(EventSubscriber, JoinsTheEventsGroup) {
    Subscription s;
    auto sub = s.open();
    ASSERT_TRUE(sub.ok()) << sub.error().message;
    EXPECT_EQ(s.state->joined, std::vector<std::uint32_t>{kEventsGroup});
    EXPECT_EQ((*sub)->group_id(), kEventsGroup);
    EXPECT_EQ((*sub)->family_id(), test::kFamilyId);
    EXPECT_EQ((*sub)->fd(), 42);
}

TEST(EventSubscriber, DeliversEventsInOrderAndSkipsOtherMessages) {
    Subscription s;
    auto sub = s.open();
    ASSERT_TRUE(sub.ok()) << sub.error().message;
    s.state->incoming.push_back(test::concat({
        event_msg(FASTMAP_EVENT_ATTACHED, "db0", 0),
        event_msg(FASTMAP_EVENT_ATTACHED, "x", 0, test::kFamilyId + 1),  // another family
        event_msg(FASTMAP_EVENT_ATTACHED, "y", 0, test::kFamilyId, FASTMAP_CMD_GET),
        event_msg(FASTMAP_EVENT_CHANGED, "db0", 0),
    }));
    s.state->incoming.push_back(event_msg(FASTMAP_EVENT_CACHE_PRESSURE, "db0", 3));

    auto e = (*sub)->next(std::chrono::milliseconds(100));
    ASSERT_TRUE(e.ok()) << e.error().message;
    ASSERT_TRUE(e->has_value());
    EXPECT_EQ(**e, (Event{EventType::kAttached, "db0", 0}));
    e = (*sub)->next(std::nullopt);
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_EQ((*e)->type, EventType::kChanged);
    e = (*sub)->next(std::nullopt);
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_EQ(**e, (Event{EventType::kCachePressure, "db0", 3}));
    EXPECT_EQ(s.state->waits.size(), 2u);  // the second event came from the queue
    EXPECT_EQ(s.state->waits.back(), -1);
}

TEST(EventSubscriber, TimeoutAndLostEvents) {
    Subscription s;
    auto sub = s.open();
    ASSERT_TRUE(sub.ok()) << sub.error().message;
    auto e = (*sub)->next(std::chrono::milliseconds(250));
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(e->has_value());
    ASSERT_EQ(s.state->waits.size(), 1u);
    EXPECT_GT(s.state->waits[0], 200);
    EXPECT_LE(s.state->waits[0], 250);

    s.state->incoming.push_back(Error{ENOBUFS, "dropped"});
    s.state->incoming.push_back(event_msg(FASTMAP_EVENT_DETACHED, "db0", 0));
    e = (*sub)->next(std::chrono::milliseconds(0));
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, ENOBUFS);
    e = (*sub)->next(std::chrono::milliseconds(0));
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_EQ((*e)->type, EventType::kDetached);
}

TEST(EventSubscriber, ModuleNotLoaded) {
    Subscription s;
    s.loaded = false;
    auto sub = s.open();
    ASSERT_FALSE(sub.ok());
    EXPECT_EQ(sub.error().code, kErrModuleNotLoaded);
    EXPECT_TRUE(s.state->joined.empty());
}

TEST(EventSubscriber, NoEventsGroup) {
    Subscription s;
    s.groups = Raw();
    s.groups.bytes(mcast_group(1, 0x16, "other").get());
    auto sub = s.open();
    ASSERT_FALSE(sub.ok());
    EXPECT_EQ(sub.error().code, ENOENT);
    EXPECT_EQ(sub.error().message,
              "the fastmap module has no 'events' multicast group (module too old?)");
}

TEST(EventSubscriber, JoinFails) {
    Subscription s;
    s.state->join_error = Error{EPERM, "netlink join multicast group: Operation not permitted"};
    auto sub = s.open();
    ASSERT_FALSE(sub.ok());
    EXPECT_EQ(sub.error().code, EPERM);
}

TEST(EventSubscriber, MalformedEventIsAnError) {
    Subscription s;
    auto sub = s.open();
    ASSERT_TRUE(sub.ok()) << sub.error().message;
    Raw a;
    a.attr_str(FASTMAP_A_NAME, "db0");  // no FASTMAP_A_EVENT
    s.state->incoming.push_back(test::genl_msg(test::kFamilyId, 0, 0, FASTMAP_CMD_EVENT, a));
    auto e = (*sub)->next(std::nullopt);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, EPROTO);
}

// The socket code against the running kernel, with the controller's own family: nlctrl has
// the multicast group "notify". Skipped where netlink sockets are not available.
TEST(RealKernel, ResolvesAndJoinsNlctrlNotify) {
    auto sock = nl::NetlinkSocket::open(2000);
    if (!sock) {
        GTEST_SKIP() << sock.error().message;
    }
    nl::MulticastTransport* raw = sock->get();
    nl::GenlClient client(std::move(sock).value());
    auto family = client.resolve_family("nlctrl");
    ASSERT_TRUE(family.ok()) << family.error().message;
    EXPECT_EQ(family->id, GENL_ID_CTRL);
    ASSERT_EQ(family->mcast_groups.count("notify"), 1u);
    ASSERT_TRUE(raw->join_group(family->mcast_groups["notify"]).ok());
    EXPECT_GE(raw->fd(), 0);
    EXPECT_TRUE(raw->wait(0).ok());
}

TEST(RealKernel, SubscribeWithoutTheModule) {
    auto sub = EventSubscriber::open();
    if (sub.ok()) {
        EXPECT_GT((*sub)->group_id(), 0u);  // the module is loaded here
        return;
    }
    if (sub.error().code != kErrModuleNotLoaded) {
        GTEST_SKIP() << sub.error().message;  // no netlink in this sandbox
    }
    EXPECT_EQ(sub.error().message, "fastmap kernel module is not loaded (modprobe fastmap)");
}

}  // namespace
}  // namespace fastmap
