// SPDX-License-Identifier: GPL-2.0-only
// libfastmap-preload.so in a real process without a usable control node: a program's I/O and
// mappings must behave exactly as without it. And libfastmap.so's API without the module.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fastmap/fastmap.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Outcome {
    int status = -1;  // exit code, or -1
    std::string out;
    std::string err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs argv with the current environment plus extra ("NAME=value" each).
Outcome run(const std::vector<std::string>& argv, const std::vector<std::string>& extra,
            const fs::path& dir) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const std::string name = entry.substr(0, entry.find('='));
        if (name == "LD_PRELOAD" || name == "FASTMAP_CONTROL" || name == "FASTMAP_PRELOAD_DEBUG") {
            continue;
        }
        env_strings.push_back(entry);
    }
    env_strings.insert(env_strings.end(), extra.begin(), extra.end());
    std::vector<char*> envp;
    for (auto& e : env_strings) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) {
        cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);

    const fs::path out = dir / "stdout";
    const fs::path err = dir / "stderr";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    Outcome o;
    const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        o.err = std::strerror(rc);
        return o;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = slurp(out);
    o.err = slurp(err);
    return o;
}

class PreloadRunTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::path(::testing::TempDir()) / ("fastmap-preload-" + std::to_string(getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir / "work");
    }
    void TearDown() override { fs::remove_all(dir); }

    Outcome probe(const std::vector<std::string>& extra) {
        return run({FASTMAP_PROBE_PATH, (dir / "work").string()}, extra, dir);
    }

    fs::path dir;
};

TEST_F(PreloadRunTest, ProbeBehavesTheSameWithoutAControlNode) {
    const Outcome plain = probe({});
    ASSERT_EQ(plain.status, 0) << plain.out << plain.err;
    EXPECT_NE(plain.out.find("failures = 0"), std::string::npos);
    EXPECT_NE(plain.out.find("mremap grow: ok"), std::string::npos);

    const Outcome preloaded =
        probe({std::string("LD_PRELOAD=") + FASTMAP_PRELOAD_PATH,
               "FASTMAP_CONTROL=" + (dir / "no-such-node").string(), "FASTMAP_PRELOAD_DEBUG=1"});
    EXPECT_EQ(preloaded.status, 0) << preloaded.err;
    EXPECT_EQ(preloaded.out, plain.out);
    EXPECT_EQ(preloaded.err, "");  // nothing routed, nothing to say
}

TEST_F(PreloadRunTest, ProbeBehavesTheSameWithAModuleWithoutPerFileMode) {
    // A control node that answers no ioctl (ENOTTY), as a module without per-file mode does.
    const fs::path node = dir / "control";
    std::ofstream(node) << "";
    const Outcome plain = probe({});
    const Outcome preloaded =
        probe({std::string("LD_PRELOAD=") + FASTMAP_PRELOAD_PATH,
               "FASTMAP_CONTROL=" + node.string(), "FASTMAP_PRELOAD_DEBUG=1"});
    EXPECT_EQ(preloaded.status, 0) << preloaded.err;
    EXPECT_EQ(preloaded.out, plain.out);
    EXPECT_EQ(preloaded.err, "");
}

TEST_F(PreloadRunTest, ProbeBehavesTheSameWithTheDefaultControlNode) {
    if (access(FASTMAP_CONTROL_NODE, F_OK) == 0) {
        GTEST_SKIP() << FASTMAP_CONTROL_NODE << " exists (the module is loaded)";
    }
    const Outcome plain = probe({});
    const Outcome preloaded = probe({std::string("LD_PRELOAD=") + FASTMAP_PRELOAD_PATH});
    EXPECT_EQ(preloaded.status, 0) << preloaded.err;
    EXPECT_EQ(preloaded.out, plain.out);
    EXPECT_EQ(preloaded.err, "");
}

