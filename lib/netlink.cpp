// SPDX-License-Identifier: GPL-2.0-only
#include "netlink.hpp"

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <cerrno>
#include <cstring>

namespace fastmap::nl {
namespace {

constexpr std::size_t kNlaHdr = NLA_HDRLEN;
constexpr std::size_t kNlmsgHdr = NLMSG_HDRLEN;
constexpr std::size_t kGenlHdr = GENL_HDRLEN;

constexpr std::size_t align4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

template <typename T>
T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

template <typename T>
void store(Bytes& buf, std::size_t off, T v) {
    std::memcpy(buf.data() + off, &v, sizeof(v));
}

Error proto_error(const std::string& what) {
    return Error{EPROTO, "malformed netlink message: " + what};
}

ExtAck parse_ext_ack(ByteView tlvs) {
    ExtAck ext;
    auto attrs = parse_attrs(tlvs);
    if (!attrs) {
        return ext;
    }
    if (auto msg = get_string(*attrs, NLMSGERR_ATTR_MSG)) {
        ext.message = *msg;
    }
    ext.offset = get_u32(*attrs, NLMSGERR_ATTR_OFFS);
    ext.missing = get_u32(*attrs, NLMSGERR_ATTR_MISS_TYPE);
    return ext;
}

}  // namespace

Result<AttrMap> parse_attrs(ByteView data) {
    AttrMap out;
    std::size_t off = 0;
    while (off < data.size()) {
        if (data.size() - off < kNlaHdr) {
            return proto_error("truncated attribute header");
        }
        const auto len = load<std::uint16_t>(data.data() + off);
        const auto type = load<std::uint16_t>(data.data() + off + 2);
        if (len < kNlaHdr || len > data.size() - off) {
            return proto_error("attribute length " + std::to_string(len) + " out of bounds");
        }
        const auto* payload = data.data() + off + kNlaHdr;
        out[static_cast<std::uint16_t>(type & NLA_TYPE_MASK)] =
            Bytes(payload, payload + (len - kNlaHdr));
        off += align4(len);
    }
    return out;
}

std::optional<std::uint16_t> get_u16(const AttrMap& attrs, std::uint16_t type) {
    auto it = attrs.find(type);
    if (it == attrs.end() || it->second.size() != sizeof(std::uint16_t)) {
        return std::nullopt;
    }
    return load<std::uint16_t>(it->second.data());
}

std::optional<std::uint32_t> get_u32(const AttrMap& attrs, std::uint16_t type) {
    auto it = attrs.find(type);
    if (it == attrs.end() || it->second.size() != sizeof(std::uint32_t)) {
        return std::nullopt;
    }
    return load<std::uint32_t>(it->second.data());
}

std::optional<std::uint64_t> get_u64(const AttrMap& attrs, std::uint16_t type) {
    auto it = attrs.find(type);
    if (it == attrs.end()) {
        return std::nullopt;
    }
    if (it->second.size() == sizeof(std::uint64_t)) {
        return load<std::uint64_t>(it->second.data());
    }
    if (it->second.size() == sizeof(std::uint32_t)) {
        return load<std::uint32_t>(it->second.data());
    }
    return std::nullopt;
}

std::optional<std::string> get_string(const AttrMap& attrs, std::uint16_t type) {
    auto it = attrs.find(type);
    if (it == attrs.end()) {
        return std::nullopt;
    }
    const auto& b = it->second;
    std::size_t n = 0;
    while (n < b.size() && b[n] != 0) {
        ++n;
    }
    return std::string(reinterpret_cast<const char*>(b.data()), n);
}

std::optional<Result<AttrMap>> get_nested(const AttrMap& attrs, std::uint16_t type) {
    auto it = attrs.find(type);
    if (it == attrs.end()) {
        return std::nullopt;
    }
    return parse_attrs(it->second);
}

MessageBuilder::MessageBuilder(std::uint16_t nlmsg_type, std::uint16_t flags, std::uint8_t cmd,
                               std::uint8_t version)
    : buf_(kNlmsgHdr + kGenlHdr, 0) {
    store<std::uint16_t>(buf_, 4, nlmsg_type);
    store<std::uint16_t>(buf_, 6, flags);
    buf_[kNlmsgHdr + 0] = cmd;
    buf_[kNlmsgHdr + 1] = version;
    update_len();
}

void MessageBuilder::update_len() {
    store<std::uint32_t>(buf_, 0, buf_.size());
}

void MessageBuilder::align() {
    buf_.resize(align4(buf_.size()), 0);
}

void MessageBuilder::put_attr_header(std::uint16_t type, std::size_t payload_len) {
    const std::size_t off = buf_.size();
    buf_.resize(off + kNlaHdr);
    store<std::uint16_t>(buf_, off, static_cast<std::uint16_t>(kNlaHdr + payload_len));
    store<std::uint16_t>(buf_, off + 2, type);
}

MessageBuilder& MessageBuilder::put_bytes(std::uint16_t type, ByteView value) {
    put_attr_header(type, value.size());
    buf_.insert(buf_.end(), value.begin(), value.end());
    align();
    update_len();
    return *this;
}

MessageBuilder& MessageBuilder::put_string(std::uint16_t type, std::string_view value) {
    Bytes payload(value.begin(), value.end());
    payload.push_back(0);
    return put_bytes(type, payload);
}

MessageBuilder& MessageBuilder::put_u16(std::uint16_t type, std::uint16_t value) {
    std::uint8_t raw[sizeof(value)];
    std::memcpy(raw, &value, sizeof(value));
    return put_bytes(type, raw);
}

MessageBuilder& MessageBuilder::put_u32(std::uint16_t type, std::uint32_t value) {
    std::uint8_t raw[sizeof(value)];
    std::memcpy(raw, &value, sizeof(value));
    return put_bytes(type, raw);
}

MessageBuilder& MessageBuilder::put_u64(std::uint16_t type, std::uint64_t value,
                                        std::uint16_t pad_type) {
    if ((buf_.size() + kNlaHdr) % 8 != 0) {
        put_bytes(pad_type, {});
    }
    std::uint8_t raw[sizeof(value)];
    std::memcpy(raw, &value, sizeof(value));
    return put_bytes(type, raw);
}

std::size_t MessageBuilder::begin_nested(std::uint16_t type) {
    const std::size_t token = buf_.size();
    put_attr_header(static_cast<std::uint16_t>(type | NLA_F_NESTED), 0);
    update_len();
    return token;
}

MessageBuilder& MessageBuilder::end_nested(std::size_t token) {
    store<std::uint16_t>(buf_, token, static_cast<std::uint16_t>(buf_.size() - token));
    return *this;
}

MessageBuilder& MessageBuilder::set_seq(std::uint32_t seq) {
    store<std::uint32_t>(buf_, 8, seq);
    return *this;
}

MessageBuilder& MessageBuilder::add_flags(std::uint16_t flags) {
    store<std::uint16_t>(buf_, 6, static_cast<std::uint16_t>(this->flags() | flags));
    return *this;
}

std::uint32_t MessageBuilder::seq() const {
    return load<std::uint32_t>(buf_.data() + 8);
}

std::uint16_t MessageBuilder::flags() const {
    return load<std::uint16_t>(buf_.data() + 6);
}

Result<std::vector<Message>> parse_messages(ByteView datagram) {
    std::vector<Message> out;
    std::size_t off = 0;
    while (off < datagram.size()) {
        const std::size_t left = datagram.size() - off;
        if (left < kNlmsgHdr) {
            return proto_error("truncated header");
        }
        const std::uint8_t* p = datagram.data() + off;
        nlmsghdr hdr;
        std::memcpy(&hdr, p, sizeof(hdr));
        if (hdr.nlmsg_len < kNlmsgHdr || hdr.nlmsg_len > left) {
            return proto_error("length " + std::to_string(hdr.nlmsg_len) + " out of bounds");
        }
        const ByteView payload(p + kNlmsgHdr, hdr.nlmsg_len - kNlmsgHdr);
        Message msg;
        msg.type = hdr.nlmsg_type;
        msg.flags = hdr.nlmsg_flags;
        msg.seq = hdr.nlmsg_seq;
        msg.pid = hdr.nlmsg_pid;

        if (hdr.nlmsg_type == NLMSG_ERROR) {
            if (payload.size() < sizeof(nlmsgerr)) {
                return proto_error("truncated NLMSG_ERROR");
            }
            nlmsgerr err;
            std::memcpy(&err, payload.data(), sizeof(err));
            msg.error = -err.error;
            if (hdr.nlmsg_flags & NLM_F_ACK_TLVS) {
                std::size_t tlv_off = sizeof(err);
                if (!(hdr.nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len >= kNlmsgHdr) {
                    tlv_off += NLMSG_ALIGN(err.msg.nlmsg_len - kNlmsgHdr);
                }
                tlv_off = NLMSG_ALIGN(tlv_off);
                if (tlv_off <= payload.size()) {
                    msg.ext = parse_ext_ack(payload.subspan(tlv_off));
                }
            }
        } else if (hdr.nlmsg_type == NLMSG_DONE) {
            if (payload.size() >= sizeof(int)) {
                msg.error = -load<int>(payload.data());
                if ((hdr.nlmsg_flags & NLM_F_ACK_TLVS) &&
                    NLMSG_ALIGN(sizeof(int)) <= payload.size()) {
                    msg.ext = parse_ext_ack(payload.subspan(NLMSG_ALIGN(sizeof(int))));
                }
            }
        } else if (hdr.nlmsg_type >= NLMSG_MIN_TYPE) {
            if (payload.size() < kGenlHdr) {
                return proto_error("truncated generic netlink header");
            }
            msg.cmd = payload[0];
            msg.version = payload[1];
            auto attrs = parse_attrs(payload.subspan(kGenlHdr));
            if (!attrs) {
                return std::move(attrs).error();
            }
            msg.attrs = std::move(attrs).value();
        }
        out.push_back(std::move(msg));
        off += NLMSG_ALIGN(hdr.nlmsg_len);
    }
    return out;
}

Error kernel_error(int error, const ExtAck& ext) {
    std::string text = std::strerror(error);
    if (!ext.message.empty()) {
        text = ext.message + " (" + text + ")";
    } else if (ext.missing) {
        text = "missing required attribute " + std::to_string(*ext.missing) + " (" + text + ")";
    }
    return Error{error, std::move(text)};
}

bool ReplyCollector::feed(Message&& msg) {
    if (complete_ || msg.seq != seq_) {
        return complete_;
    }
    switch (msg.type) {
        case NLMSG_NOOP:
            break;
        case NLMSG_ERROR:
            if (msg.error != 0) {
                error_ = kernel_error(msg.error, msg.ext);
            } else {
                reply_.warning = msg.ext.message;
            }
            // A dump ends with NLMSG_DONE, or with an error instead of any data.
            complete_ = !dump_ || msg.error != 0;
            break;
        case NLMSG_DONE:
            if (msg.error != 0) {
                error_ = kernel_error(msg.error, msg.ext);
            } else {
                reply_.warning = msg.ext.message;
            }
            complete_ = true;
            break;
        case NLMSG_OVERRUN:
            error_ = Error{ENOBUFS, "netlink receive buffer overrun"};
            complete_ = true;
            break;
        default:
            reply_.messages.push_back(std::move(msg));
            break;
    }
    return complete_;
}

Result<Reply> ReplyCollector::take() {
    if (error_) {
        return std::move(*error_);
    }
    if (!complete_) {
        return Error{EPROTO, "incomplete netlink reply"};
    }
    return std::move(reply_);
}

}  // namespace fastmap::nl
