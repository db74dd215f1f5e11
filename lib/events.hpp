// SPDX-License-Identifier: GPL-2.0-only
// fastmap notifications: FASTMAP_CMD_EVENT messages on the family's "events" multicast group.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "netlink.hpp"
#include "netlink_socket.hpp"
#include "result.hpp"

namespace fastmap {

// enum fastmap_event. Values the library does not know are kept as they are.
enum class EventType : std::uint32_t {
    kUnspec = 0,
    kAttached = 1,       // instance created
    kDetached = 2,       // instance removed
    kChanged = 3,        // parameters changed (SET)
    kIoError = 4,        // value: errno (positive) of a failed read/write
    kEvictStall = 5,     // value: faults that stalled since the last event
    kCachePressure = 6,  // value: free frames when eviction could not keep up
    kOutsideWrite = 7,   // value: file size after a write/truncate from outside fastmap
};

// "attached", "detached", "changed", "io_error", "evict_stall", "cache_pressure",
// "outside_write"; "" for a value this library does not know.
std::string_view event_type_name(EventType type);

struct Event {
    EventType type = EventType::kUnspec;
    std::string name;         // FASTMAP_A_NAME: the instance
    std::uint64_t value = 0;  // FASTMAP_A_EVENT_VALUE (0 when absent)

    bool operator==(const Event&) const = default;
};

// Decodes a FASTMAP_CMD_EVENT message's attributes. EPROTO without FASTMAP_A_EVENT.
Result<Event> decode_event(const nl::AttrMap& attrs);

// A stream of events; EventSubscriber is the real one, tests use fakes.
class EventSource {
public:
    using Timeout = std::optional<std::chrono::milliseconds>;  // nullopt: wait forever

    virtual ~EventSource() = default;
    // A descriptor that polls readable when next() may have an event (-1 if there is none).
    virtual int fd() const = 0;
    // The next event; nullopt when timeout passed without one. ENOBUFS when the kernel dropped
    // events because the socket's receive buffer was full (the subscription stays usable).
    virtual Result<std::optional<Event>> next(Timeout timeout) = 0;
};

// Subscribes its own NETLINK_GENERIC socket to the fastmap family's "events" group.
class EventSubscriber final : public EventSource {
public:
    // Resolves the family and its group ids (CTRL_CMD_GETFAMILY), then joins the group
    // (NETLINK_ADD_MEMBERSHIP). kErrModuleNotLoaded when the family is not registered.
    static Result<std::unique_ptr<EventSubscriber>> open();
    // For tests: the same over the given transport.
    static Result<std::unique_ptr<EventSubscriber>> open(
        std::unique_ptr<nl::MulticastTransport> transport);

    int fd() const override { return transport_->fd(); }
    Result<std::optional<Event>> next(Timeout timeout) override;

    std::uint16_t family_id() const { return family_.id; }
    std::uint32_t group_id() const { return group_; }

private:
    EventSubscriber(std::unique_ptr<nl::GenlClient> client, nl::MulticastTransport* transport,
                    nl::GenlFamily family, std::uint32_t group)
        : client_(std::move(client)),
          transport_(transport),
          family_(std::move(family)),
          group_(group) {}

    // Queues the events of one datagram; other messages are ignored.
    Result<void> receive();

    std::unique_ptr<nl::GenlClient> client_;  // owns *transport_
    nl::MulticastTransport* transport_;
    nl::GenlFamily family_;
    std::uint32_t group_;
    std::deque<Event> pending_;
};

}  // namespace fastmap
