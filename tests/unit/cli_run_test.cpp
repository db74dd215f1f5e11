// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl run: argument splitting, finding the preload, the command and its linkage, and the
// exec with LD_PRELOAD, on a fake system (nothing is executed).
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fake_control.hpp"

namespace fastmap::cli {
namespace {

namespace fs = std::filesystem;

struct Outcome {
    int rc;
    std::string out;
    std::string err;
};

void touch(const fs::path& p, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
    fs::permissions(p, perms);
}

// A minimal ELF64 file: a PT_LOAD header, and a PT_INTERP one when dynamic.
void write_elf(const fs::path& p, bool dynamic) {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(eh);
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = dynamic ? 2 : 1;
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    Elf64_Phdr interp{};
    interp.p_type = PT_INTERP;
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&eh), sizeof(eh));
    out.write(reinterpret_cast<const char*>(&load), sizeof(load));
    if (dynamic) {
        out.write(reinterpret_cast<const char*>(&interp), sizeof(interp));
    }
    out.close();
    fs::permissions(p, fs::perms::owner_all);
}

class CliRunTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::weakly_canonical(fs::path(::testing::TempDir()) /
                                   ("fastmap-cli-run-" + std::to_string(::getpid())));
        fs::remove_all(dir);
        fs::create_directories(dir / "bin");
        control = dir / "control";
        touch(control);
        // An install tree: PREFIX/bin/fastmapctl and PREFIX/LIBDIR/fastmap/the preload.
        exe = dir / "prefix/bin/fastmapctl";
        touch(exe, fs::perms::owner_all);
        write_elf(dir / "bin/dyn", true);
        write_elf(dir / "bin/static", false);
        env["PATH"] = (dir / "bin").string();

        sys.getenv = [this](const std::string& name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end()) {
                return std::nullopt;
            }
            return it->second;
        };
        sys.control_node = control.string();
        sys.probe_control = [this](const std::string& path) {
            probed = path;
            return probe_result;
        };
        sys.self_exe = exe.string();
        sys.build_preload = "";
        sys.exec = [this](const std::string& path, const std::vector<std::string>& argv,
                          const std::string& ld_preload) {
            execs.push_back({path, argv, ld_preload});
            return exec_errno;
        };
    }
    void TearDown() override { fs::remove_all(dir); }

    Outcome run_cli(std::vector<std::string> args) {
        std::ostringstream out, err;
        Env e;
        e.run = &sys;
        const int rc = run(args, ctl, e, out, err);
        return {rc, out.str(), err.str()};
    }
    fs::path installed_preload() {
        const fs::path p = dir / "prefix/lib/fastmap/libfastmap-preload.so";
        touch(p);
        return p;
    }

    struct Exec {
        std::string path;
        std::vector<std::string> argv;
        std::string ld_preload;
    };
    fs::path dir;
    fs::path control;
    fs::path exe;
    std::map<std::string, std::string> env;
    RunSystem sys;
    std::string probed;
    int probe_result = 0;
    int exec_errno = ENOEXEC;
    std::vector<Exec> execs;
    test::FakeControl ctl;
};

TEST(SplitRunArgs, Forms) {
    RunArgs a;
    std::string error;
    EXPECT_EQ(split_run_args({"list"}, a, error), RunSplit::kNotRun);
    EXPECT_EQ(split_run_args({}, a, error), RunSplit::kNotRun);
    ASSERT_EQ(split_run_args({"run", "--", "ls", "-l", "--quiet"}, a, error), RunSplit::kRun);
    EXPECT_FALSE(a.quiet);
    EXPECT_EQ(a.command, (std::vector<std::string>{"ls", "-l", "--quiet"}));
    ASSERT_EQ(split_run_args({"--no-daemon", "run", "-q", "ls", "--", "x"}, a, error),
              RunSplit::kRun);
    EXPECT_TRUE(a.quiet);
    EXPECT_EQ(a.command, (std::vector<std::string>{"ls", "--", "x"}));
    ASSERT_EQ(split_run_args({"run", "--quiet", "--", "--weird-name"}, a, error), RunSplit::kRun);
    EXPECT_EQ(a.command, (std::vector<std::string>{"--weird-name"}));
    EXPECT_EQ(split_run_args({"run", "--help"}, a, error), RunSplit::kNotRun);
    EXPECT_EQ(split_run_args({"run"}, a, error), RunSplit::kError);
    EXPECT_EQ(split_run_args({"run", "--"}, a, error), RunSplit::kError);
    EXPECT_EQ(split_run_args({"run", "--bogus", "ls"}, a, error), RunSplit::kError);
    EXPECT_NE(error.find("--bogus"), std::string::npos);
}

