// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl run [--quiet] -- COMMAND ARGS...: COMMAND with libfastmap-preload.so in LD_PRELOAD,
// so that its mappings and I/O of enabled files go through fastmap.
#include <elf.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fastmap.h"
#include "fastmap_paths.h"
#include "output.hpp"

namespace fastmap::cli {
namespace {

constexpr std::string_view kVerb = "run";
constexpr const char* kPreloadName = "libfastmap-preload.so";

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

// FASTMAP_IOC_FILE_OPEN with a bad fd: EBADF from a module with per-file mode, ENOTTY without.
int probe_control_node(const std::string& control) {
    const int ctl = ::open(control.c_str(), O_RDONLY | O_CLOEXEC);
    if (ctl < 0) {
        return errno;
    }
    fastmap_file_open arg{};
    arg.fd = -1;
    const int r = ::ioctl(ctl, FASTMAP_IOC_FILE_OPEN, &arg);
    const int e = errno;
    ::close(ctl);
    if (r >= 0) {
        ::close(r);  // (cannot happen with fd -1)
        return 0;
    }
    return e == ENOTTY ? ENOTTY : 0;
}

int exec_with_preload(const std::string& path, const std::vector<std::string>& argv,
                      const std::string& ld_preload) {
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    if (::setenv("LD_PRELOAD", ld_preload.c_str(), 1) != 0) {
        return errno;
    }
    ::execv(path.c_str(), args.data());
    return errno;
}

// Whether an LD_PRELOAD value (entries separated by ':' or ' ') names path already.
bool preload_has(const std::string& list, const std::string& path) {
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t end = list.find_first_of(": ", start);
        const std::string entry =
            list.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (entry == path) {
            return true;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return false;
}

template <typename Ehdr, typename Phdr>
ElfLinkage scan_program_headers(std::ifstream& in) {
    Ehdr eh{};
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(&eh), sizeof(eh))) {
        return ElfLinkage::kUnreadable;
    }
    if (eh.e_phentsize != sizeof(Phdr)) {
        return eh.e_phnum == 0 ? ElfLinkage::kStatic : ElfLinkage::kUnreadable;
    }
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Phdr ph{};
        in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * sizeof(Phdr)));
        if (!in.read(reinterpret_cast<char*>(&ph), sizeof(ph))) {
            return ElfLinkage::kUnreadable;
        }
        if (ph.p_type == PT_INTERP) {
            return ElfLinkage::kDynamic;
        }
    }
    return ElfLinkage::kStatic;
}

}  // namespace

RunSplit split_run_args(const std::vector<std::string>& args, RunArgs& out, std::string& error) {
    std::size_t i = 0;
    while (i < args.size() && args[i] == "--no-daemon") {
        ++i;
    }
    if (i == args.size() || args[i] != "run") {
        return RunSplit::kNotRun;
    }
    RunArgs parsed;
    for (++i; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "-q" || a == "--quiet") {
            parsed.quiet = true;
        } else if (a == "-h" || a == "--help") {
            return RunSplit::kNotRun;
        } else if (!a.empty() && a[0] == '-') {
            error = "unknown option " + a + " (the command goes after --)";
            return RunSplit::kError;
        } else {
            break;  // COMMAND
        }
    }
    parsed.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (parsed.command.empty() || parsed.command.front().empty()) {
        error = "COMMAND is required: fastmapctl run [--quiet] -- COMMAND [ARGS...]";
        return RunSplit::kError;
    }
    out = std::move(parsed);
    return RunSplit::kRun;
}

RunSystem real_run_system() {
    RunSystem sys;
    sys.getenv = [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (v == nullptr) {
            return std::nullopt;
        }
        return std::string(v);
    };
    sys.control_node = FASTMAP_CONTROL_NODE;
    sys.probe_control = probe_control_node;
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        sys.self_exe.assign(exe, static_cast<std::size_t>(n));
    }
    sys.build_preload = FASTMAP_PRELOAD_BUILD_PATH;
    sys.exec = exec_with_preload;
    return sys;
}

std::string find_preload(const RunSystem& sys, std::vector<std::string>* tried) {
    std::vector<std::string> candidates;
    if (auto lib = sys.getenv("FASTMAP_PRELOAD_LIB"); lib && !lib->empty()) {
        candidates.push_back(*lib);  // the override alone: no silent fallback
    } else {
        if (!sys.self_exe.empty()) {
            const std::string prefix = dir_of(sys.self_exe) + "/..";
            const std::string install_dir = FASTMAP_PRELOAD_INSTALL_DIR;
            if (!install_dir.empty() && install_dir.front() == '/') {
                candidates.push_back(install_dir + "/" + kPreloadName);
            } else if (!install_dir.empty()) {
                candidates.push_back(prefix + "/" + install_dir + "/" + kPreloadName);
            }
            candidates.push_back(prefix + "/lib/fastmap/" + kPreloadName);
            const std::string multiarch = FASTMAP_MULTIARCH;
            if (!multiarch.empty()) {
                candidates.push_back(prefix + "/lib/" + multiarch + "/fastmap/" + kPreloadName);
            }
        }
        if (!sys.build_preload.empty()) {
            candidates.push_back(sys.build_preload);
        }
    }
    for (const auto& c : candidates) {
        if (tried != nullptr && std::find(tried->begin(), tried->end(), c) == tried->end()) {
            tried->push_back(c);
        }
        if (is_file(c)) {
            char real[PATH_MAX];
            return ::realpath(c.c_str(), real) != nullptr ? std::string(real) : c;
        }
    }
    return "";
}

