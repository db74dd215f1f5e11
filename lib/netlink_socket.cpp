// SPDX-License-Identifier: GPL-2.0-only
#include "netlink_socket.hpp"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace fastmap::nl {
namespace {

Error sys_error(const char* what) {
    const int err = errno;
    return Error{err, std::string(what) + ": " + std::strerror(err)};
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        reset(other.release());
    }
    return *this;
}

int UniqueFd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
}

Result<std::unique_ptr<NetlinkSocket>> NetlinkSocket::open(int timeout_ms) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC));
    if (!fd) {
        return sys_error("netlink socket");
    }
    const int one = 1;
    // Both are best effort: without them errors still arrive, only less detailed or longer.
    (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    if (timeout_ms > 0) {
        timeval tv{timeout_ms / 1000, static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
        if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
            return sys_error("netlink SO_RCVTIMEO");
        }
    }
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0) {
        return sys_error("netlink bind");
    }
    return std::unique_ptr<NetlinkSocket>(new NetlinkSocket(std::move(fd)));
}

Result<void> NetlinkSocket::send(ByteView message) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
        const ssize_t n = ::sendto(fd_.get(), message.data(), message.size(), 0,
                                   reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
        if (n >= 0) {
            return {};
        }
        if (errno != EINTR) {
            return sys_error("netlink send");
        }
    }
}

Result<Bytes> NetlinkSocket::recv() {
    for (;;) {
        // Peek at the size first so no datagram is ever truncated.
        const ssize_t size = ::recv(fd_.get(), nullptr, 0, MSG_PEEK | MSG_TRUNC);
        if (size < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return Error{ETIMEDOUT, "netlink receive: no reply from the kernel"};
            }
            if (errno == ENOBUFS) {
                return Error{ENOBUFS,
                             "netlink receive: the kernel dropped messages (receive "
                             "buffer full)"};
            }
            return sys_error("netlink receive");
        }
        Bytes buf(static_cast<std::size_t>(size));
        sockaddr_nl from{};
        socklen_t fromlen = sizeof(from);
        const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0,
                                     reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return sys_error("netlink receive");
        }
        if (from.nl_pid != 0) {
            continue;  // not from the kernel
        }
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
}

Result<void> NetlinkSocket::join_group(std::uint32_t group) {
    const int id = static_cast<int>(group);
    if (::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &id, sizeof(id)) < 0) {
        return sys_error("netlink join multicast group");
    }
    return {};
}

Result<bool> NetlinkSocket::wait(int timeout_ms) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    pollfd pfd{fd_.get(), POLLIN, 0};
    int wait_ms = timeout_ms < 0 ? -1 : timeout_ms;
    for (;;) {
        const int n = ::poll(&pfd, 1, wait_ms);
        if (n >= 0) {
            return n > 0;
        }
        if (errno != EINTR) {
            return sys_error("netlink poll");
        }
        if (timeout_ms >= 0) {  // a signal: wait for what is left
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            wait_ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
        }
    }
}

Result<GenlFamily> decode_family(const AttrMap& attrs) {
    auto id = get_u16(attrs, CTRL_ATTR_FAMILY_ID);
    if (!id) {
        return Error{EPROTO, "generic netlink controller sent no family id"};
    }
    GenlFamily family{*id, get_u32(attrs, CTRL_ATTR_VERSION).value_or(0), {}};
    auto groups = get_nested(attrs, CTRL_ATTR_MCAST_GROUPS);
    if (!groups) {
        return family;
    }
    if (!*groups) {
        return std::move(*groups).error();
    }
    // A nest of nests, numbered from 1, each with a group's name and id.
    for (const auto& [index, payload] : groups->value()) {
        auto group = parse_attrs(payload);
        if (!group) {
            return std::move(group).error();
        }
        auto name = get_string(*group, CTRL_ATTR_MCAST_GRP_NAME);
        auto gid = get_u32(*group, CTRL_ATTR_MCAST_GRP_ID);
        if (!name || !gid) {
            return Error{EPROTO, "malformed netlink message: multicast group " +
                                     std::to_string(index) + " without a name or an id"};
        }
        family.mcast_groups[*name] = *gid;
    }
    return family;
}

Result<Reply> GenlClient::transact(MessageBuilder& msg, bool dump) {
    const std::uint32_t seq = seq_++;
    msg.set_seq(seq);
    msg.add_flags(static_cast<std::uint16_t>(NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK)));
    if (auto sent = transport_->send(msg.bytes()); !sent) {
        return std::move(sent).error();
    }
    ReplyCollector collector(seq, dump);
    while (!collector.complete()) {
        auto datagram = transport_->recv();
        if (!datagram) {
            return std::move(datagram).error();
        }
        auto messages = parse_messages(*datagram);
        if (!messages) {
            return std::move(messages).error();
        }
        for (auto& m : *messages) {
            collector.feed(std::move(m));
        }
    }
    return collector.take();
}

Result<Reply> GenlClient::request(MessageBuilder& msg) {
    return transact(msg, false);
}

Result<Reply> GenlClient::dump(MessageBuilder& msg) {
    return transact(msg, true);
}

Result<GenlFamily> GenlClient::resolve_family(std::string_view name) {
    MessageBuilder msg(GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
    msg.put_string(CTRL_ATTR_FAMILY_NAME, name);
    auto replies = request(msg);
    if (!replies) {
        return std::move(replies).error();
    }
    for (const auto& reply : replies->messages) {
        if (reply.attrs.count(CTRL_ATTR_FAMILY_ID)) {
            return decode_family(reply.attrs);
        }
    }
    return Error{EPROTO, "generic netlink controller sent no family id"};
}

}  // namespace fastmap::nl
