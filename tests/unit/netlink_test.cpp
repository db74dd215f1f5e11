// SPDX-License-Identifier: GPL-2.0-only
#include "netlink.hpp"

#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <unistd.h>

#include <cerrno>

#include "control.hpp"
#include "fake_transport.hpp"
#include "fastmap.h"
#include "netlink_socket.hpp"
#include "nl_bytes.hpp"

namespace fastmap {
namespace {

using test::Raw;

constexpr std::uint16_t kFamily = 0x1a;

TEST(MessageBuilder, AttachMessageBytes) {
    nl::MessageBuilder msg(kFamily, NLM_F_REQUEST | NLM_F_ACK, FASTMAP_CMD_ATTACH,
                           FASTMAP_GENL_VERSION);
    msg.set_seq(7);
    msg.put_u64(FASTMAP_A_CACHE_BYTES, 512ULL << 20, FASTMAP_A_PAD);
    msg.put_string(FASTMAP_A_DEVICE, "/dev/sdb");
    msg.put_string(FASTMAP_A_NAME, "db0");
    msg.put_u32(FASTMAP_A_BATCH_PAGES, 256);

    Raw want;
    want.u32(64).u16(kFamily).u16(NLM_F_REQUEST | NLM_F_ACK).u32(7).u32(0);
    want.u8(FASTMAP_CMD_ATTACH).u8(FASTMAP_GENL_VERSION).u16(0);
    want.u16(12).u16(FASTMAP_A_CACHE_BYTES).u64(512ULL << 20);          // offset 20
    want.u16(13).u16(FASTMAP_A_DEVICE).str("/dev/sdb").u8(0).zeros(3);  // offset 32
    want.u16(8).u16(FASTMAP_A_NAME).str("db0").u8(0);                   // offset 48
    want.u16(8).u16(FASTMAP_A_BATCH_PAGES).u32(256);                    // offset 56
    EXPECT_EQ(msg.bytes(), want.get());
    EXPECT_EQ(msg.bytes().size() % 4, 0u);
    EXPECT_EQ(msg.seq(), 7u);
    EXPECT_EQ(msg.flags(), NLM_F_REQUEST | NLM_F_ACK);
}

TEST(MessageBuilder, U64PayloadIsEightByteAligned) {
    nl::MessageBuilder msg(kFamily, 0, FASTMAP_CMD_GET, 1);
    msg.put_u64(FASTMAP_A_CACHE_BYTES, 1, FASTMAP_A_PAD);  // header at 20, payload at 24
    msg.put_u64(FASTMAP_A_SIZE_BYTES, 2, FASTMAP_A_PAD);   // needs a pad: header at 36
    msg.put_u32(FASTMAP_A_DEV, 3);                         // 48..56
    msg.put_u64(FASTMAP_A_CACHE_BYTES, 4, FASTMAP_A_PAD);  // 56: payload at 60 -> pad first

    Raw want;
    want.u32(72).u16(kFamily).u16(0).u32(0).u32(0).u8(FASTMAP_CMD_GET).u8(1).u16(0);
    want.u16(12).u16(FASTMAP_A_CACHE_BYTES).u64(1);
    want.u16(4).u16(FASTMAP_A_PAD);
    want.u16(12).u16(FASTMAP_A_SIZE_BYTES).u64(2);
    want.u16(8).u16(FASTMAP_A_DEV).u32(3);
    want.u16(4).u16(FASTMAP_A_PAD);
    want.u16(12).u16(FASTMAP_A_CACHE_BYTES).u64(4);
    EXPECT_EQ(msg.bytes(), want.get());
}

TEST(MessageBuilder, StringPaddingAndNesting) {
    nl::MessageBuilder msg(kFamily, 0, FASTMAP_CMD_GET, 1);
    msg.put_string(FASTMAP_A_NAME, "abcd");  // 4 + 5 = 9 -> padded to 12
    const auto nest = msg.begin_nested(FASTMAP_A_STATS);
    msg.put_u64(FASTMAP_STAT_FAULTS, 10, FASTMAP_STAT_PAD);
    msg.put_u64(FASTMAP_STAT_HITS, 9, FASTMAP_STAT_PAD);
    msg.end_nested(nest);

    Raw want;
    want.u32(64).u16(kFamily).u16(0).u32(0).u32(0).u8(FASTMAP_CMD_GET).u8(1).u16(0);
    want.u16(9).u16(FASTMAP_A_NAME).str("abcd").u8(0).zeros(3);  // 20..32
    want.u16(32).u16(FASTMAP_A_STATS | NLA_F_NESTED);            // 32..64
    want.u16(12).u16(FASTMAP_STAT_FAULTS).u64(10);               // payload at 40: no pad
    want.u16(4).u16(FASTMAP_STAT_PAD);                           // 48: payload would be at 52
    want.u16(12).u16(FASTMAP_STAT_HITS).u64(9);                  // payload at 56
    EXPECT_EQ(msg.bytes(), want.get());

    auto parsed = nl::parse_messages(msg.bytes());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->size(), 1u);
    const auto& m = parsed->front();
    EXPECT_EQ(nl::get_string(m.attrs, FASTMAP_A_NAME), "abcd");
    auto stats = nl::get_nested(m.attrs, FASTMAP_A_STATS);
    ASSERT_TRUE(stats.has_value());
    ASSERT_TRUE(stats->ok());
    EXPECT_EQ(nl::get_u64(stats->value(), FASTMAP_STAT_FAULTS), 10u);
    EXPECT_EQ(nl::get_u64(stats->value(), FASTMAP_STAT_HITS), 9u);
}

TEST(ParseAttrs, MasksFlagsAndRejectsTruncation) {
    Raw ok;
    ok.u16(8).u16(5 | NLA_F_NET_BYTEORDER).u32(1);
    auto attrs = nl::parse_attrs(ok.get());
    ASSERT_TRUE(attrs.ok());
    EXPECT_EQ(nl::get_u32(*attrs, 5), 1u);

    Raw bad_len;
    bad_len.u16(12).u16(5).u32(1);
    auto r = nl::parse_attrs(bad_len.get());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EPROTO);

