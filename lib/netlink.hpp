// SPDX-License-Identifier: GPL-2.0-only
// Generic netlink message encoding and decoding (no I/O; see netlink_socket.hpp for that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace fastmap::nl {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Attribute payloads by type (NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off). When a type
// repeats, the last one wins, as with nla_parse().
using AttrMap = std::map<std::uint16_t, Bytes>;

// Splits a run of attribute TLVs. Fails (EPROTO) on a truncated or malformed TLV.
Result<AttrMap> parse_attrs(ByteView data);

std::optional<std::uint16_t> get_u16(const AttrMap& attrs, std::uint16_t type);
std::optional<std::uint32_t> get_u32(const AttrMap& attrs, std::uint16_t type);
// Accepts 8-byte payloads, and 4-byte ones (as the kernel's NLA_UINT may send).
std::optional<std::uint64_t> get_u64(const AttrMap& attrs, std::uint16_t type);
// The payload up to its first NUL.
std::optional<std::string> get_string(const AttrMap& attrs, std::uint16_t type);
// A nested attribute parsed into its own map; nullopt when absent, an error when malformed.
std::optional<Result<AttrMap>> get_nested(const AttrMap& attrs, std::uint16_t type);

// Builds one netlink message with a generic netlink header, like nlmsg_put + genlmsg_put.
class MessageBuilder {
public:
    MessageBuilder(std::uint16_t nlmsg_type, std::uint16_t flags, std::uint8_t cmd,
                   std::uint8_t version);

    MessageBuilder& put_string(std::uint16_t type, std::string_view value);  // NUL-terminated
    MessageBuilder& put_u16(std::uint16_t type, std::uint16_t value);
    MessageBuilder& put_u32(std::uint16_t type, std::uint32_t value);
    // Like nla_put_u64_64bit(): when the payload would not be 8-byte aligned, a zero-length
    // attribute of type pad_type is inserted first.
    MessageBuilder& put_u64(std::uint16_t type, std::uint64_t value, std::uint16_t pad_type);
    MessageBuilder& put_bytes(std::uint16_t type, ByteView value);

    // Nests: begin_nested() returns a token for end_nested(), which fixes the nest's length.
    std::size_t begin_nested(std::uint16_t type);
    MessageBuilder& end_nested(std::size_t token);

    MessageBuilder& set_seq(std::uint32_t seq);
    MessageBuilder& add_flags(std::uint16_t flags);

    std::uint32_t seq() const;
    std::uint16_t flags() const;
    const Bytes& bytes() const { return buf_; }  // nlmsg_len is always up to date

private:
    void put_attr_header(std::uint16_t type, std::size_t payload_len);
    void align();
    void update_len();

    Bytes buf_;
};

// The extended ACK TLVs of an NLMSG_ERROR or NLMSG_DONE message.
struct ExtAck {
    std::string message;                   // NLMSGERR_ATTR_MSG
    std::optional<std::uint32_t> offset;   // NLMSGERR_ATTR_OFFS
    std::optional<std::uint32_t> missing;  // NLMSGERR_ATTR_MISS_TYPE
};

struct Message {
    std::uint16_t type = 0;
    std::uint16_t flags = 0;
    std::uint32_t seq = 0;
    std::uint32_t pid = 0;
    // NLMSG_ERROR (0 = ACK) and NLMSG_DONE: a positive errno.
    int error = 0;
    ExtAck ext;
    // Generic netlink messages (type >= NLMSG_MIN_TYPE).
    std::uint8_t cmd = 0;
    std::uint8_t version = 0;
    AttrMap attrs;
};

// The answer to one request: its data messages, and the extack message of a successful ACK
// (the kernel's warning, e.g. "writeback failed" on a detach that still happened).
struct Reply {
    std::vector<Message> messages;
    std::string warning;
};

// Splits one received datagram into messages and decodes each. EPROTO on malformed input.
Result<std::vector<Message>> parse_messages(ByteView datagram);

// The Error for a kernel error reply: "<extack message> (<strerror>)", or just strerror.
Error kernel_error(int error, const ExtAck& ext);

// Collects the replies to one request (matched by sequence number) until it is complete: the
// ACK or error of a do-request, NLMSG_DONE (or an error) of a dump.
class ReplyCollector {
public:
    ReplyCollector(std::uint32_t seq, bool dump) : seq_(seq), dump_(dump) {}

    // Feeds one message; replies to other sequence numbers are ignored. True when complete.
    bool feed(Message&& msg);
    bool complete() const { return complete_; }
    // The data replies (and any warning), or the error the kernel reported.
    Result<Reply> take();

private:
    std::uint32_t seq_;
    bool dump_;
    bool complete_ = false;
    std::optional<Error> error_;
    Reply reply_;
};

}  // namespace fastmap::nl