ElfLinkage elf_linkage(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return ElfLinkage::kUnreadable;
    }
    unsigned char ident[EI_NIDENT] = {};
    in.read(reinterpret_cast<char*>(ident), sizeof(ident));
    const auto got = in.gcount();
    if (got < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
        return ElfLinkage::kNotElf;  // a script, or anything else execve() may take
    }
    if (got < EI_NIDENT) {
        return ElfLinkage::kUnreadable;
    }
    in.clear();
    if (ident[EI_CLASS] == ELFCLASS64) {
        return scan_program_headers<Elf64_Ehdr, Elf64_Phdr>(in);
    }
    if (ident[EI_CLASS] == ELFCLASS32) {
        return scan_program_headers<Elf32_Ehdr, Elf32_Phdr>(in);
    }
    return ElfLinkage::kUnreadable;
}

std::string resolve_command(const std::string& command, const std::optional<std::string>& path,
                            int* err) {
    *err = ENOENT;
    auto usable = [&](const std::string& candidate) {
        struct stat st {};
        if (::stat(candidate.c_str(), &st) != 0) {
            return false;
        }
        if (!S_ISREG(st.st_mode) || ::access(candidate.c_str(), X_OK) != 0) {
            *err = EACCES;  // found, but not something we may run
            return false;
        }
        return true;
    };
    if (command.find('/') != std::string::npos) {
        return usable(command) ? command : "";
    }
    // As execvp(): PATH, or its default; an empty entry is the current directory.
    const std::string dirs = path.value_or("/bin:/usr/bin");
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = dirs.find(':', start);
        std::string dir = dirs.substr(start, end == std::string::npos ? end : end - start);
        if (dir.empty()) {
            dir = ".";
        }
        if (const std::string candidate = dir + "/" + command; usable(candidate)) {
            return candidate;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return "";
}

int verb_run(const RunArgs& args, const RunSystem& sys, std::ostream& out, std::ostream& err) {
    if (args.command.empty()) {
        return report_usage(err, kVerb, "COMMAND is required");
    }
    const std::string& command = args.command.front();

    // The module, with per-file mode.
    const std::string control = sys.getenv("FASTMAP_CONTROL").value_or(sys.control_node);
    struct stat st {};
    if (::stat(control.c_str(), &st) != 0) {
        return report_error(err, kVerb,
                            {kErrModuleNotLoaded, "fastmap kernel module is not loaded (no " +
                                                      control + "; modprobe fastmap)"});
    }
    if (const int probe = sys.probe_control ? sys.probe_control(control) : 0; probe != 0) {
        if (probe == ENOTTY) {
            return report_error(err, kVerb,
                                {kErrModuleNotLoaded,
                                 "the loaded fastmap module has no per-file mode (" + control +
                                     " does not know FASTMAP_IOC_FILE_OPEN; load a newer one)"});
        }
        return report_error(err, kVerb,
                            {probe, "cannot open " + control + ": " + std::strerror(probe)});
    }

    // The preload library.
    std::vector<std::string> tried;
    const std::string preload = find_preload(sys, &tried);
    if (preload.empty()) {
        std::string looked;
        for (const auto& t : tried) {
            looked += (looked.empty() ? "" : ", ") + t;
        }
        if (auto lib = sys.getenv("FASTMAP_PRELOAD_LIB"); lib && !lib->empty()) {
            return report_error(err, kVerb, {ENOENT, "FASTMAP_PRELOAD_LIB: no such file: " + *lib});
        }
        return report_error(err, kVerb,
                            {ENOENT, std::string("cannot find ") + kPreloadName + " (looked in: " +
                                         looked + "); set FASTMAP_PRELOAD_LIB to its path"});
    }
    if (preload.find_first_of(": ") != std::string::npos) {
        return report_error(err, kVerb,
                            {EINVAL, "LD_PRELOAD cannot name " + preload +
                                         " (it contains ':' or a space); install it elsewhere"});
    }

    // The command, as execvp() would find it.
    int not_found = ENOENT;
    const std::string resolved = resolve_command(command, sys.getenv("PATH"), &not_found);
    if (resolved.empty()) {
        if (not_found == EACCES) {
            err << "fastmapctl: run: " << command << ": permission denied\n";
            return kExitCannotRun;
        }
        err << "fastmapctl: run: " << command << ": command not found\n";
        return kExitNotFound;
    }
    if (!args.quiet && elf_linkage(resolved) == ElfLinkage::kStatic) {
        err << "fastmapctl: run: warning: " << resolved
            << " is statically linked; LD_PRELOAD cannot reach it, so its files will not go "
               "through fastmap\n";
    }

    std::string ld_preload = preload;
    if (auto old = sys.getenv("LD_PRELOAD"); old && !old->empty()) {
        ld_preload = preload_has(*old, preload) ? *old : preload + ":" + *old;
    }
    out.flush();
    err.flush();
    const int e = sys.exec(resolved, args.command, ld_preload);
    err << "fastmapctl: run: " << command << ": " << std::strerror(e) << '\n';
    return e == ENOENT ? kExitNotFound : kExitCannotRun;
}

}  // namespace fastmap::cli