    Raw short_hdr;
    short_hdr.u16(8);
    EXPECT_FALSE(nl::parse_attrs(short_hdr.get()).ok());

    Raw too_small;
    too_small.u16(2).u16(5);
    EXPECT_FALSE(nl::parse_attrs(too_small.get()).ok());
}

TEST(ParseAttrs, TypedGettersCheckSizes) {
    Raw raw;
    raw.attr_u32(1, 7).attr_u64(2, 1ULL << 40).attr_str(3, "x");
    auto attrs = nl::parse_attrs(raw.get());
    ASSERT_TRUE(attrs.ok());
    EXPECT_EQ(nl::get_u64(*attrs, 1), 7u);  // a 4-byte u64 (NLA_UINT) is accepted
    EXPECT_EQ(nl::get_u32(*attrs, 2), std::nullopt);
    EXPECT_EQ(nl::get_u64(*attrs, 2), 1ULL << 40);
    EXPECT_EQ(nl::get_string(*attrs, 3), "x");
    EXPECT_EQ(nl::get_u16(*attrs, 1), std::nullopt);
    EXPECT_EQ(nl::get_string(*attrs, 9), std::nullopt);
    EXPECT_FALSE(nl::get_nested(*attrs, 9).has_value());
}

// A GET reply as the kernel builds it, with nla_put_u64_64bit() pads at the top level and in
// the stats nest.
nl::Bytes kernel_get_reply(std::uint32_t seq) {
    Raw stats;
    stats.u16(4).u16(FASTMAP_STAT_PAD);
    stats.attr_u64(FASTMAP_STAT_FAULTS, 1000);
    stats.attr_u64(FASTMAP_STAT_HITS, 900);
    stats.u16(4).u16(FASTMAP_STAT_PAD);
    stats.attr_u64(FASTMAP_STAT_MISSES, 100);
    stats.attr_u64(FASTMAP_STAT_DIRTY_PAGES, 12);
    stats.attr_u64(FASTMAP_STAT_CACHE_PAGES, 131072);
    Raw attrs;
    attrs.attr_str(FASTMAP_A_NAME, "db0");
    attrs.attr_str(FASTMAP_A_DEVICE_NAME, "sdb");
    attrs.attr_u32(FASTMAP_A_DEV, encode_dev({8, 16}));
    attrs.attr_u64(FASTMAP_A_SIZE_BYTES, 10ULL << 30);
    attrs.u16(4).u16(FASTMAP_A_PAD);
    attrs.attr_u64(FASTMAP_A_CACHE_BYTES, 512ULL << 20);
    attrs.attr_u32(FASTMAP_A_BATCH_PAGES, 512);
    attrs.attr_u32(FASTMAP_A_DIRTY_RATIO, 10);
    attrs.attr_u32(FASTMAP_A_OPEN_COUNT, 2);
    attrs.attr_nested(FASTMAP_A_STATS, stats);
    return test::genl_msg(kFamily, 0, seq, FASTMAP_CMD_GET, attrs);
}

