// SPDX-License-Identifier: GPL-2.0-only
#include "core/file_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <system_error>

#include "fastmap.h"
#include "files.hpp"
#include "read_file.hpp"
#include "units.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr std::size_t kMaxStateSize = 16 << 20;  // 4096 entries of a few hundred bytes fit

Error sys_error(const std::string& what, int err) {
    return Error{err, what + ": " + std::strerror(err)};
}

Result<std::string> read_all(const fs::path& file) {
    auto text = read_small_file(file, kMaxStateSize);
    if (!text && text.error().code == EFBIG) {
        return Error{EFBIG, "larger than 16 MiB"};
    }
    return text;
}

Result<void> write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return Error{errno, std::strerror(errno)};
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// One entry of the "files" array, or why it is skipped.
Result<PersistedFile> parse_entry(const json& j) {
    if (!j.is_object()) {
        return Error{EINVAL, "not an object"};
    }
    PersistedFile f;
    const auto path = j.find("path");
    if (path == j.end() || !path->is_string() || !path->get<std::string>().starts_with('/')) {
        return Error{EINVAL, "\"path\" is not an absolute path"};
    }
    f.path = path->get<std::string>();
    const auto origin = j.find("origin");
    std::optional<FileOrigin> parsed;
    if (origin != j.end() && origin->is_string()) {
        parsed = parse_origin(origin->get<std::string>());
    }
    if (!parsed) {
        return Error{EINVAL, f.path + ": \"origin\" is not \"policy\", \"operator\" or \"auto\""};
    }
    f.origin = *parsed;
    if (const auto cache = j.find("cache"); cache != j.end() && !cache->is_null()) {
        std::optional<std::uint64_t> bytes;
        if (cache->is_number_unsigned()) {
            bytes = cache->get<std::uint64_t>();
        } else if (cache->is_string()) {
            if (auto b = parse_size(cache->get<std::string>())) {
                bytes = *b;
            }
        }
        if (!bytes || *bytes < FASTMAP_CACHE_MIN) {
            return Error{EINVAL, f.path + ": \"cache\" is not a size of at least 256 KiB"};
        }
        f.cache_bytes = bytes;
    }
    if (const auto time = j.find("time"); time != j.end() && time->is_string()) {
        f.time = time->get<std::string>();
    }
    // The key is informational (it finds the table entry of a file that is gone): a bad one is
    // dropped, not the entry.
    const auto dev = j.find("dev");
    const auto ino = j.find("ino");
    if (dev != j.end() && dev->is_string() && ino != j.end() && ino->is_number_unsigned()) {
        if (auto d = parse_dev(dev->get<std::string>())) {
            f.key = FileKey{*d, ino->get<std::uint64_t>()};
        }
    }
    return f;
}

}  // namespace

std::string_view to_string(FileOrigin origin) {
    switch (origin) {
        case FileOrigin::kPolicy:
            return "policy";
        case FileOrigin::kOperator:
            return "operator";
        case FileOrigin::kAuto:
            return "auto";
    }
    return "operator";
}

std::optional<FileOrigin> parse_origin(std::string_view text) {
    if (text == "policy") {
        return FileOrigin::kPolicy;
    }
    if (text == "operator") {
        return FileOrigin::kOperator;
    }
    if (text == "auto") {
        return FileOrigin::kAuto;
    }
    return std::nullopt;
}

fs::path state_file_under(const fs::path& root) {
    return root / "var/lib/fastmap/files.json";
}

FileStateLoad parse_file_state(std::string_view text, std::string_view name) {
    FileStateLoad out;
    const std::string where(name);
    auto corrupt = [&](const std::string& why) {
        out.files.clear();
        out.corrupt = true;
        out.warnings.push_back(where + ": " + why);
        return out;
    };
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
        return corrupt("not valid JSON");
    }
    if (!doc.is_object()) {
        return corrupt("not a JSON object");
    }
    if (const auto v = doc.find("version");
        v == doc.end() || !v->is_number_unsigned() || v->get<std::uint64_t>() != kFormatVersion) {
        return corrupt("\"version\" is not 1");
    }
    const auto files = doc.find("files");
    if (files == doc.end() || !files->is_array()) {
        return corrupt("\"files\" is not an array");
    }
    for (std::size_t i = 0; i < files->size(); ++i) {
        auto entry = parse_entry((*files)[i]);
        if (!entry) {
            out.warnings.push_back(where + ": files[" + std::to_string(i) +
                                   "] skipped: " + entry.error().message);
            continue;
        }
        bool duplicate = false;
        for (const auto& f : out.files) {
            duplicate = duplicate || f.path == entry->path;
        }
        if (duplicate) {
            out.warnings.push_back(where + ": files[" + std::to_string(i) +
                                   "] skipped: " + entry->path + " is listed twice");
            continue;
        }
        out.files.push_back(std::move(*entry));
    }
    return out;
}

FileStateLoad load_file_state(const fs::path& file) {
    auto text = read_all(file);
    if (!text) {
        FileStateLoad out;
        if (text.error().code != ENOENT) {
            out.warnings.push_back(file.string() + ": cannot read: " + text.error().message);
        }
        return out;
    }
    return parse_file_state(*text, file.string());
}

std::string file_state_text(const std::vector<PersistedFile>& files) {
    json entries = json::array();
    for (const auto& f : files) {
        json j{{"path", f.path}, {"origin", std::string(to_string(f.origin))}, {"time", f.time}};
        if (f.cache_bytes) {
            j["cache"] = *f.cache_bytes;
        }
        if (f.key) {
            j["dev"] = f.key->dev.str();
            j["ino"] = f.key->ino;
        }
        entries.push_back(std::move(j));
    }
    const json doc{
        {"comment",
         "Written by fastmapd: the files it enables again after a reboot or when the fastmap "
         "module is loaded again. See fastmapd(8) and docs/daemon.md."},
        {"version", kFormatVersion},
        {"files", std::move(entries)}};
    return doc.dump(2) + "\n";
}

Result<void> write_file_atomically(const fs::path& file, std::string_view text) {
    const fs::path dir = file.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return Error{ec.value(), "cannot create " + dir.string() + ": " + ec.message()};
    }
    const fs::path tmp = file.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return sys_error("cannot create " + tmp.string(), errno);
    }
    auto written = write_all(fd, text);
    if (written && ::fsync(fd) < 0) {
        written = sys_error("fsync " + tmp.string(), errno);
    } else if (!written) {
        written = Error{written.error().code,
                        "cannot write " + tmp.string() + ": " + written.error().message};
    }
    if (::close(fd) < 0 && written) {
        written = sys_error("cannot write " + tmp.string(), errno);
    }
    if (!written) {
        ::unlink(tmp.c_str());
        return written;
    }
    if (::rename(tmp.c_str(), file.c_str()) < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return sys_error("cannot rename " + tmp.string() + " to " + file.string(), err);
    }
    // The rename is durable once the directory is.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

Result<void> save_file_state(const fs::path& file, const std::vector<PersistedFile>& files) {
    return write_file_atomically(file, file_state_text(files));
}

std::string format_utc(std::uint64_t realtime_us) {
    const auto secs = static_cast<time_t>(realtime_us / 1000000ULL);
    struct tm tm {};
    if (::gmtime_r(&secs, &tm) == nullptr) {
        return "";
    }
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

}  // namespace fastmap::daemon
