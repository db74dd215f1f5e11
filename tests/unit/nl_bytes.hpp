// SPDX-License-Identifier: GPL-2.0-only
// Hand-made netlink bytes for tests, written independently of nl::MessageBuilder.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "netlink.hpp"

namespace fastmap::test {

class Raw {
public:
    Raw& u8(std::uint8_t v) {
        b_.push_back(v);
        return *this;
    }
    Raw& u16(std::uint16_t v) { return put(&v, sizeof(v)); }
    Raw& u32(std::uint32_t v) { return put(&v, sizeof(v)); }
    Raw& u64(std::uint64_t v) { return put(&v, sizeof(v)); }
    Raw& i32(std::int32_t v) { return put(&v, sizeof(v)); }
    Raw& str(std::string_view s) { return put(s.data(), s.size()); }
    Raw& zeros(std::size_t n) {
        b_.resize(b_.size() + n, 0);
        return *this;
    }
    Raw& pad4() {
        b_.resize((b_.size() + 3) & ~std::size_t{3}, 0);
        return *this;
    }
    Raw& bytes(const nl::Bytes& more) {
        b_.insert(b_.end(), more.begin(), more.end());
        return *this;
    }
    // Attributes (padded to 4 bytes).
    Raw& attr_u32(std::uint16_t type, std::uint32_t v) { return u16(8).u16(type).u32(v); }
    Raw& attr_u64(std::uint16_t type, std::uint64_t v) { return u16(12).u16(type).u64(v); }
    Raw& attr_str(std::uint16_t type, std::string_view s) {
        u16(static_cast<std::uint16_t>(4 + s.size() + 1)).u16(type).str(s).u8(0);
        return pad4();
    }
    Raw& attr_nested(std::uint16_t type, const Raw& inner) {
        u16(static_cast<std::uint16_t>(4 + inner.size())).u16(type | NLA_F_NESTED);
        return bytes(inner.b_).pad4();
    }

    std::size_t size() const { return b_.size(); }
    const nl::Bytes& get() const { return b_; }

private:
    Raw& put(const void* p, std::size_t n) {
        const auto* c = static_cast<const std::uint8_t*>(p);
        b_.insert(b_.end(), c, c + n);
        return *this;
    }
    nl::Bytes b_;
};

// A generic netlink message: nlmsghdr + genlmsghdr + attrs.
inline nl::Bytes genl_msg(std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
                          std::uint8_t cmd, const Raw& attrs) {
    Raw m;
    m.u32(static_cast<std::uint32_t>(16 + 4 + attrs.size())).u16(type).u16(flags).u32(seq).u32(0);
    m.u8(cmd).u8(1).u16(0).bytes(attrs.get());
    return m.get();
}

// NLMSG_ERROR answering a request header (capped: no copy of the request payload).
inline nl::Bytes error_msg(std::uint32_t seq, int error, std::string_view extack = {},
                           std::uint16_t req_type = 0x20) {
    Raw tlvs;
    if (!extack.empty()) {
        tlvs.attr_str(NLMSGERR_ATTR_MSG, extack);
    }
    std::uint16_t flags = NLM_F_CAPPED;
    if (tlvs.size() != 0) {
        flags |= NLM_F_ACK_TLVS;
    }
    Raw m;
    m.u32(static_cast<std::uint32_t>(16 + 4 + 16 + tlvs.size()))
        .u16(NLMSG_ERROR)
        .u16(flags)
        .u32(seq)
        .u32(0);
    m.i32(-error);
    m.u32(20).u16(req_type).u16(NLM_F_REQUEST | NLM_F_ACK).u32(seq).u32(1234);
    m.bytes(tlvs.get());
    return m.get();
}

inline nl::Bytes done_msg(std::uint32_t seq, int error = 0) {
    Raw m;
    m.u32(20).u16(NLMSG_DONE).u16(NLM_F_MULTI).u32(seq).u32(0).i32(-error);
    return m.get();
}

inline nl::Bytes concat(std::initializer_list<nl::Bytes> parts) {
    nl::Bytes out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

}  // namespace fastmap::test
