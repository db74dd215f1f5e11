// SPDX-License-Identifier: GPL-2.0-only
// The real fastmapd binary on the host: a private dbus-daemon (--bus-address), the policy
// below a temporary --root, no BPF (--no-telemetry) and no fastmap module (the host cannot load
// it): it must serve anyway. Reads its properties, reloads an invalid and then a valid policy
// with SIGHUP (as systemctl reload does) and stops it with SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dbus/names.hpp"
#include "test_bus.hpp"

namespace fastmap::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Polls pred every 20 ms until it holds or kTestTimeout passes.
bool eventually(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kTestTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

class FastmapdProcessTest : public ::testing::Test {
protected:
    std::unique_ptr<PrivateBus> bus;
    dbus::OwnedBusPtr client;
    fs::path root;
    fs::path policy;
    fs::path log;
    pid_t pid = -1;

    void SetUp() override {
        if (access(PrivateBus::kDaemon, X_OK) != 0) {
            GTEST_SKIP() << PrivateBus::kDaemon << " is not installed";
        }
        if (fs::exists("/sys/kernel/fastmap")) {
            GTEST_SKIP() << "this test wants a host without the fastmap module";
        }
        std::string error;
        bus = PrivateBus::start(PrivateBus::Policy::kOpen, &error);
        ASSERT_NE(bus, nullptr) << error;
        client = connect_bus(bus->address());
        ASSERT_NE(client, nullptr);
        std::string tmpl = fs::temp_directory_path() / "fastmapd-host-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        root = tmpl;
        policy = root / "etc/fastmap/fastmapd.json";
        log = root / "fastmapd.log";
        fs::create_directories(policy.parent_path());
    }

    void TearDown() override {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        if (HasFailure() && !log.empty()) {
            std::cerr << "fastmapd's log:\n" << read_text(log);
        }
        std::error_code ec;
        fs::remove_all(root, ec);
    }

    void write_policy(const std::string& text) {
        const fs::path tmp = policy.string() + ".tmp";
        std::ofstream(tmp) << text;
        fs::rename(tmp, policy);
    }

    void spawn() {
        const std::string root_arg = root.string();
        const std::string address = bus->address();
        const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_GE(log_fd, 0);
        const pid_t parent = getpid();
        pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) {
                _exit(127);
            }
            dup2(log_fd, 1);
            dup2(log_fd, 2);
            unsetenv("NOTIFY_SOCKET");
            unsetenv("WATCHDOG_USEC");
            unsetenv("WATCHDOG_PID");
            execl(FASTMAPD_PATH, "fastmapd", "--root", root_arg.c_str(), "--bus-address",
                  address.c_str(), "--no-telemetry", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(log_fd);
        ASSERT_GT(pid, 0);
    }

    // A property's value, or nullopt while fastmapd does not answer.
    std::optional<std::uint32_t> u32(const char* name) {
        dbus::BusError e;
        std::uint32_t v = 0;
        const int r = sd_bus_get_property_trivial(client.get(), dbus::kBusName, dbus::kObjectPath,
                                                  dbus::kInterface, name, e.get(), 'u', &v);
        return r < 0 ? std::nullopt : std::optional<std::uint32_t>(v);
    }
    std::optional<std::string> str(const char* name) {
        dbus::BusError e;
        char* v = nullptr;
        const int r = sd_bus_get_property_string(client.get(), dbus::kBusName, dbus::kObjectPath,
                                                 dbus::kInterface, name, e.get(), &v);
        if (r < 0) {
            return std::nullopt;
        }
        std::string out(v);
        free(v);
        return out;
    }
    // The number of entries of the Instances property (-1: could not be read).
    int instance_count() {
        dbus::BusError e;
        sd_bus_message* raw = nullptr;
        if (sd_bus_get_property(client.get(), dbus::kBusName, dbus::kObjectPath, dbus::kInterface,
                                "Instances", e.get(), &raw, dbus::kInstancesSig) < 0) {
            return -1;
        }
        dbus::MessagePtr reply(raw);
        if (sd_bus_message_enter_container(reply.get(), 'a', dbus::kInstanceSig) < 0) {
            return -1;
        }
        int n = 0;
        while (sd_bus_message_skip(reply.get(), dbus::kInstanceSig) > 0) {
            ++n;
        }
        return n;
    }

    bool running() { return pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0; }
};

constexpr const char* kGoodPolicy = R"({"version": 1, "interval": "500ms"})";

TEST_F(FastmapdProcessTest, ServesWithoutTheModuleReloadsOnSighupAndStopsCleanly) {
    write_policy(kGoodPolicy);
    spawn();
    ASSERT_TRUE(eventually([&] { return u32("ApiVersion").has_value() || !running(); }));
    ASSERT_TRUE(running());
    EXPECT_EQ(u32("ApiVersion"), std::optional<std::uint32_t>(dbus::kApiVersion));
    EXPECT_EQ(u32("IntervalMs"), std::optional<std::uint32_t>(500));
    EXPECT_EQ(str("PolicyError"), std::optional<std::string>(""));
    auto effective = str("Policy");
    ASSERT_TRUE(effective.has_value());
    EXPECT_NE(effective->find("\"interval\": \"500ms\""), std::string::npos) << *effective;
    EXPECT_EQ(instance_count(), 0);  // no module: no instances, and no error
    EXPECT_TRUE(eventually([&] { return read_text(log).find("not loaded") != std::string::npos; }));

    // An invalid policy: the old one stays and PolicyError says where and why.
    write_policy(R"({"version": 1, "interval": "2s", "defaults": {"cache": {"step_percnt": 5}}})");
    ASSERT_EQ(kill(pid, SIGHUP), 0);
    ASSERT_TRUE(eventually([&] { return !str("PolicyError").value_or("").empty(); }));
    const std::string why = str("PolicyError").value_or("");
    EXPECT_NE(why.find(policy.string() + ":1:"), std::string::npos) << why;
    EXPECT_NE(why.find("step_percnt"), std::string::npos) << why;
    EXPECT_EQ(u32("IntervalMs"), std::optional<std::uint32_t>(500));
    EXPECT_TRUE(running());

    // A valid one: in force, the error is gone.
    write_policy(R"({"version": 1, "interval": "2s"})");
    ASSERT_EQ(kill(pid, SIGHUP), 0);
    EXPECT_TRUE(
        eventually([&] { return u32("IntervalMs") == std::optional<std::uint32_t>(2000); }));
    EXPECT_EQ(str("PolicyError"), std::optional<std::string>(""));

    ASSERT_EQ(kill(pid, SIGTERM), 0);
    int status = 0;
    ASSERT_TRUE(eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }));
    pid = -1;
    ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_NE(read_text(log).find("stopping; the module keeps"), std::string::npos);
}

TEST_F(FastmapdProcessTest, AnInvalidPolicyAtStartIsExit1WithTheLocation) {
    write_policy(R"({"version": 1, "intervall": "1s"})");
    spawn();
    int status = 0;
    ASSERT_TRUE(eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }));
    pid = -1;
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1);
    const std::string text = read_text(log);
    EXPECT_NE(text.find(policy.string() + ":1:"), std::string::npos) << text;
    EXPECT_NE(text.find("intervall"), std::string::npos) << text;
}

}  // namespace
}  // namespace fastmap::test