TEST_F(CliRunTest, ExecsTheCommandWithThePreloadFirst) {
    const fs::path preload = installed_preload();
    env["LD_PRELOAD"] = "/other/lib.so";
    auto r = run_cli({"run", "--", "dyn", "--flag", "arg"});
    EXPECT_EQ(r.rc, kExitCannotRun);  // the fake exec "failed" with ENOEXEC
    ASSERT_EQ(execs.size(), 1u);
    EXPECT_EQ(execs[0].path, (dir / "bin/dyn").string());
    EXPECT_EQ(execs[0].argv, (std::vector<std::string>{"dyn", "--flag", "arg"}));
    EXPECT_EQ(execs[0].ld_preload, preload.string() + ":/other/lib.so");
    EXPECT_EQ(probed, control.string());
    EXPECT_EQ(r.err, "fastmapctl: run: dyn: " + std::string(std::strerror(ENOEXEC)) + "\n");

    // Already in LD_PRELOAD: not twice.
    env["LD_PRELOAD"] = "/other/lib.so " + preload.string();
    run_cli({"run", "dyn"});
    ASSERT_EQ(execs.size(), 2u);
    EXPECT_EQ(execs[1].ld_preload, env["LD_PRELOAD"]);
    env.erase("LD_PRELOAD");
    run_cli({"run", "dyn"});
    EXPECT_EQ(execs.back().ld_preload, preload.string());
}

TEST_F(CliRunTest, MissingCommandIs127) {
    installed_preload();
    auto r = run_cli({"run", "--", "no-such-command-xyz"});
    EXPECT_EQ(r.rc, kExitNotFound);
    EXPECT_EQ(r.err, "fastmapctl: run: no-such-command-xyz: command not found\n");
    EXPECT_TRUE(execs.empty());
    r = run_cli({"run", "--", (dir / "nope").string()});
    EXPECT_EQ(r.rc, kExitNotFound);
    // Found but not executable: 126.
    touch(dir / "bin/plain");
    r = run_cli({"run", "--", "plain"});
    EXPECT_EQ(r.rc, kExitCannotRun);
    EXPECT_EQ(r.err, "fastmapctl: run: plain: permission denied\n");
    // The exec itself says ENOENT (e.g. a missing interpreter): 127 too.
    exec_errno = ENOENT;
    r = run_cli({"run", "--", "dyn"});
    EXPECT_EQ(r.rc, kExitNotFound);
}

TEST_F(CliRunTest, UsageErrors) {
    EXPECT_EQ(run_cli({"run"}).rc, kExitUsage);
    auto r = run_cli({"run", "-x", "ls"});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_EQ(r.err, "fastmapctl: run: unknown option -x (the command goes after --)\n");
    EXPECT_TRUE(execs.empty());
}

TEST_F(CliRunTest, StaticBinariesGetAWarning) {
    installed_preload();
    auto r = run_cli({"run", "--", "static"});
    ASSERT_EQ(execs.size(), 1u);  // it still runs
    EXPECT_NE(r.err.find("fastmapctl: run: warning: " + (dir / "bin/static").string() +
                         " is statically linked"),
              std::string::npos)
        << r.err;
    r = run_cli({"run", "--quiet", "--", "static"});
    EXPECT_EQ(r.err.find("warning"), std::string::npos);
    r = run_cli({"run", "--", "dyn"});
    EXPECT_EQ(r.err.find("warning"), std::string::npos);
}

