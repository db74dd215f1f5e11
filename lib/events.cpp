// SPDX-License-Identifier: GPL-2.0-only
#include "events.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

#include "control.hpp"
#include "fastmap.h"

namespace fastmap {
namespace {

static_assert(static_cast<std::uint32_t>(EventType::kAttached) == FASTMAP_EVENT_ATTACHED);
static_assert(static_cast<std::uint32_t>(EventType::kDetached) == FASTMAP_EVENT_DETACHED);
static_assert(static_cast<std::uint32_t>(EventType::kChanged) == FASTMAP_EVENT_CHANGED);
static_assert(static_cast<std::uint32_t>(EventType::kIoError) == FASTMAP_EVENT_IO_ERROR);
static_assert(static_cast<std::uint32_t>(EventType::kEvictStall) == FASTMAP_EVENT_EVICT_STALL);
static_assert(static_cast<std::uint32_t>(EventType::kCachePressure) ==
              FASTMAP_EVENT_CACHE_PRESSURE);
static_assert(static_cast<std::uint32_t>(EventType::kOutsideWrite) == FASTMAP_EVENT_OUTSIDE_WRITE);

using Clock = std::chrono::steady_clock;

}  // namespace

std::string_view event_type_name(EventType type) {
    switch (type) {
        case EventType::kAttached:
            return "attached";
        case EventType::kDetached:
            return "detached";
        case EventType::kChanged:
            return "changed";
        case EventType::kIoError:
            return "io_error";
        case EventType::kEvictStall:
            return "evict_stall";
        case EventType::kCachePressure:
            return "cache_pressure";
        case EventType::kOutsideWrite:
            return "outside_write";
        case EventType::kUnspec:
            break;
    }
    return "";
}

Result<Event> decode_event(const nl::AttrMap& attrs) {
    auto type = nl::get_u32(attrs, FASTMAP_A_EVENT);
    if (!type) {
        return Error{EPROTO, "fastmap event without an event type"};
    }
    Event event;
    event.type = static_cast<EventType>(*type);
    event.name = nl::get_string(attrs, FASTMAP_A_NAME).value_or("");
    event.value = nl::get_u64(attrs, FASTMAP_A_EVENT_VALUE).value_or(0);
    return event;
}

Result<std::unique_ptr<EventSubscriber>> EventSubscriber::open() {
    auto sock = nl::NetlinkSocket::open();
    if (!sock) {
        return std::move(sock).error();
    }
    return open(std::move(sock).value());
}

Result<std::unique_ptr<EventSubscriber>> EventSubscriber::open(
    std::unique_ptr<nl::MulticastTransport> transport) {
    nl::MulticastTransport* raw = transport.get();
    auto client = std::make_unique<nl::GenlClient>(std::move(transport));
    auto family = client->resolve_family(FASTMAP_GENL_NAME);
    if (!family) {
        if (family.error().code == ENOENT) {
            return Error{kErrModuleNotLoaded,
                         "fastmap kernel module is not loaded (modprobe fastmap)"};
        }
        return std::move(family).error();
    }
    auto group = family->mcast_groups.find(FASTMAP_MCGRP_EVENTS);
    if (group == family->mcast_groups.end()) {
        return Error{ENOENT, std::string("the fastmap module has no '") + FASTMAP_MCGRP_EVENTS +
                                 "' multicast group (module too old?)"};
    }
    const std::uint32_t group_id = group->second;
    if (auto joined = raw->join_group(group_id); !joined) {
        return std::move(joined).error();
    }
    return std::unique_ptr<EventSubscriber>(
        new EventSubscriber(std::move(client), raw, std::move(family).value(), group_id));
}

Result<void> EventSubscriber::receive() {
    auto datagram = transport_->recv();
    if (!datagram) {
        return std::move(datagram).error();
    }
    auto messages = nl::parse_messages(*datagram);
    if (!messages) {
        return std::move(messages).error();
    }
    for (const auto& msg : *messages) {
        if (msg.type != family_.id || msg.cmd != FASTMAP_CMD_EVENT) {
            continue;  // not ours, or a command this library does not know
        }
        auto event = decode_event(msg.attrs);
        if (!event) {
            return std::move(event).error();
        }
        pending_.push_back(std::move(event).value());
    }
    return {};
}

Result<std::optional<Event>> EventSubscriber::next(Timeout timeout) {
    const auto deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
    while (pending_.empty()) {
        int wait_ms = -1;
        if (timeout) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            wait_ms = static_cast<int>(
                std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
        }
        auto ready = transport_->wait(wait_ms);
        if (!ready) {
            return std::move(ready).error();
        }
        if (!*ready) {
            return std::optional<Event>();
        }
        if (auto got = receive(); !got) {
            return std::move(got).error();
        }
    }
    Event event = std::move(pending_.front());
    pending_.pop_front();
    return std::optional<Event>(std::move(event));
}

}  // namespace fastmap
