// SPDX-License-Identifier: GPL-2.0-only
#include "test_bus.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <vector>

#include "dbus/names.hpp"

namespace fastmap::test {
namespace {

constexpr uid_t kNobody = 65534;

std::string bus_config(PrivateBus::Policy policy, const std::string& socket) {
    std::string c =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <listen>unix:path=" +
        socket +
        "</listen>\n"
        "  <auth>EXTERNAL</auth>\n";
    if (policy == PrivateBus::Policy::kOpen) {
        c += "  <policy context=\"default\">\n"
             "    <allow user=\"*\"/>\n"
             "    <allow own=\"" +
             std::string(dbus::kBusName) +
             "\"/>\n"
             "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
             "    <allow eavesdrop=\"true\"/>\n"
             "  </policy>\n";
    } else {
        // What a distribution's system.conf does, then the fastmap policy on top.
        c += "  <policy context=\"default\">\n"
             "    <allow user=\"*\"/>\n"
             "    <deny own=\"*\"/>\n"
             "    <deny send_type=\"method_call\"/>\n"
             "    <allow send_type=\"signal\"/>\n"
             "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
             "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
             "    <allow receive_type=\"method_call\"/>\n"
             "    <allow receive_type=\"method_return\"/>\n"
             "    <allow receive_type=\"error\"/>\n"
             "    <allow receive_type=\"signal\"/>\n"
             "    <allow send_destination=\"org.freedesktop.DBus\" "
             "send_interface=\"org.freedesktop.DBus\"/>\n"
             "    <allow send_destination=\"org.freedesktop.DBus\" "
             "send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
             "  </policy>\n"
             "  <include>" FASTMAP_SOURCE_DIR "/config/dbus/org.fastmap.FastMap1.conf</include>\n";
    }
    c += "</busconfig>\n";
    return c;
}

// Reads one line from fd within the timeout; empty on EOF or timeout.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (line.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return {};
        }
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            continue;
        }
        char buf[256];
        const ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            return {};
        }
        line.append(buf, static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
}