TEST_F(CliRunTest, ModuleNotLoadedOrTooOld) {
    installed_preload();
    fs::remove(control);
    auto r = run_cli({"run", "--", "dyn"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_EQ(r.err, "fastmapctl: run: fastmap kernel module is not loaded (no " +
                         control.string() + "; modprobe fastmap)\n");
    // $FASTMAP_CONTROL names another node.
    const fs::path other = dir / "other-control";
    touch(other);
    env["FASTMAP_CONTROL"] = other.string();
    probe_result = ENOTTY;
    r = run_cli({"run", "--", "dyn"});
    EXPECT_EQ(r.rc, kExitNotLoaded);
    EXPECT_NE(r.err.find("no per-file mode"), std::string::npos);
    EXPECT_EQ(probed, other.string());
    EXPECT_TRUE(execs.empty());
}

TEST_F(CliRunTest, PreloadLookup) {
    std::vector<std::string> tried;
    EXPECT_EQ(find_preload(sys, &tried), "");
    const std::string lib_fastmap =
        (dir / "prefix/bin/../lib/fastmap/libfastmap-preload.so").string();
    EXPECT_NE(std::find(tried.begin(), tried.end(), lib_fastmap), tried.end());
    auto r = run_cli({"run", "--", "dyn"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_NE(r.err.find("cannot find libfastmap-preload.so"), std::string::npos);
    EXPECT_NE(r.err.find("FASTMAP_PRELOAD_LIB"), std::string::npos);

    // The build tree's, last.
    const fs::path build = dir / "build/libfastmap/libfastmap-preload.so";
    touch(build);
    sys.build_preload = build.string();
    EXPECT_EQ(find_preload(sys), build.string());
#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
    // The multiarch directory of an install (Debian's LIBDIR for prefix /usr), before it.
    const fs::path multiarch = dir / "prefix/lib/x86_64-linux-gnu/fastmap/libfastmap-preload.so";
    touch(multiarch);
    EXPECT_EQ(find_preload(sys), multiarch.string());
#endif
    // PREFIX/lib/fastmap before both.
    const fs::path installed = installed_preload();
    EXPECT_EQ(find_preload(sys), installed.string());

    // FASTMAP_PRELOAD_LIB overrides, and is not silently replaced when it is wrong.
    const fs::path mine = dir / "mine/libfastmap-preload.so";
    touch(mine);
    env["FASTMAP_PRELOAD_LIB"] = mine.string();
    EXPECT_EQ(find_preload(sys), mine.string());
    r = run_cli({"run", "dyn"});
    ASSERT_EQ(execs.size(), 1u);
    EXPECT_EQ(execs[0].ld_preload, mine.string());
    env["FASTMAP_PRELOAD_LIB"] = (dir / "missing.so").string();
    EXPECT_EQ(find_preload(sys), "");
    r = run_cli({"run", "dyn"});
    EXPECT_EQ(r.rc, kExitRuntime);
    EXPECT_EQ(r.err, "fastmapctl: run: FASTMAP_PRELOAD_LIB: no such file: " +
                         (dir / "missing.so").string() + "\n");
}

TEST_F(CliRunTest, RealSystemDefaults) {
    const RunSystem real = real_run_system();
    EXPECT_EQ(real.control_node, "/dev/fastmap/control");
    EXPECT_FALSE(real.self_exe.empty());
    EXPECT_FALSE(real.build_preload.empty());  // the unit tests run from a build tree
    EXPECT_TRUE(real.getenv("PATH").has_value());
    EXPECT_FALSE(real.getenv("FASTMAP_SURELY_UNSET_VARIABLE").has_value());
}

TEST_F(CliRunTest, ElfLinkage) {
    EXPECT_EQ(elf_linkage((dir / "bin/dyn").string()), ElfLinkage::kDynamic);
    EXPECT_EQ(elf_linkage((dir / "bin/static").string()), ElfLinkage::kStatic);
    touch(dir / "script");
    EXPECT_EQ(elf_linkage((dir / "script").string()), ElfLinkage::kNotElf);
    EXPECT_EQ(elf_linkage((dir / "missing").string()), ElfLinkage::kUnreadable);
    EXPECT_EQ(elf_linkage("/bin/sh"), ElfLinkage::kDynamic);
    {
        std::ofstream(dir / "short", std::ios::binary) << "\x7f"
                                                          "ELF";
    }
    EXPECT_NE(elf_linkage((dir / "short").string()), ElfLinkage::kDynamic);
}

TEST_F(CliRunTest, ResolveCommand) {
    int e = 0;
    EXPECT_EQ(resolve_command("dyn", (dir / "bin").string(), &e), (dir / "bin/dyn").string());
    EXPECT_EQ(resolve_command("dyn", "/nonexistent:" + (dir / "bin").string(), &e),
              (dir / "bin/dyn").string());
    EXPECT_EQ(resolve_command("dyn", std::string("/nonexistent"), &e), "");
    EXPECT_EQ(e, ENOENT);
    EXPECT_EQ(resolve_command("sh", std::nullopt, &e), "/bin/sh");  // execvp()'s default PATH
    EXPECT_EQ(resolve_command((dir / "bin/dyn").string(), std::nullopt, &e),
              (dir / "bin/dyn").string());
    EXPECT_EQ(resolve_command("bin", dir.string(), &e), "");  // a directory
    EXPECT_EQ(e, EACCES);
}

}  // namespace
}  // namespace fastmap::cli
