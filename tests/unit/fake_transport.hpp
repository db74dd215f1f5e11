// SPDX-License-Identifier: GPL-2.0-only
// A scripted nl::Transport: each request sent is answered by a handler's datagrams.
#pragma once

#include <linux/genetlink.h>

#include <cerrno>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "netlink_socket.hpp"
#include "nl_bytes.hpp"

namespace fastmap::test {

class FakeTransport final : public nl::Transport {
public:
    using Handler = std::function<std::vector<nl::Bytes>(const nl::Message& request)>;

    explicit FakeTransport(Handler handler, std::shared_ptr<std::vector<nl::Bytes>> sent =
                                                std::make_shared<std::vector<nl::Bytes>>())
        : handler_(std::move(handler)), sent_(std::move(sent)) {}

    Result<void> send(nl::ByteView message) override {
        sent_->emplace_back(message.begin(), message.end());
        auto parsed = nl::parse_messages(message);
        if (!parsed || parsed->size() != 1) {
            return Error{EINVAL, "fake transport: bad request"};
        }
        for (auto& d : handler_(parsed->front())) {
            queue_.push_back(std::move(d));
        }
        return {};
    }

    Result<nl::Bytes> recv() override {
        if (queue_.empty()) {
            return Error{ETIMEDOUT, "fake transport: nothing to receive"};
        }
        nl::Bytes d = std::move(queue_.front());
        queue_.pop_front();
        return d;
    }

private:
    Handler handler_;
    std::shared_ptr<std::vector<nl::Bytes>> sent_;
    std::deque<nl::Bytes> queue_;
};

// A scripted MulticastTransport: requests are answered by a handler, like FakeTransport;
// notifications are whatever the test queues in state->incoming (datagrams or errors).
class FakeMulticastTransport final : public nl::MulticastTransport {
public:
    struct State {
        std::deque<Result<nl::Bytes>> incoming;
        std::vector<std::uint32_t> joined;
        std::vector<int> waits;  // timeout_ms of every wait()
        std::optional<Error> join_error;
    };

    FakeMulticastTransport(FakeTransport::Handler handler, std::shared_ptr<State> state)
        : requests_(std::move(handler)), state_(std::move(state)) {}

    Result<void> send(nl::ByteView message) override {
        auto sent = requests_.send(message);
        if (!sent) {
            return sent;
        }
        // Replies go first, ahead of any notification.
        std::deque<Result<nl::Bytes>> replies;
        for (auto r = requests_.recv(); r.ok(); r = requests_.recv()) {
            replies.push_back(std::move(r).value());
        }
        state_->incoming.insert(state_->incoming.begin(), std::make_move_iterator(replies.begin()),
                                std::make_move_iterator(replies.end()));
        return {};
    }
    Result<nl::Bytes> recv() override {
        if (state_->incoming.empty()) {
            return Error{ETIMEDOUT, "fake transport: nothing to receive"};
        }
        auto d = std::move(state_->incoming.front());
        state_->incoming.pop_front();
        return d;
    }
    Result<void> join_group(std::uint32_t group) override {
        if (state_->join_error) {
            return *state_->join_error;
        }
        state_->joined.push_back(group);
        return {};
    }
    Result<bool> wait(int timeout_ms) override {
        state_->waits.push_back(timeout_ms);
        return !state_->incoming.empty();
    }
    int fd() const override { return 42; }

private:
    FakeTransport requests_;
    std::shared_ptr<State> state_;
};

inline constexpr std::uint16_t kFamilyId = 0x1a;

// The controller's answer to CTRL_CMD_GETFAMILY: the family (id kFamilyId), then the ACK.
inline std::vector<nl::Bytes> family_reply(const nl::Message& req, std::uint32_t version = 1) {
    Raw attrs;
    attrs.attr_str(CTRL_ATTR_FAMILY_NAME, "fastmap");
    attrs.u16(6).u16(CTRL_ATTR_FAMILY_ID).u16(kFamilyId).pad4();
    attrs.attr_u32(CTRL_ATTR_VERSION, version);
    return {genl_msg(GENL_ID_CTRL, 0, req.seq, CTRL_CMD_NEWFAMILY, attrs), error_msg(req.seq, 0)};
}

}  // namespace fastmap::test