// With fake_kernel_shim.cpp answering the per-file ioctls: the real interposers route.
TEST_F(PreloadRunTest, CallsOfAnEnabledFileGoToItsInstance) {
    const long page = sysconf(_SC_PAGESIZE);
    const fs::path work = dir / "work";
    std::ofstream(work / "data") << std::string(static_cast<std::size_t>(2 * page), 'F');
    std::ofstream(work / "data.fastmap") << std::string(static_cast<std::size_t>(2 * page), 'S');
    const fs::path node = dir / "control";
    std::ofstream(node) << "";
    const std::vector<std::string> env{
        std::string("LD_PRELOAD=") + FASTMAP_PRELOAD_PATH + ":" + FASTMAP_FAKE_KERNEL_PATH,
        "FASTMAP_CONTROL=" + node.string(), "FASTMAP_PRELOAD_DEBUG=1"};
    const Outcome o = run({FASTMAP_PROBE_PATH, "--routed", work.string()}, env, dir);
    EXPECT_EQ(o.status, 0) << o.out << o.err;
    EXPECT_NE(o.out.find("failures = 0"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("position = 6\n"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("append_position = " + std::to_string(2 * page + 1) + "\n"),
              std::string::npos)
        << o.out;
    // One debug line, for the one file routed.
    EXPECT_EQ(o.err.rfind("fastmap: " + (work / "data").string() + " -> fastmap instance f", 0), 0u)
        << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;

    // Files without an instance pass through even with the "module" there.
    const Outcome plain = probe({});
    const Outcome shimmed = probe(env);
    EXPECT_EQ(shimmed.status, 0) << shimmed.err;
    EXPECT_EQ(shimmed.out, plain.out);
    EXPECT_EQ(shimmed.err, "");
}

// An unmodified LMDB (lmdb-utils, when installed) through the preload and the stand-in kernel:
// the database lives in the "instance" (data.mdb.fastmap), the file itself stays empty.
TEST_F(PreloadRunTest, LmdbThroughTheFakeKernel) {
    if (access("/usr/bin/mdb_load", X_OK) != 0 || access("/usr/bin/mdb_dump", X_OK) != 0) {
        GTEST_SKIP() << "lmdb-utils is not installed";
    }
    const fs::path db = dir / "db";
    const fs::path copy = dir / "copy";
    fs::create_directories(db);
    fs::create_directories(copy);
    std::ofstream(db / "data.mdb.fastmap") << "";
    const fs::path node = dir / "control";
    std::ofstream(node) << "";
    {
        std::ofstream in(dir / "in.txt");
        in << "VERSION=3\nformat=print\ntype=btree\nmapsize=67108864\nHEADER=END\n";
        for (int i = 0; i < 3000; ++i) {
            in << " key" << i << "\n value-" << std::string(100, static_cast<char>('a' + i % 26))
               << "\n";
        }
        in << "DATA=END\n";
    }
    const std::vector<std::string> env{
        std::string("LD_PRELOAD=") + FASTMAP_PRELOAD_PATH + ":" + FASTMAP_FAKE_KERNEL_PATH,
        "FASTMAP_CONTROL=" + node.string()};
    Outcome o = run({"/usr/bin/mdb_load", "-f", (dir / "in.txt").string(), db.string()}, env, dir);
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(fs::file_size(db / "data.mdb"), 0u);
    EXPECT_GT(fs::file_size(db / "data.mdb.fastmap"), 100000u);

    const Outcome through = run({"/usr/bin/mdb_dump", "-p", db.string()}, env, dir);
    ASSERT_EQ(through.status, 0) << through.err;
    fs::copy_file(db / "data.mdb.fastmap", copy / "data.mdb");
    const Outcome direct = run({"/usr/bin/mdb_dump", "-p", copy.string()}, {}, dir);
    ASSERT_EQ(direct.status, 0) << direct.err;
    EXPECT_EQ(through.out, direct.out);
    EXPECT_NE(through.out.find(" key2999\n"), std::string::npos);
}

// The real fastmapctl: `run` finds the build tree's preload, checks the control node (answered
// by the stand-in) and execs the command with LD_PRELOAD, which then routes the enabled file.
TEST_F(PreloadRunTest, FastmapctlRunEndToEnd) {
    const long page = sysconf(_SC_PAGESIZE);
    const fs::path work = dir / "work";
    std::ofstream(work / "data") << std::string(static_cast<std::size_t>(2 * page), 'F');
    std::ofstream(work / "data.fastmap") << std::string(static_cast<std::size_t>(2 * page), 'S');
    const fs::path node = dir / "control";
    std::ofstream(node) << "";
    const std::vector<std::string> env{std::string("LD_PRELOAD=") + FASTMAP_FAKE_KERNEL_PATH,
                                       "FASTMAP_CONTROL=" + node.string(),
                                       "FASTMAP_PRELOAD_DEBUG=1"};
    Outcome o = run({FASTMAPCTL_PATH, "run", "--", FASTMAP_PROBE_PATH, "--routed", work.string()},
                    env, dir);
    EXPECT_EQ(o.status, 0) << o.out << o.err;
    EXPECT_NE(o.out.find("failures = 0"), std::string::npos) << o.out;
    EXPECT_EQ(o.err.rfind("fastmap: " + (work / "data").string() + " -> fastmap instance f", 0), 0u)
        << o.err;

    o = run({FASTMAPCTL_PATH, "run", "--", "no-such-command-xyz"}, env, dir);
    EXPECT_EQ(o.status, 127);
    EXPECT_EQ(o.err, "fastmapctl: run: no-such-command-xyz: command not found\n");
    // Without the stand-in, a regular file is a control node without FILE_OPEN (ENOTTY).
    o = run({FASTMAPCTL_PATH, "run", "--", "true"}, {"FASTMAP_CONTROL=" + node.string()}, dir);
    EXPECT_EQ(o.status, 3);
    EXPECT_NE(o.err.find("no per-file mode"), std::string::npos) << o.err;
    o = run({FASTMAPCTL_PATH, "run", "--", "true"}, {"FASTMAP_CONTROL=" + (dir / "none").string()},
            dir);
    EXPECT_EQ(o.status, 3);
    EXPECT_NE(o.err.find("fastmap kernel module is not loaded"), std::string::npos) << o.err;
}

TEST_F(PreloadRunTest, ShellPipelinesWork) {
    // Many processes, pipes, fork+exec with the preload inherited.
    const Outcome o =
        run({"/bin/sh", "-c", "printf 'a\\nb\\n' > f && sort -r f | head -1 && cat f | wc -l"},
            {std::string("LD_PRELOAD=") + FASTMAP_PRELOAD_PATH,
             "FASTMAP_CONTROL=" + (dir / "none").string()},
            dir);
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "b\n2\n");
}

class LibfastmapTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::path(::testing::TempDir()) / ("fastmap-lib-" + std::to_string(getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        setenv("FASTMAP_CONTROL", (dir / "no-such-node").c_str(), 1);
        file = (dir / "data").string();
        std::ofstream(file) << std::string(8192, 'z');
        fd = open(file.c_str(), O_RDWR | O_CLOEXEC);
        ASSERT_GE(fd, 0);
    }
    void TearDown() override {
        close(fd);
        unsetenv("FASTMAP_CONTROL");
        fs::remove_all(dir);
    }

    fs::path dir;
    std::string file;
    int fd = -1;
};

TEST_F(LibfastmapTest, WithoutTheModule) {
    EXPECT_STREQ(fastmap_version(), FASTMAP_VERSION);
    errno = 0;
    EXPECT_EQ(fastmap_file_open(fd), -1);
    EXPECT_EQ(errno, ENODEV);
    EXPECT_EQ(fastmap_file_enabled(fd), 0);
    fastmap_stats stats{};
    EXPECT_EQ(fastmap_file_stats(fd, &stats), -1);
    EXPECT_EQ(errno, ENODEV);

    // fastmap_mmap() is plain mmap() then.
    char* p =
        static_cast<char*>(fastmap_mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    ASSERT_NE(p, MAP_FAILED);
    EXPECT_EQ(p[4096], 'z');
    p[0] = 'A';
    EXPECT_EQ(msync(p, 8192, MS_SYNC), 0);
    munmap(p, 8192);
    char c = 0;
    EXPECT_EQ(pread(fd, &c, 1, 0), 1);
    EXPECT_EQ(c, 'A');
    void* anon = fastmap_mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(anon, MAP_FAILED);
    munmap(anon, 4096);
}

TEST_F(LibfastmapTest, NotRegularFilesAndBadFds) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    EXPECT_EQ(fastmap_file_enabled(p[0]), 0);
    fastmap_stats stats{};
    EXPECT_EQ(fastmap_file_stats(p[0], &stats), -1);  // not a fastmap fd: ENOTTY
    EXPECT_EQ(errno, ENOTTY);
    close(p[0]);
    close(p[1]);
    EXPECT_EQ(fastmap_file_enabled(-1), -1);
    EXPECT_EQ(errno, EBADF);
}

}  // namespace
