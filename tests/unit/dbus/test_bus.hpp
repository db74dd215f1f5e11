// SPDX-License-Identifier: GPL-2.0-only
// Test scaffolding for the D-Bus layer: a private dbus-daemon, an sd-event loop on a thread of
// its own (where the service runs), and helpers that call the service directly. Everything
// waits with a timeout.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dbus/bus_ptr.hpp"

namespace fastmap::test {

inline constexpr std::chrono::seconds kTestTimeout{10};

// dbus-daemon --nofork on a socket in a temporary directory, with a generated configuration.
class PrivateBus {
public:
    enum class Policy {
        kOpen,        // everyone may connect, call anything and own org.fastmap.FastMap1
        kSystemLike,  // deny by default (as the system bus) + config/dbus/org.fastmap.FastMap1.conf
    };
    static constexpr const char* kDaemon = "/usr/bin/dbus-daemon";

    // nullptr (and *error says why) when the daemon does not start.
    static std::unique_ptr<PrivateBus> start(Policy policy, std::string* error);
    ~PrivateBus();

    const std::string& address() const { return address_; }

private:
    PrivateBus() = default;

    std::string dir_;
    std::string address_;
    pid_t pid_ = -1;
};

// A client connection to address (test side); nullptr on failure.
dbus::OwnedBusPtr connect_bus(const std::string& address);

// An sd-event loop on its own thread. run() executes a function there and waits for it.
class LoopThread {
public:
    LoopThread() = default;
    ~LoopThread();
    LoopThread(const LoopThread&) = delete;
    LoopThread& operator=(const LoopThread&) = delete;

    bool start();
    // false when fn did not finish within kTestTimeout (or the loop is not running).
    bool run(std::function<void()> fn);
    void stop();
    sd_event* event() const { return event_; }  // only for use on the loop thread

private:
    void main();
    static int on_wake(sd_event_source* s, int fd, uint32_t revents, void* userdata);

    std::thread thread_;
    int wake_fd_ = -1;
    sd_event* event_ = nullptr;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool ready_ = false;
    bool failed_ = false;
};

// The result of a raw method call.
struct RawReply {
    int r = 0;               // sd_bus_call()'s result
    std::string error_name;  // empty on success
    std::string error_message;
    dbus::MessagePtr reply;

    bool ok() const { return r >= 0; }
};

// Calls interface.method on the fastmap object, with the arguments append writes.
RawReply raw_call(sd_bus* bus, const char* interface, const char* method,
                  const std::function<int(sd_bus_message*)>& append = {});

// Runs body in a child process that has dropped to uid/gid 65534 (nobody); body's result is
// the child's exit code. -1 when the child crashed or did not finish within kTestTimeout.
int run_as_nobody(const std::function<int()>& body);

}  // namespace fastmap::test
