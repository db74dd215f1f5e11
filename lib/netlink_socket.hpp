// SPDX-License-Identifier: GPL-2.0-only
// Generic netlink I/O: a Transport (the raw socket, replaceable in tests) and GenlClient,
// which does sequence numbers, ACK/dump handling and family resolution on top of it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "netlink.hpp"
#include "result.hpp"

namespace fastmap::nl {

// An owned file descriptor.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release();
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// Datagram transport to the kernel's generic netlink.
class Transport {
public:
    virtual ~Transport() = default;
    virtual Result<void> send(ByteView message) = 0;
    // One datagram from the kernel (blocking, with a timeout).
    virtual Result<Bytes> recv() = 0;
};

// A transport that can also receive multicast notifications.
class MulticastTransport : public Transport {
public:
    // NETLINK_ADD_MEMBERSHIP.
    virtual Result<void> join_group(std::uint32_t group) = 0;
    // Waits until recv() has a datagram: false when timeout_ms (< 0: no limit) passed first.
    virtual Result<bool> wait(int timeout_ms) = 0;
    // The pollable descriptor, -1 if there is none.
    virtual int fd() const = 0;
};

// An AF_NETLINK/NETLINK_GENERIC socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK set.
class NetlinkSocket final : public MulticastTransport {
public:
    static Result<std::unique_ptr<NetlinkSocket>> open(int timeout_ms = 10000);

    Result<void> send(ByteView message) override;
    // ENOBUFS when the kernel dropped messages for lack of receive buffer space.
    Result<Bytes> recv() override;
    Result<void> join_group(std::uint32_t group) override;
    Result<bool> wait(int timeout_ms) override;
    int fd() const override { return fd_.get(); }

private:
    explicit NetlinkSocket(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

struct GenlFamily {
    std::uint16_t id = 0;
    std::uint32_t version = 0;
    std::map<std::string, std::uint32_t> mcast_groups;  // CTRL_ATTR_MCAST_GROUPS: name -> id
};

// A CTRL_CMD_NEWFAMILY reply's attributes; EPROTO without CTRL_ATTR_FAMILY_ID or with a
// malformed CTRL_ATTR_MCAST_GROUPS.
Result<GenlFamily> decode_family(const AttrMap& attrs);

class GenlClient {
public:
    explicit GenlClient(std::unique_ptr<Transport> transport, std::uint32_t first_seq = 1)
        : transport_(std::move(transport)), seq_(first_seq) {}

    // CTRL_CMD_GETFAMILY, with the family's multicast groups. ENOENT when no such family is
    // registered.
    Result<GenlFamily> resolve_family(std::string_view name);

    // A do-request: sent with NLM_F_REQUEST | NLM_F_ACK; returns the data replies (often one,
    // possibly none) and the ACK's warning once the kernel ACKed, or the kernel's error with its
    // extack message.
    Result<Reply> request(MessageBuilder& msg);
    // A dump: sent with NLM_F_REQUEST | NLM_F_DUMP; returns every reply up to NLMSG_DONE.
    Result<Reply> dump(MessageBuilder& msg);

private:
    Result<Reply> transact(MessageBuilder& msg, bool dump);

    std::unique_ptr<Transport> transport_;
    std::uint32_t seq_;
};

}  // namespace fastmap::nl