TEST(ParseMessages, KernelReplyWithNestedStats) {
    auto parsed = nl::parse_messages(kernel_get_reply(9));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->size(), 1u);
    const auto& m = parsed->front();
    EXPECT_EQ(m.type, kFamily);
    EXPECT_EQ(m.seq, 9u);
    EXPECT_EQ(m.cmd, FASTMAP_CMD_GET);
    EXPECT_EQ(nl::get_string(m.attrs, FASTMAP_A_NAME), "db0");
    EXPECT_EQ(nl::get_u64(m.attrs, FASTMAP_A_CACHE_BYTES), 512ULL << 20);
    EXPECT_TRUE(m.attrs.count(FASTMAP_A_PAD));

    auto info = decode_instance(m.attrs);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->name, "db0");
    EXPECT_EQ(info->device, "sdb");
    EXPECT_EQ(info->dev, (DevId{8, 16}));
    EXPECT_EQ(info->size_bytes, 10ULL << 30);
    EXPECT_EQ(info->batch_pages, 512u);
    EXPECT_EQ(info->dirty_ratio, 10u);
    EXPECT_EQ(info->open_count, 2u);
    EXPECT_EQ(info->stats.faults, 1000u);
    EXPECT_EQ(info->stats.hits, 900u);
    EXPECT_EQ(info->stats.misses, 100u);
    EXPECT_EQ(info->stats.dirty_pages, 12u);
    EXPECT_EQ(info->stats.cache_pages, 131072u);
    EXPECT_EQ(info->stats.evictions, 0u);
}

TEST(ParseMessages, SeveralMessagesInOneDatagram) {
    auto parsed = nl::parse_messages(
        test::concat({kernel_get_reply(3), kernel_get_reply(3), test::done_msg(3)}));
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->size(), 3u);
    EXPECT_EQ((*parsed)[2].type, NLMSG_DONE);
    EXPECT_EQ((*parsed)[2].error, 0);
}

TEST(ParseMessages, ErrorWithExtackCapped) {
    auto parsed = nl::parse_messages(test::error_msg(5, EINVAL, "cache smaller than 256 KiB"));
    ASSERT_TRUE(parsed.ok());
    const auto& m = parsed->front();
    EXPECT_EQ(m.type, NLMSG_ERROR);
    EXPECT_EQ(m.error, EINVAL);
    EXPECT_EQ(m.ext.message, "cache smaller than 256 KiB");
    const Error e = nl::kernel_error(m.error, m.ext);
    EXPECT_EQ(e.code, EINVAL);
    EXPECT_EQ(e.message, "cache smaller than 256 KiB (Invalid argument)");
}