// Waits for pid up to timeout; true when it exited (status in *status).
bool wait_for(pid_t pid, std::chrono::milliseconds timeout, int* status) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            return true;
        }
        if (r < 0 || std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void kill_and_reap(pid_t pid) {
    int status = 0;
    kill(pid, SIGTERM);
    if (!wait_for(pid, std::chrono::seconds(5), &status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
}

}  // namespace

std::unique_ptr<PrivateBus> PrivateBus::start(Policy policy, std::string* error) {
    std::unique_ptr<PrivateBus> bus(new PrivateBus);
    char tmpl[] = "/tmp/fastmap-dbus-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
        *error = std::string("mkdtemp: ") + std::strerror(errno);
        return nullptr;
    }
    bus->dir_ = tmpl;
    chmod(tmpl, 0755);  // the unprivileged tests connect too
    const std::string config = bus->dir_ + "/bus.conf";
    std::ofstream(config) << bus_config(policy, bus->dir_ + "/socket");

    // Its complaints (e.g. that root may not raise the fd limit here) go to a log, shown when
    // it does not start.
    const std::string log = bus->dir_ + "/daemon.log";
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int pipefd[2];
    if (log_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
        *error = std::string("log or pipe: ") + std::strerror(errno);
        if (log_fd >= 0) {
            close(log_fd);
        }
        return nullptr;
    }
    const std::string config_arg = "--config-file=" + config;
    std::vector<const char*> argv = {"dbus-daemon", config_arg.c_str(), "--print-address=3",
                                     "--nofork",    "--nopidfile",      "--nosyslog",
                                     nullptr};
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls until exec.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        dup2(log_fd, 2);  // first: log_fd may be 3
        if (pipefd[1] == 3) {
            fcntl(3, F_SETFD, 0);
        } else {
            dup2(pipefd[1], 3);
        }
        umask(0);  // a socket everyone may connect to
        execv(kDaemon, const_cast<char* const*>(argv.data()));
        _exit(127);
    }
    close(pipefd[1]);
    close(log_fd);
    if (pid < 0) {
        close(pipefd[0]);
        *error = std::string("fork: ") + std::strerror(errno);
        return nullptr;
    }
    bus->pid_ = pid;
    bus->address_ = read_line(pipefd[0], kTestTimeout);
    close(pipefd[0]);
    if (bus->address_.empty()) {
        std::ifstream in(log);
        std::string complaints((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        *error = "dbus-daemon did not print its address: " + complaints;
        return nullptr;
    }
    return bus;
}

PrivateBus::~PrivateBus() {
    if (pid_ > 0) {
        kill_and_reap(pid_);
    }
    if (!dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

dbus::OwnedBusPtr connect_bus(const std::string& address) {
    sd_bus* raw = nullptr;
    int r = sd_bus_new(&raw);
    dbus::OwnedBusPtr bus(raw);
    if (r >= 0) {
        r = sd_bus_set_address(raw, address.c_str());
    }
    if (r >= 0) {
        r = sd_bus_set_bus_client(raw, 1);
    }
    if (r >= 0) {
        r = sd_bus_start(raw);
    }
    if (r < 0) {
        return nullptr;
    }
    return bus;
}

LoopThread::~LoopThread() {
    stop();
}

bool LoopThread::start() {
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        return false;
    }
    thread_ = std::thread([this] { main(); });
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kTestTimeout, [this] { return ready_ || failed_; });
    return ready_;
}

void LoopThread::main() {
    sd_event* e = nullptr;
    if (sd_event_new(&e) < 0 ||
        sd_event_add_io(e, nullptr, wake_fd_, EPOLLIN, &LoopThread::on_wake, this) < 0) {
        sd_event_unref(e);
        std::lock_guard lock(mu_);
        failed_ = true;
        cv_.notify_all();
        return;
    }
    event_ = e;
    {
        std::lock_guard lock(mu_);
        ready_ = true;
        cv_.notify_all();
    }
    sd_event_loop(e);
    event_ = nullptr;
    sd_event_unref(e);
}

int LoopThread::on_wake(sd_event_source*, int fd, uint32_t, void* userdata) {
    auto* self = static_cast<LoopThread*>(userdata);
    std::uint64_t n = 0;
    (void)!read(fd, &n, sizeof(n));
    for (;;) {
        std::function<void()> task;
        {
            std::lock_guard lock(self->mu_);
            if (self->tasks_.empty()) {
                break;
            }
            task = std::move(self->tasks_.front());
            self->tasks_.pop_front();
        }
        task();
    }
    return 0;
}

bool LoopThread::run(std::function<void()> fn) {
    if (!ready_) {
        return false;
    }
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    {
        std::lock_guard lock(mu_);
        tasks_.push_back([fn = std::move(fn), done] {
            fn();
            done->set_value();
        });
    }
    const std::uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    return finished.wait_for(kTestTimeout) == std::future_status::ready;
}

void LoopThread::stop() {
    if (thread_.joinable()) {
        run([this] { sd_event_exit(event_, 0); });
        thread_.join();
    }
    if (wake_fd_ >= 0) {
        close(wake_fd_);
        wake_fd_ = -1;
    }
    ready_ = false;
}

RawReply raw_call(sd_bus* bus, const char* interface, const char* method,
                  const std::function<int(sd_bus_message*)>& append) {
    RawReply out;
    sd_bus_message* raw = nullptr;
    out.r = sd_bus_message_new_method_call(bus, &raw, dbus::kBusName, dbus::kObjectPath, interface,
                                           method);
    dbus::MessagePtr m(raw);
    if (out.r >= 0 && append) {
        out.r = append(m.get());
    }
    if (out.r < 0) {
        out.error_name = "(could not build the call)";
        return out;
    }
    dbus::BusError error;
    sd_bus_message* reply = nullptr;
    out.r = sd_bus_call(bus, m.get(),
                        static_cast<std::uint64_t>(std::chrono::microseconds(kTestTimeout).count()),
                        error.get(), &reply);
    out.reply.reset(reply);
    if (out.r < 0) {
        out.error_name = error.is_set() ? error.name() : "(no error name)";
        out.error_message = error.message();
    }
    return out;
}

int run_as_nobody(const std::function<int()>& body) {
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (setgroups(0, nullptr) < 0 || setgid(kNobody) < 0 || setuid(kNobody) < 0) {
            _exit(126);
        }
        _exit(body());
    }
    if (pid < 0) {
        return -1;
    }
    int status = 0;
    if (!wait_for(pid, kTestTimeout, &status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace fastmap::test
