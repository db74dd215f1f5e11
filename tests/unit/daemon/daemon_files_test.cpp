// SPDX-License-Identifier: GPL-2.0-only
// The daemon and the enable table: the policy's "files", the state file that keeps what
// operators and auto-enable enabled across reboots, and the origins that decide what a reload
// may disable.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/daemon.hpp"
#include "daemon/fake_host.hpp"
#include "fake_control.hpp"
#include "fake_telemetry.hpp"
#include "files.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using test::FakeControl;
using test::FakeHost;
using test::RecordingListener;
using test::RecordingLogger;

constexpr std::uint64_t kMiB = 1ULL << 20;

// FakeControl with FILE_ADD's cache size: add_file_sized() records the size it was given.
class SizedControl final : public Control {
public:
    explicit SizedControl(FakeControl& inner) : in(inner) {}
    FakeControl& in;
    std::map<std::string, std::uint64_t> cache;  // kernel path -> FASTMAP_A_CACHE_BYTES

    Result<InstanceInfo> attach(const AttachRequest& r) override { return in.attach(r); }
    Result<DetachResult> detach(std::string_view n) override { return in.detach(n); }
    Result<std::vector<InstanceInfo>> list() override { return in.list(); }
    Result<InstanceInfo> get(std::string_view n) override { return in.get(n); }
    Result<InstanceInfo> set(std::string_view n, const SetRequest& r) override {
        return in.set(n, r);
    }
    Result<void> add_file(const FileKey& k, std::string_view p) override {
        return in.add_file(k, p);
    }
    Result<void> add_file_sized(const FileKey& k, std::string_view p,
                                std::uint64_t bytes) override {
        auto r = in.add_file(k, p);
        if (r) {
            cache[std::string(p)] = bytes;
        }
        return r;
    }
    Result<void> remove_file(const FileKey& k) override { return in.remove_file(k); }
    Result<std::vector<FileEntry>> list_files() override { return in.list_files(); }
    Result<std::unique_ptr<EventSource>> subscribe() override { return in.subscribe(); }
    Result<ModuleInfo> module_info() override { return in.module_info(); }
};

