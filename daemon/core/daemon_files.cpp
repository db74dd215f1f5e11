// SPDX-License-Identifier: GPL-2.0-only
// Daemon: the enable table. What fastmapd enables (the policy's "files", an operator's
// EnableFile, auto-enable) is recorded with its origin in the state file and enabled again by
// path at start, after a reload and when the module comes back (docs/daemon.md#persistence).
#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "core/daemon.hpp"
#include "units.hpp"

namespace fastmap::daemon {
namespace {

// The path fastmapd gives the kernel with a file (informational there; too long: none).
std::string kernel_path(const std::string& path) {
    return path.size() <= kFilePathMax ? path : std::string();
}

bool policy_lists(const Policy& policy, std::string_view path) {
    return std::any_of(policy.files.begin(), policy.files.end(),
                       [&](const FileSpec& f) { return f.path == path; });
}

std::string with_cache(std::optional<std::uint64_t> cache_bytes) {
    return cache_bytes ? " with a " + format_bytes(*cache_bytes) + " cache" : "";
}

const FileEntry* find_key(const std::vector<FileEntry>& table, const FileKey& key) {
    auto it =
        std::find_if(table.begin(), table.end(), [&](const FileEntry& e) { return e.key == key; });
    return it == table.end() ? nullptr : &*it;
}

// The table entry fastmapd made for rec: its key and the path fastmapd gave.
const FileEntry* entry_of(const std::vector<FileEntry>& table, const PersistedFile& rec) {
    if (!rec.key) {
        return nullptr;
    }
    const FileEntry* e = find_key(table, *rec.key);
    return e != nullptr && e->path == kernel_path(rec.path) ? e : nullptr;
}

}  // namespace

PersistedFile* Daemon::find_file(std::string_view path) {
    auto it = std::find_if(files_.begin(), files_.end(),
                           [&](const PersistedFile& f) { return f.path == path; });
    return it == files_.end() ? nullptr : &*it;
}

void Daemon::forget_file(std::string_view path, const std::optional<FileKey>& key) {
    std::erase_if(files_, [&](const PersistedFile& f) {
        return f.path == path || (key && f.key && *f.key == *key);
    });
}

void Daemon::load_state() {
    if (state_file_.empty()) {
        return;
    }
    FileStateLoad loaded = load_file_state(state_file_);
    for (const auto& warning : loaded.warnings) {
        log_.log(LogLevel::kWarning, "state file " + warning);
    }
    if (loaded.corrupt) {
        // Kept for a look; the next change writes a fresh state file.
        const std::filesystem::path aside = state_file_.string() + ".corrupt";
        std::error_code ec;
        std::filesystem::rename(state_file_, aside, ec);
        log_.log(LogLevel::kWarning, "state file ignored: no file is enabled from it" +
                                         (ec ? std::string() : "; moved to " + aside.string()));
    }
    files_ = std::move(loaded.files);
    if (!files_.empty()) {
        log_.log(LogLevel::kInfo, "state file " + state_file_.string() + ": " +
                                      std::to_string(files_.size()) + " file(s)");
    }
}

void Daemon::save_state() {
    if (state_file_.empty()) {
        return;
    }
    if (auto saved = save_file_state(state_file_, files_); !saved) {
        log_.log(LogLevel::kWarning,
                 "cannot save the enabled files (they are not enabled again "
                 "after a reboot): " +
                     saved.error().message);
    }
}

Result<ResolvedFile> Daemon::resolve_for_enable(const std::string& path) {
    auto file = resolve_file(path);
    if (!file) {
        return file;
    }
    if (auto fs = host_.check_file_system(file->path); !fs) {
        return std::move(fs).error();
    }
    return file;
}

Result<void> Daemon::add_to_table(const FileKey& key, const std::string& path,
                                  std::optional<std::uint64_t> cache_bytes) {
    if (cache_bytes) {
        return ctl_.add_file_sized(key, kernel_path(path), *cache_bytes);
    }
    return ctl_.add_file(key, kernel_path(path));
}

void Daemon::apply_files(std::string_view when) {
    const Policy& policy = engine_->policy();
    if (policy.files.empty() && files_.empty()) {
        return;  // spares the table dump
    }
    auto listed = ctl_.list_files();
    if (!listed) {
        log_.log(listed.error().code == kErrModuleNotLoaded ? LogLevel::kInfo : LogLevel::kWarning,
                 "files: cannot read the enable table (" + listed.error().message +
                     "); the files are enabled when the module answers");
        return;
    }
    std::vector<FileEntry>& table = *listed;
    const std::string now = format_utc(host_.realtime_us());
    const std::string retry = "; tried again at the next reload or when the module comes back";
    bool dirty = false;
    auto note = [&](std::string kind, const std::string& path, std::uint64_t cache,
                    std::string reason, const Result<void>& done) {
        DecisionRecord rec;
        rec.kind = std::move(kind);
        rec.target = path;
        rec.to = cache;
        rec.reason = std::move(reason);
        rec.applied = done.ok();
        if (!done) {
            rec.error = done.error().message;
        }
        record(std::move(rec));
    };

    for (auto& rec : files_) {
        rec.in_table = entry_of(table, rec) != nullptr;
    }

    // Files fastmapd enabled for the policy that the policy no longer lists.
    for (auto it = files_.begin(); it != files_.end();) {
        if (it->origin != FileOrigin::kPolicy || policy_lists(policy, it->path)) {
            ++it;
            continue;
        }
        if (const FileEntry* entry = entry_of(table, *it)) {
            const FileKey key = entry->key;
            auto removed = ctl_.remove_file(key);
            if (!removed && removed.error().code != ENOENT) {
                log_.log(LogLevel::kWarning, "files: " + it->path +
                                                 " is no longer in the policy but stays enabled: " +
                                                 removed.error().message + retry);
                note("file_disable", it->path, 0, "no longer in the policy's files", removed);
                ++it;
                continue;
            }
            std::erase_if(table, [&](const FileEntry& e) { return e.key == key; });
            log_.log(LogLevel::kNotice,
                     "files: disabled " + it->path + ": no longer in the policy's files");
            note("file_disable", it->path, 0, "no longer in the policy's files", ok());
        }
        it = files_.erase(it);
        dirty = true;
    }

    // The policy's files. One an operator or auto-enable enabled stays theirs (below).
    for (const FileSpec& spec : policy.files) {
        PersistedFile* rec = find_file(spec.path);
        if (rec != nullptr && rec->origin != FileOrigin::kPolicy) {
            continue;
        }
        auto file = resolve_for_enable(spec.path);
        if (!file) {
            log_.log(LogLevel::kWarning, "files: " + spec.path + " (policy) not enabled " +
                                             std::string(when) + ": " + file.error().message +
                                             retry);
            continue;
        }
        if (find_key(table, file->key) != nullptr) {
            if (rec != nullptr) {  // ours, from before a restart or a reload
                dirty = dirty || rec->key != file->key || rec->cache_bytes != spec.cache_bytes;
                if (rec->cache_bytes != spec.cache_bytes) {
                    log_.log(LogLevel::kNotice, "files: " + spec.path +
                                                    ": a new cache size applies when the file is "
                                                    "enabled again (after a reboot or a disable)");
                }
                rec->key = file->key;
                rec->cache_bytes = spec.cache_bytes;
                rec->in_table = true;
            }
            continue;  // else enabled by an operator without fastmapd: not ours to claim
        }
        auto added = add_to_table(file->key, spec.path, spec.cache_bytes);
        const std::string reason = "listed in the policy's files";
        if (!added) {
            log_.log(LogLevel::kWarning, "files: " + spec.path + " (policy) not enabled " +
                                             std::string(when) + ": " + added.error().message +
                                             retry);
            note("file_enable", spec.path, spec.cache_bytes.value_or(0), reason, added);
            continue;
        }
        table.push_back(FileEntry{file->key, kernel_path(spec.path)});
        PersistedFile entry{spec.path, spec.cache_bytes, FileOrigin::kPolicy, now, file->key, true};
        if (rec == nullptr) {
            files_.push_back(std::move(entry));
        } else {
            *rec = std::move(entry);
        }
        dirty = true;
        log_.log(LogLevel::kNotice, "files: enabled " + spec.path + with_cache(spec.cache_bytes) +
                                        " " + std::string(when) + ": " + reason);
        note("file_enable", spec.path, spec.cache_bytes.value_or(0), reason, added);
    }

    // What operators and auto-enable enabled before, the latter within the policy's limits.
    std::size_t auto_off = 0;
    std::size_t auto_full = 0;
    for (auto& rec : files_) {
        if (rec.origin == FileOrigin::kPolicy || rec.in_table) {
            continue;
        }
        if (rec.origin == FileOrigin::kAuto) {
            if (!policy.auto_enable.enabled) {
                ++auto_off;
                continue;
            }
            if (table.size() >= policy.auto_enable.max_files) {
                ++auto_full;
                continue;
            }
        }
        const std::string origin(to_string(rec.origin));
        auto file = resolve_for_enable(rec.path);
        if (!file) {
            log_.log(LogLevel::kWarning, "files: " + rec.path + " (" + origin + ") not enabled " +
                                             std::string(when) + ": " + file.error().message +
                                             retry);
            continue;
        }
        if (find_key(table, file->key) == nullptr) {
            auto added = add_to_table(file->key, rec.path, rec.cache_bytes);
            const std::string reason =
                (rec.origin == FileOrigin::kAuto ? "auto-enabled" : "enabled by an operator") +
                (rec.time.empty() ? "" : " at " + rec.time);
            note("file_enable", rec.path, rec.cache_bytes.value_or(0), reason, added);
            if (!added) {
                log_.log(LogLevel::kWarning, "files: " + rec.path + " (" + origin +
                                                 ") not enabled " + std::string(when) + ": " +
                                                 added.error().message + retry);
                continue;
            }
            table.push_back(FileEntry{file->key, kernel_path(rec.path)});
            log_.log(LogLevel::kNotice, "files: enabled " + rec.path + with_cache(rec.cache_bytes) +
                                            " again " + std::string(when) + ": " + reason);
        }
        dirty = dirty || rec.key != file->key;
        rec.key = file->key;
        rec.in_table = true;
    }
    if (auto_off != 0) {
        log_.log(LogLevel::kInfo, "files: " + std::to_string(auto_off) +
                                      " auto-enabled file(s) not enabled again: auto_enable is off "
                                      "in the policy");
    }
    if (auto_full != 0) {
        log_.log(LogLevel::kInfo,
                 "files: " + std::to_string(auto_full) +
                     " auto-enabled file(s) not enabled again: the enable table holds "
                     "auto_enable.max_files (" +
                     std::to_string(policy.auto_enable.max_files) + ") files");
    }
    if (dirty) {
        save_state();
    }
}

void Daemon::remember_auto(const Decision& d) {
    forget_file(d.target, d.file);
    files_.push_back(PersistedFile{d.target, std::nullopt, FileOrigin::kAuto,
                                   format_utc(host_.realtime_us()), d.file, true});
    // At most max_files auto-enabled entries: the oldest waiting ones go first, then the oldest.
    const std::size_t max = engine_->policy().auto_enable.max_files;
    auto count = [&] {
        return static_cast<std::size_t>(
            std::count_if(files_.begin(), files_.end(),
                          [](const PersistedFile& f) { return f.origin == FileOrigin::kAuto; }));
    };
    for (bool waiting : {true, false}) {
        for (auto it = files_.begin(); count() > max && it != files_.end();) {
            if (it->origin == FileOrigin::kAuto && (!waiting || !it->in_table)) {
                it = files_.erase(it);
            } else {
                ++it;
            }
        }
    }
    save_state();
}

Result<void> Daemon::enable_file(std::string_view path, std::optional<std::uint64_t> cache_bytes) {
    auto file = resolve_file(path);
    if (!file) {
        return std::move(file).error();
    }
    // Kept as asked (a symlink is followed again after a reboot); relative: resolved.
    const std::string recorded = path.starts_with('/') ? std::string(path) : file->path;
    auto added = add_to_table(file->key, recorded, cache_bytes);
    if (!added) {
        return added;
    }
    log_.log(LogLevel::kNotice, "operator enabled " + recorded + with_cache(cache_bytes));
    if (auto fs = host_.check_file_system(file->path); !fs) {
        log_.log(LogLevel::kWarning, "files: " + recorded + ": " + fs.error().message);
    }
    forget_file(recorded, file->key);
    files_.push_back(PersistedFile{recorded, cache_bytes, FileOrigin::kOperator,
                                   format_utc(host_.realtime_us()), file->key, true});
    save_state();
    return added;
}

Result<void> Daemon::disable_file(std::string_view path) {
    auto file = resolve_file(path);
    std::optional<FileKey> key;
    std::string shown(path);
    Result<void> removed = ok();
    if (file) {
        key = file->key;
        shown = file->path;
    } else {
        // The file may be gone: find its entry by the path it was enabled with.
        auto entries = ctl_.list_files();
        if (!entries) {
            return std::move(entries).error();
        }
        for (const auto& e : *entries) {
            if (e.path == path) {
                key = e.key;
                shown = e.path + " (file gone)";
            }
        }
        if (!key) {
            removed = std::move(file).error();
        }
    }
    if (key) {
        removed = ctl_.remove_file(*key);
    }
    if (!removed) {
        // Not in the table, but waiting to be enabled again (e.g. its file system is not
        // mounted yet): forgetting it is what the operator asks.
        if (removed.error().code == ENOENT && find_file(path) != nullptr) {
            forget_file(path, std::nullopt);
            save_state();
            log_.log(LogLevel::kNotice, "operator disabled " + std::string(path) +
                                            ": it was not enabled; fastmapd no longer enables it");
            return ok();
        }
        return removed;
    }
    log_.log(LogLevel::kNotice, "operator disabled " + shown);
    forget_file(path, key);
    if (file) {
        forget_file(file->path, key);
    }
    save_state();
    if (policy_lists(engine_->policy(), path)) {
        log_.log(LogLevel::kNotice, "files: " + std::string(path) +
                                        " is in the policy's files: it is enabled again at the "
                                        "next reload; remove it from the policy to keep it off");
    }
    return removed;
}

}  // namespace fastmap::daemon
