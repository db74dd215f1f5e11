// SPDX-License-Identifier: GPL-2.0-only
#include "engine/proc_maps.hpp"

#include <charconv>
#include <system_error>

#include "engine/proc_file.hpp"

namespace fastmap::daemon {
namespace {

// Splits off the next field separated by spaces; empty when none is left.
std::string_view next_field(std::string_view& rest) {
    const auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    const auto end = rest.find(' ');
    const std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return field;
}

template <typename T>
bool parse_number(std::string_view s, T& out, int base) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::optional<MapsEntry> parse_maps_line(std::string_view line) {
    if (!line.empty() && line.back() == '\n') {
        line.remove_suffix(1);
    }
    std::string_view rest = line;
    next_field(rest);  // range
    next_field(rest);  // perms
    next_field(rest);  // offset
    const std::string_view dev = next_field(rest);
    const std::string_view inode = next_field(rest);
    const auto colon = dev.find(':');
    MapsEntry entry;
    if (colon == std::string_view::npos ||
        !parse_number(dev.substr(0, colon), entry.key.dev.major, 16) ||
        !parse_number(dev.substr(colon + 1), entry.key.dev.minor, 16) ||
        !parse_number(inode, entry.key.ino, 10) || entry.key.ino == 0) {
        return std::nullopt;
    }
    const auto path_start = rest.find_first_not_of(' ');
    if (path_start == std::string_view::npos || rest[path_start] != '/') {
        return std::nullopt;
    }
    const std::string_view path = rest.substr(path_start);
    constexpr std::string_view kDeleted = " (deleted)";
    if (path.ends_with(kDeleted)) {
        return std::nullopt;
    }
    entry.path = std::string(path);
    return entry;
}

ProcMapsResolver::ProcMapsResolver(std::filesystem::path proc_root) : root_(std::move(proc_root)) {}

std::optional<std::string> ProcMapsResolver::resolve(const FileKey& key) {
    const Key k{key.dev.major, key.dev.minor, key.ino};
    auto it = cache_.find(k);
    if (it == cache_.end()) {
        rescan();
        it = cache_.find(k);
        if (it == cache_.end()) {
            return std::nullopt;
        }
    }
    return it->second;
}

void ProcMapsResolver::rescan() {
    ++scans_;
    std::map<Key, std::string> found;
    std::error_code ec;
    std::filesystem::directory_iterator dir(root_, ec);
    const std::filesystem::directory_iterator end;
    for (; !ec && dir != end; dir.increment(ec)) {
        if (!all_digits(dir->path().filename().native())) {
            continue;
        }
        auto text = read_text_file(dir->path() / "maps");
        if (!text) {
            continue;  // exited (ENOENT, ESRCH) or not ours to read (EACCES)
        }
        std::string_view rest = *text;
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            if (auto entry = parse_maps_line(rest.substr(0, nl))) {
                const FileKey& fk = entry->key;
                found.try_emplace(Key{fk.dev.major, fk.dev.minor, fk.ino}, std::move(entry->path));
            }
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        }
    }
    cache_ = std::move(found);
}

}  // namespace fastmap::daemon