class MapResolver final : public PathResolver {
public:
    std::map<std::uint64_t, std::string> by_ino;
    std::optional<std::string> resolve(const FileKey& key) override {
        auto it = by_ino.find(key.ino);
        return it == by_ino.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
};

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class DaemonFilesTest : public ::testing::Test {
protected:
    FakeControl kernel;
    SizedControl ctl{kernel};
    FakeHost host;
    RecordingLogger log;
    RecordingListener listener;
    fs::path root;
    fs::path state;
    std::unique_ptr<Daemon> daemon;

    void SetUp() override {
        std::string tmpl = fs::temp_directory_path() / "fastmapd-files-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        root = fs::canonical(tmpl);
        state = state_file_under(root);
        fs::create_directories(root / "data");
        daemon = make_daemon();
    }
    void TearDown() override {
        daemon.reset();
        std::error_code ec;
        fs::remove_all(root, ec);
    }

    // A daemon on the same state file: fastmapd restarted (or the machine rebooted, when the
    // kernel's table is cleared too).
    std::unique_ptr<Daemon> make_daemon(PathResolver* paths = nullptr) {
        auto d = std::make_unique<Daemon>(ctl, host, log, paths);
        d->set_state_file(state);
        d->set_listener(&listener);
        return d;
    }

    std::string make_file(const std::string& name) {
        const fs::path p = root / "data" / name;
        std::ofstream(p) << "data";
        return p.string();
    }

    FileKey key_of(const std::string& path) {
        auto f = resolve_file(path);
        EXPECT_TRUE(f.ok()) << path;
        return f ? f->key : FileKey{};
    }

    bool enabled(const std::string& path) {
        const FileKey key = key_of(path);
        return std::any_of(kernel.files.begin(), kernel.files.end(),
                           [&](const FileEntry& e) { return e.key == key; });
    }

    // The state file's entries (as fastmapd would read them back).
    std::vector<PersistedFile> saved() {
        const FileStateLoad loaded = load_file_state(state);
        EXPECT_TRUE(loaded.warnings.empty()) << loaded.warnings.front();
        return loaded.files;
    }
    std::optional<PersistedFile> saved_entry(const std::string& path) {
        for (auto& f : saved()) {
            if (f.path == path) {
                return f;
            }
        }
        return std::nullopt;
    }

    void reload_with(std::vector<FileSpec> files) {
        Policy p;
        p.files = std::move(files);
        host.next_load.policy = p;
        ASSERT_TRUE(daemon->reload_policy().ok());
    }

    std::size_t warnings_about(std::string_view needle) const {
        std::size_t n = 0;
        for (const auto& [level, text] : log.lines) {
            n += level == LogLevel::kWarning && text.find(needle) != std::string::npos ? 1 : 0;
        }
        return n;
    }
};

TEST_F(DaemonFilesTest, PolicyFilesAreEnabledAtStartWithTheirCache) {
    const std::string a = make_file("a.db");
    const std::string b = make_file("b.db");
    host.next_load.policy->files = {{a, 64 * kMiB}, {b, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_EQ(kernel.files.size(), 2U);
    EXPECT_EQ(kernel.files[0].path, a);
    EXPECT_EQ(kernel.files[0].key, key_of(a));
    EXPECT_EQ(kernel.files[1].path, b);
    EXPECT_EQ(ctl.cache, (std::map<std::string, std::uint64_t>{{a, 64 * kMiB}}));
    ASSERT_EQ(listener.decisions.size(), 2U);
    EXPECT_EQ(listener.decisions[0].kind, "file_enable");
    EXPECT_EQ(listener.decisions[0].target, a);
    EXPECT_EQ(listener.decisions[0].to, 64 * kMiB);
    EXPECT_TRUE(listener.decisions[0].applied);
    EXPECT_TRUE(log.contains("files: enabled " + a + " with a 64 MiB cache at start"));
    // Recorded with their origin, so a later policy without them disables them.
    const auto rec = saved_entry(a);
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->origin, FileOrigin::kPolicy);
    EXPECT_EQ(rec->cache_bytes, 64 * kMiB);
    EXPECT_EQ(rec->key, key_of(a));
    EXPECT_EQ(rec->time, "2023-11-14T22:13:20Z");  // FakeHost's realtime clock
}

TEST_F(DaemonFilesTest, AFileAlreadyEnabledIsLeftAlone) {
    const std::string a = make_file("a.db");
    ASSERT_TRUE(kernel.add_file(key_of(a), "/elsewhere/a.db").ok());
    host.next_load.policy->files = {{a, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_EQ(kernel.files.size(), 1U);
    EXPECT_EQ(kernel.files[0].path, "/elsewhere/a.db");
    EXPECT_TRUE(listener.decisions.empty());
    EXPECT_EQ(saved_entry(a), std::nullopt);  // not ours
}

TEST_F(DaemonFilesTest, MissingPolicyFileIsSkippedWithAWarningAndRetriedOnReload) {
    const std::string a = make_file("a.db");
    const std::string later = (root / "data/later.db").string();
    host.next_load.policy->files = {{later, std::nullopt}, {a, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_TRUE(enabled(a));
    ASSERT_EQ(kernel.files.size(), 1U);
    EXPECT_EQ(warnings_about("files: " + later + " (policy) not enabled at start: no such file"),
              1U);
    EXPECT_TRUE(log.contains("tried again at the next reload"));

    make_file("later.db");
    ASSERT_TRUE(daemon->reload_policy().ok());
    EXPECT_TRUE(enabled(later));
    EXPECT_TRUE(enabled(a));
    EXPECT_EQ(kernel.files.size(), 2U);
    EXPECT_TRUE(log.contains("files: enabled " + later + " after the reload"));
}

TEST_F(DaemonFilesTest, FileOnAnUnsupportedFileSystemIsSkippedWithTheReason) {
    const std::string a = make_file("a.db");
    host.unsupported_fs.insert(a);
    host.next_load.policy->files = {{a, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_TRUE(kernel.files.empty());
    EXPECT_EQ(warnings_about("file system not supported: " + a + " is on tmpfs"), 1U);
    host.unsupported_fs.clear();  // e.g. the right file system is mounted now
    ASSERT_TRUE(daemon->reload_policy().ok());
    EXPECT_TRUE(enabled(a));
}

TEST_F(DaemonFilesTest, AKernelRefusalIsLoggedAndRecorded) {
    const std::string a = make_file("a.db");
    for (int i = 0; i < 4096; ++i) {  // a full table
        kernel.files.push_back({{{1, 1}, static_cast<std::uint64_t>(i + 1)}, ""});
    }
    class FullTable final : public Control {
    public:
        explicit FullTable(SizedControl& inner) : in(inner) {}
        SizedControl& in;
        Result<InstanceInfo> attach(const AttachRequest& r) override { return in.attach(r); }
        Result<DetachResult> detach(std::string_view n) override { return in.detach(n); }
        Result<std::vector<InstanceInfo>> list() override { return in.list(); }
        Result<InstanceInfo> get(std::string_view n) override { return in.get(n); }
        Result<InstanceInfo> set(std::string_view n, const SetRequest& r) override {
            return in.set(n, r);
        }
        Result<void> add_file(const FileKey&, std::string_view) override {
            return Error{ENOSPC, "enable table is full (4096 files)"};
        }
        Result<void> remove_file(const FileKey& k) override { return in.remove_file(k); }
        Result<std::vector<FileEntry>> list_files() override { return in.list_files(); }
        Result<std::unique_ptr<EventSource>> subscribe() override { return in.subscribe(); }
        Result<ModuleInfo> module_info() override { return in.module_info(); }
    };
    FullTable full(ctl);
    Daemon d(full, host, log);
    d.set_state_file(state);
    host.next_load.policy->files = {{a, std::nullopt}};
    ASSERT_TRUE(d.start().ok());
    EXPECT_EQ(warnings_about("(policy) not enabled at start: enable table is full"), 1U);
    ASSERT_EQ(d.decisions().size(), 1U);
    EXPECT_FALSE(d.decisions()[0].applied);
    EXPECT_EQ(d.decisions()[0].error, "enable table is full (4096 files)");
    EXPECT_TRUE(d.persisted_files().empty());
}

TEST_F(DaemonFilesTest, FilesAreEnabledAgainWhenTheModuleComesBack) {
    const std::string a = make_file("a.db");
    const std::string b = make_file("b.db");
    host.next_load.policy->files = {{a, 8 * kMiB}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->enable_file(b, std::nullopt).ok());
    ASSERT_EQ(kernel.files.size(), 2U);

    // rmmod: the table is gone with the module.
    kernel.fail = Error{kErrModuleNotLoaded, "the fastmap module is not loaded"};
    kernel.files.clear();
    ctl.cache.clear();
    daemon->tick();
    daemon->tick();
    // modprobe
    kernel.fail.reset();
    daemon->tick();
    EXPECT_TRUE(enabled(a));
    EXPECT_TRUE(enabled(b));
    EXPECT_EQ(ctl.cache, (std::map<std::string, std::uint64_t>{{a, 8 * kMiB}}));
    EXPECT_TRUE(log.contains("files: enabled " + a + " with a 8 MiB cache now that the module"));
    EXPECT_TRUE(log.contains("files: enabled " + b +
                             " again now that the module answers: "
                             "enabled by an operator at "));
    daemon->tick();
    EXPECT_EQ(kernel.files.size(), 2U);  // once
}

TEST_F(DaemonFilesTest, ReloadDisablesOnlyFilesThePolicyEnabled) {
    const std::string mine = make_file("policy.db");
    const std::string manual = make_file("manual.db");
    const std::string op = make_file("operator.db");
    // Enabled with fastmapctl --no-daemon before fastmapd started: not fastmapd's.
    ASSERT_TRUE(kernel.add_file(key_of(manual), manual).ok());
    host.next_load.policy->files = {{mine, std::nullopt}, {manual, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->enable_file(op, std::nullopt).ok());
    ASSERT_EQ(kernel.files.size(), 3U);

    // The operator's file in the policy does not make it the policy's.
    reload_with({{mine, std::nullopt}, {manual, std::nullopt}, {op, std::nullopt}});
    EXPECT_EQ(kernel.files.size(), 3U);

    reload_with({});
    EXPECT_FALSE(enabled(mine));
    EXPECT_TRUE(enabled(manual));
    EXPECT_TRUE(enabled(op));
    EXPECT_TRUE(log.contains("files: disabled " + mine + ": no longer in the policy's files"));
    EXPECT_EQ(daemon->decisions().back().kind, "file_disable");
    EXPECT_EQ(saved_entry(mine), std::nullopt);
    ASSERT_TRUE(saved_entry(op).has_value());
    EXPECT_EQ(saved_entry(op)->origin, FileOrigin::kOperator);
}

TEST_F(DaemonFilesTest, APolicyFileDroppedWhileFastmapdWasStoppedIsDisabledAtStart) {
    const std::string mine = make_file("policy.db");
    const std::string manual = make_file("manual.db");
    host.next_load.policy->files = {{mine, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(kernel.add_file(key_of(manual), manual).ok());  // --no-daemon

    // systemctl stop fastmapd; edit the policy; systemctl start fastmapd (same boot).
    daemon = make_daemon();
    host.next_load.policy->files = {{manual, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_FALSE(enabled(mine));
    EXPECT_TRUE(enabled(manual));  // listed now, but enabled by someone else: not claimed
    daemon = make_daemon();
    host.next_load.policy->files = {};
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_TRUE(enabled(manual));
}

TEST_F(DaemonFilesTest, AFileInUseStaysAndItsRemovalIsRetried) {
    const std::string mine = make_file("policy.db");
    host.next_load.policy->files = {{mine, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    class BusyRemove final : public Control {
    public:
        explicit BusyRemove(SizedControl& inner) : in(inner) {}
        SizedControl& in;
        bool busy = true;
        Result<InstanceInfo> attach(const AttachRequest& r) override { return in.attach(r); }
        Result<DetachResult> detach(std::string_view n) override { return in.detach(n); }
        Result<std::vector<InstanceInfo>> list() override { return in.list(); }
        Result<InstanceInfo> get(std::string_view n) override { return in.get(n); }
        Result<InstanceInfo> set(std::string_view n, const SetRequest& r) override {
            return in.set(n, r);
        }
        Result<void> add_file(const FileKey& k, std::string_view p) override {
            return in.add_file(k, p);
        }
        Result<void> remove_file(const FileKey& k) override {
            if (busy) {
                return Error{EBUSY, "the file is open through fastmap"};
            }
            return in.remove_file(k);
        }
        Result<std::vector<FileEntry>> list_files() override { return in.list_files(); }
        Result<std::unique_ptr<EventSource>> subscribe() override { return in.subscribe(); }
        Result<ModuleInfo> module_info() override { return in.module_info(); }
    };
    BusyRemove busy(ctl);
    Daemon d(busy, host, log);
    d.set_state_file(state);
    host.next_load.policy->files = {};
    ASSERT_TRUE(d.start().ok());
    EXPECT_TRUE(enabled(mine));
    EXPECT_EQ(warnings_about("is no longer in the policy but stays enabled: the file is open"), 1U);
    busy.busy = false;
    ASSERT_TRUE(d.reload_policy().ok());
    EXPECT_FALSE(enabled(mine));
    EXPECT_TRUE(d.persisted_files().empty());
}

TEST_F(DaemonFilesTest, OperatorEnablesSurviveARebootAndDisableForgetsThem) {
    const std::string a = make_file("a.db");
    const std::string b = make_file("b.db");
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->enable_file(a, 2 * kMiB).ok());
    ASSERT_TRUE(daemon->enable_file(b, std::nullopt).ok());
    const auto rec = saved_entry(a);
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->origin, FileOrigin::kOperator);
    EXPECT_EQ(rec->cache_bytes, 2 * kMiB);
    EXPECT_EQ(ctl.cache.at(a), 2 * kMiB);

    // Reboot: the kernel's table is empty, fastmapd starts on the same state file.
    kernel.files.clear();
    ctl.cache.clear();
    daemon = make_daemon();
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_TRUE(enabled(a));
    EXPECT_TRUE(enabled(b));
    EXPECT_EQ(ctl.cache, (std::map<std::string, std::uint64_t>{{a, 2 * kMiB}}));
    EXPECT_EQ(daemon->persisted_files().size(), 2U);

    ASSERT_TRUE(daemon->disable_file(a).ok());
    EXPECT_FALSE(enabled(a));
    EXPECT_EQ(saved_entry(a), std::nullopt);
    kernel.files.clear();
    daemon = make_daemon();
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_FALSE(enabled(a));
    EXPECT_TRUE(enabled(b));
}

TEST_F(DaemonFilesTest, AFileRecreatedAfterARebootIsEnabledByItsNewInode) {
    const std::string a = make_file("a.db");
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->enable_file(a, std::nullopt).ok());
    const FileKey before = key_of(a);
    kernel.files.clear();
    make_file("a.db.new");  // replaced as editors and databases do: a new inode
    fs::rename(root / "data/a.db.new", a);
    const FileKey after = key_of(a);
    ASSERT_NE(before, after);
    daemon = make_daemon();
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_EQ(kernel.files.size(), 1U);
    EXPECT_EQ(kernel.files[0].key, after);
    EXPECT_EQ(saved_entry(a)->key, after);
}

TEST_F(DaemonFilesTest, DisablingAFileThatWaitsForgetsIt) {
    const std::string a = make_file("a.db");
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->enable_file(a, std::nullopt).ok());
    kernel.files.clear();  // reboot, and the file is not there (yet)
    fs::remove(a);
    daemon = make_daemon();
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_EQ(warnings_about("files: " + a + " (operator) not enabled at start: no such file"), 1U);
    ASSERT_NE(saved_entry(a), std::nullopt);  // kept: tried again later
    ASSERT_TRUE(daemon->disable_file(a).ok());
    EXPECT_EQ(saved_entry(a), std::nullopt);
    // Disabling what is neither enabled nor remembered is still ENOENT.
    auto again = daemon->disable_file(a);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ENOENT);
}

TEST_F(DaemonFilesTest, OperatorDisableOfAPolicyFileSaysItComesBack) {
    const std::string a = make_file("a.db");
    host.next_load.policy->files = {{a, std::nullopt}};
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->disable_file(a).ok());
    EXPECT_FALSE(enabled(a));
    EXPECT_TRUE(log.contains("is in the policy's files: it is enabled again at the next reload"));
    ASSERT_TRUE(daemon->reload_policy().ok());
    EXPECT_TRUE(enabled(a));
}

TEST_F(DaemonFilesTest, StateFileIsReplacedAtomically) {
    const std::string a = make_file("a.db");
    ASSERT_TRUE(daemon->start().ok());
    ASSERT_TRUE(daemon->enable_file(a, std::nullopt).ok());
    EXPECT_FALSE(fs::exists(state.string() + ".tmp"));
    const std::string good = read_text(state);
    EXPECT_NE(good.find("\"origin\": \"operator\""), std::string::npos) << good;

    // The temporary file cannot be written: the state file keeps its old, complete content.
    fs::create_directory(state.string() + ".tmp");
    const std::string b = make_file("b.db");
    ASSERT_TRUE(daemon->enable_file(b, std::nullopt).ok());  // the kernel did it: not an error
    EXPECT_EQ(read_text(state), good);
    EXPECT_EQ(warnings_about("cannot save the enabled files"), 1U);
    fs::remove(state.string() + ".tmp");

    // A stale temporary file (a crash between write and rename) is simply replaced.
    std::ofstream(state.string() + ".tmp") << "{ half";
    ASSERT_TRUE(daemon->disable_file(b).ok());
    EXPECT_FALSE(fs::exists(state.string() + ".tmp"));
    ASSERT_EQ(saved().size(), 1U);
    EXPECT_EQ(saved()[0].path, a);
}

TEST_F(DaemonFilesTest, ACorruptStateFileIsIgnoredWithAWarning) {
    fs::create_directories(state.parent_path());
    std::ofstream(state) << "{\"version\": 1, \"files\": [ {\"path\": \"/x\"";  // cut short
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_EQ(warnings_about(state.string() + ": not valid JSON"), 1U);
    EXPECT_TRUE(log.contains("moved to " + state.string() + ".corrupt"));
    EXPECT_TRUE(fs::exists(state.string() + ".corrupt"));
    EXPECT_TRUE(daemon->persisted_files().empty());
    EXPECT_TRUE(kernel.files.empty());
    // The next change writes a good one.
    const std::string a = make_file("a.db");
    ASSERT_TRUE(daemon->enable_file(a, std::nullopt).ok());
    EXPECT_EQ(saved().size(), 1U);
}

TEST_F(DaemonFilesTest, InvalidStateEntriesAreSkippedTheOthersApplied) {
    const std::string a = make_file("a.db");
    fs::create_directories(state.parent_path());
    std::ofstream(state) << R"({"version": 1, "files": [
        {"path": "relative/x", "origin": "operator"},
        {"path": "/srv/y", "origin": "someone"},
        {"path": "/srv/z", "origin": "operator", "cache": "1K"},
        {"path": ")" << a << R"(", "origin": "operator", "cache": "1M", "extra": true}
    ]})";
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_EQ(warnings_about("files[0] skipped: \"path\" is not an absolute path"), 1U);
    EXPECT_EQ(warnings_about("files[1] skipped: /srv/y: \"origin\" is not"), 1U);
    EXPECT_EQ(warnings_about("files[2] skipped: /srv/z: \"cache\" is not a size of at least"), 1U);
    EXPECT_TRUE(enabled(a));
    EXPECT_EQ(ctl.cache.at(a), kMiB);
    EXPECT_FALSE(fs::exists(state.string() + ".corrupt"));
}

TEST_F(DaemonFilesTest, WithoutAStateFileNothingIsPersisted) {
    Daemon d(ctl, host, log);
    const std::string a = make_file("a.db");
    ASSERT_TRUE(d.start().ok());
    ASSERT_TRUE(d.enable_file(a, std::nullopt).ok());
    EXPECT_FALSE(fs::exists(state));
}

TEST_F(DaemonFilesTest, AutoEnabledFilesAreRecordedAndComeBackWithinMaxFiles) {
    // Four files fault hard under stock mmap; auto-enable may enable three.
    std::vector<std::string> paths;
    MapResolver resolver;
    test::FakeTelemetry telemetry(1);
    for (int i = 0; i < 4; ++i) {
        paths.push_back(make_file("hot" + std::to_string(i)));
        const FileKey k = key_of(paths.back());
        resolver.by_ino[k.ino] = paths.back();
    }
    Policy p;
    p.auto_enable.enabled = true;
    p.auto_enable.window_intervals = 1;
    p.auto_enable.min_fault_rate = 10;
    p.auto_enable.max_files = 3;
    p.auto_enable.deny = {};
    host.next_load.policy = p;
    daemon = make_daemon(&resolver);
    ASSERT_TRUE(daemon->start().ok());
    daemon->set_telemetry(&telemetry);
    for (int tick = 0; tick < 4; ++tick) {
        for (int i = 0; i < 4; ++i) {
            const FileKey k = key_of(paths[static_cast<std::size_t>(i)]);
            telemetry.file_on(0, {k.dev.major << 20 | k.dev.minor, k.ino}).faults +=
                100000U * static_cast<unsigned>(i + 1);
        }
        host.now_ms += 1000;
        host.now_us += 1000000;
        daemon->tick();
    }
    ASSERT_EQ(kernel.files.size(), 3U);
    std::size_t autos = 0;
    for (const auto& f : saved()) {
        autos += f.origin == FileOrigin::kAuto ? 1 : 0;
        EXPECT_FALSE(f.cache_bytes.has_value());
    }
    EXPECT_EQ(autos, 3U);

    // Reboot with max_files 2: two of the three come back.
    kernel.files.clear();
    p.auto_enable.max_files = 2;
    host.next_load.policy = p;
    daemon = make_daemon(&resolver);
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_EQ(kernel.files.size(), 2U);
    EXPECT_TRUE(
        log.contains("1 auto-enabled file(s) not enabled again: the enable table holds "
                     "auto_enable.max_files (2) files"));

    // Reboot with auto-enable off: none come back, the entries stay for when it is on again.
    kernel.files.clear();
    p.auto_enable.enabled = false;
    host.next_load.policy = p;
    daemon = make_daemon(&resolver);
    ASSERT_TRUE(daemon->start().ok());
    EXPECT_TRUE(kernel.files.empty());
    EXPECT_TRUE(log.contains("3 auto-enabled file(s) not enabled again: auto_enable is off"));
    EXPECT_EQ(saved().size(), 3U);
}

// The state file on its own.
TEST(FileState, RoundTrip) {
    std::vector<PersistedFile> files{
        {"/srv/db/a.ibd", 64 * kMiB, FileOrigin::kPolicy, "2025-06-01T10:00:00Z",
         FileKey{{8, 1}, 1234}, false},
        {"/srv/db/b.ibd", std::nullopt, FileOrigin::kOperator, "2025-06-01T10:00:01Z", std::nullopt,
         false},
        {"/srv/c", std::nullopt, FileOrigin::kAuto, "", FileKey{{259, 65536}, 7}, false},
    };
    const std::string text = file_state_text(files);
    const FileStateLoad back = parse_file_state(text, "files.json");
    EXPECT_TRUE(back.warnings.empty());
    EXPECT_FALSE(back.corrupt);
    EXPECT_EQ(back.files, files);
    EXPECT_NE(text.find("\"cache\": 67108864"), std::string::npos) << text;
    EXPECT_NE(text.find("\"dev\": \"8:1\""), std::string::npos) << text;
}

TEST(FileState, CacheAsASizeStringIsAccepted) {
    const FileStateLoad r = parse_file_state(
        R"({"version": 1, "files": [{"path": "/a", "origin": "auto", "cache": "64M"}]})", "f");
    ASSERT_EQ(r.files.size(), 1U);
    EXPECT_EQ(r.files[0].cache_bytes, 64 * kMiB);
}

TEST(FileState, WhatMakesAStateFileCorrupt) {
    for (const char* text : {"", "[]", "{}", R"({"version": 2, "files": []})",
                             R"({"version": 1, "files": {}})", "{\"version\": 1,"}) {
        SCOPED_TRACE(text);
        const FileStateLoad r = parse_file_state(text, "f");
        EXPECT_TRUE(r.corrupt);
        EXPECT_TRUE(r.files.empty());
        EXPECT_EQ(r.warnings.size(), 1U);
    }
}

TEST(FileState, DuplicatesAndBadKeys) {
    const FileStateLoad r = parse_file_state(R"({"version": 1, "files": [
        {"path": "/a", "origin": "operator", "dev": "x", "ino": 3},
        {"path": "/a", "origin": "auto"}]})",
                                             "f");
    ASSERT_EQ(r.files.size(), 1U);
    EXPECT_FALSE(r.files[0].key.has_value());  // a bad key is dropped, not the entry
    ASSERT_EQ(r.warnings.size(), 1U);
    EXPECT_EQ(r.warnings[0], "f: files[1] skipped: /a is listed twice");
}

TEST(FileState, MissingFileIsEmptyWithoutWarnings) {
    const FileStateLoad r = load_file_state("/nonexistent/fastmap/files.json");
    EXPECT_TRUE(r.files.empty());
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_FALSE(r.corrupt);
}

TEST(FileState, AnUnreadableFileIsAWarningNotCorrupt) {
    std::string tmpl = fs::temp_directory_path() / "fastmapd-state-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    const FileStateLoad r = load_file_state(tmpl);  // a directory
    EXPECT_TRUE(r.files.empty());
    EXPECT_FALSE(r.corrupt);
    ASSERT_EQ(r.warnings.size(), 1U);
    EXPECT_NE(r.warnings[0].find(": cannot read: "), std::string::npos) << r.warnings[0];
    fs::remove_all(tmpl);
}

TEST(FileState, SaveCreatesTheDirectory) {
    std::string tmpl = fs::temp_directory_path() / "fastmapd-state-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    const fs::path file = state_file_under(tmpl);
    ASSERT_TRUE(save_file_state(
                    file, {{"/a", std::nullopt, FileOrigin::kOperator, "t", std::nullopt, false}})
                    .ok());
    EXPECT_EQ(load_file_state(file).files.size(), 1U);
    EXPECT_EQ(file, fs::path(tmpl) / "var/lib/fastmap/files.json");
    fs::remove_all(tmpl);
}

TEST(FileState, FormatUtc) {
    EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(1700000000123456ULL), "2023-11-14T22:13:20Z");
}

}  // namespace
}  // namespace fastmap::daemon