TEST(ParseMessages, ErrorWithExtackUncapped) {
    // Without NETLINK_CAP_ACK the kernel echoes the request's payload before the TLVs.
    Raw tlvs;
    tlvs.attr_str(NLMSGERR_ATTR_MSG, "no such instance");
    tlvs.attr_u32(NLMSGERR_ATTR_OFFS, 20);
    Raw request_payload;
    request_payload.u8(FASTMAP_CMD_GET).u8(1).u16(0).attr_str(FASTMAP_A_NAME, "nope!");
    Raw m;
    m.u32(static_cast<std::uint32_t>(16 + 4 + 16 + request_payload.size() + tlvs.size()))
        .u16(NLMSG_ERROR)
        .u16(NLM_F_ACK_TLVS)
        .u32(11)
        .u32(0);
    m.i32(-ENOENT);
    m.u32(static_cast<std::uint32_t>(16 + request_payload.size()))
        .u16(kFamily)
        .u16(NLM_F_REQUEST | NLM_F_ACK)
        .u32(11)
        .u32(77);
    m.bytes(request_payload.get()).bytes(tlvs.get());

    auto parsed = nl::parse_messages(m.get());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const auto& msg = parsed->front();
    EXPECT_EQ(msg.error, ENOENT);
    EXPECT_EQ(msg.ext.message, "no such instance");
    EXPECT_EQ(msg.ext.offset, 20u);
}

TEST(ParseMessages, ErrorWithoutExtackAndMissingAttribute) {
    auto parsed = nl::parse_messages(test::error_msg(5, EPERM));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->front().ext.message, "");
    EXPECT_EQ(nl::kernel_error(EPERM, parsed->front().ext).message, "Operation not permitted");

    nl::ExtAck missing;
    missing.missing = FASTMAP_A_NAME;
    EXPECT_EQ(nl::kernel_error(EINVAL, missing).message,
              "missing required attribute 2 (Invalid argument)");
}

TEST(ParseMessages, RejectsTruncation) {
    auto bytes = kernel_get_reply(1);
    bytes.pop_back();
    EXPECT_FALSE(nl::parse_messages(bytes).ok());
    EXPECT_FALSE(nl::parse_messages(nl::Bytes{1, 2, 3}).ok());
    Raw short_error;
    short_error.u32(20).u16(NLMSG_ERROR).u16(0).u32(1).u32(0).i32(0);
    EXPECT_FALSE(nl::parse_messages(short_error.get()).ok());
}

TEST(ReplyCollector, DoRequestEndsAtAck) {
    nl::ReplyCollector c(4, false);
    auto msgs = nl::parse_messages(
        test::concat({kernel_get_reply(3), kernel_get_reply(4), test::error_msg(4, 0)}));
    ASSERT_TRUE(msgs.ok());
    for (auto& m : *msgs) {
        c.feed(std::move(m));
    }
    ASSERT_TRUE(c.complete());
    auto data = c.take();
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(data->messages.size(), 1u);  // seq 3 is not ours
    EXPECT_EQ(data->warning, "");
}

TEST(ReplyCollector, DoRequestError) {
    nl::ReplyCollector c(4, false);
    auto msgs = nl::parse_messages(test::error_msg(4, EBUSY, "instance is open"));
    ASSERT_TRUE(msgs.ok());
    EXPECT_TRUE(c.feed(std::move(msgs->front())));
    auto r = c.take();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EBUSY);
    EXPECT_EQ(r.error().message, "instance is open (Device or resource busy)");
}

TEST(ReplyCollector, DumpEndsAtDone) {
    nl::ReplyCollector c(8, true);
    for (const auto& datagram : {kernel_get_reply(8), kernel_get_reply(8), test::done_msg(8)}) {
        EXPECT_FALSE(c.complete());
        auto msgs = nl::parse_messages(datagram);
        ASSERT_TRUE(msgs.ok());
        c.feed(std::move(msgs->front()));
    }
    ASSERT_TRUE(c.complete());
    auto r = c.take();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->messages.size(), 2u);
}

TEST(ReplyCollector, AckWarningIsKept) {
    nl::ReplyCollector c(4, false);
    auto msgs = nl::parse_messages(test::error_msg(4, 0, "writeback failed"));
    ASSERT_TRUE(msgs.ok());
    EXPECT_EQ(msgs->front().flags & NLM_F_ACK_TLVS, NLM_F_ACK_TLVS);
    EXPECT_TRUE(c.feed(std::move(msgs->front())));
    auto r = c.take();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->messages.empty());
    EXPECT_EQ(r->warning, "writeback failed");
}

TEST(ReplyCollector, DumpErrorInDone) {
    nl::ReplyCollector c(8, true);
    auto msgs = nl::parse_messages(test::done_msg(8, EMSGSIZE));
    ASSERT_TRUE(msgs.ok());
    EXPECT_TRUE(c.feed(std::move(msgs->front())));
    EXPECT_EQ(c.take().error().code, EMSGSIZE);
}

TEST(ReplyCollector, IncompleteIsAnError) {
    nl::ReplyCollector c(1, true);
    EXPECT_EQ(c.take().error().code, EPROTO);
}

TEST(GenlClient, ResolvesFamilyAndNumbersRequests) {
    auto sent = std::make_shared<std::vector<nl::Bytes>>();
    auto transport = std::make_unique<test::FakeTransport>(
        [](const nl::Message& req) { return test::family_reply(req, 3); }, sent);
    nl::GenlClient client(std::move(transport), 100);

    auto family = client.resolve_family("fastmap");
    ASSERT_TRUE(family.ok()) << family.error().message;
    EXPECT_EQ(family->id, test::kFamilyId);
    EXPECT_EQ(family->version, 3u);

    ASSERT_EQ(sent->size(), 1u);
    Raw want_attrs;
    want_attrs.attr_str(CTRL_ATTR_FAMILY_NAME, "fastmap");
    nl::Bytes want = test::genl_msg(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 100,
                                    CTRL_CMD_GETFAMILY, want_attrs);
    EXPECT_EQ(sent->front(), want);

    ASSERT_TRUE(client.resolve_family("fastmap").ok());
    auto second = nl::parse_messages(sent->back());
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->front().seq, 101u);
}

TEST(GenlClient, DumpAcrossDatagrams) {
    auto sent = std::make_shared<std::vector<nl::Bytes>>();
    auto transport = std::make_unique<test::FakeTransport>(
        [](const nl::Message& req) {
            return std::vector<nl::Bytes>{kernel_get_reply(req.seq), kernel_get_reply(req.seq),
                                          test::done_msg(req.seq)};
        },
        sent);
    nl::GenlClient client(std::move(transport));
    nl::MessageBuilder msg(kFamily, 0, FASTMAP_CMD_GET, FASTMAP_GENL_VERSION);
    auto r = client.dump(msg);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->messages.size(), 2u);
    auto req = nl::parse_messages(sent->front());
    ASSERT_TRUE(req.ok());
    EXPECT_EQ(req->front().flags, NLM_F_REQUEST | NLM_F_DUMP);
}

TEST(GenlClient, TransportErrorsPropagate) {
    auto transport = std::make_unique<test::FakeTransport>(
        [](const nl::Message&) { return std::vector<nl::Bytes>{}; });
    nl::GenlClient client(std::move(transport));
    auto r = client.resolve_family("fastmap");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ETIMEDOUT);
}

TEST(UniqueFd, ClosesAndMoves) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    {
        nl::UniqueFd a(fds[0]);
        nl::UniqueFd b(std::move(a));
        EXPECT_FALSE(a);
        EXPECT_EQ(b.get(), fds[0]);
        nl::UniqueFd c;
        c = std::move(b);
        EXPECT_EQ(c.get(), fds[0]);
    }
    EXPECT_EQ(::close(fds[0]), -1);  // already closed by c
    EXPECT_EQ(errno, EBADF);
    ::close(fds[1]);
}

}  // namespace
}  // namespace fastmap
