// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl enable FILE [--cache SIZE] | disable FILE | disable --dev MAJ:MIN --ino N |
// files [--json]
#include <algorithm>
#include <cerrno>
#include <map>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "fastmap.h"
#include "files.hpp"
#include "json.hpp"
#include "output.hpp"
#include "units.hpp"

namespace fastmap::cli {
namespace {

std::string describe(const FileKey& key) {
    return "dev " + key.dev.str() + ", inode " + std::to_string(key.ino);
}

// A bad FILE argument is a usage error; other failures to stat it are runtime errors.
int report_file_error(std::ostream& err, std::string_view verb, const Error& e) {
    if (e.code == ENOENT || e.code == EISDIR || e.code == EINVAL || e.code == ERANGE) {
        return report_usage(err, verb, e.message);
    }
    return report_error(err, verb, e);
}

}  // namespace

int verb_enable(Control& ctl, const EnableArgs& args, std::ostream& out, std::ostream& err,
                Control* kernel) {
    constexpr std::string_view kVerb = "enable";
    std::optional<std::uint64_t> cache;
    if (!args.cache.empty()) {
        auto parsed = parse_size(args.cache);
        if (!parsed) {
            return report_usage(err, kVerb, "--cache: " + parsed.error().message);
        }
        if (*parsed < FASTMAP_CACHE_MIN) {
            return report_usage(err, kVerb,
                                "--cache: " + format_bytes(*parsed) + " is below the minimum of " +
                                    format_bytes(FASTMAP_CACHE_MIN));
        }
        cache = *parsed;
    }
    auto file = resolve_file(args.path);
    if (!file) {
        return report_file_error(err, kVerb, file.error());
    }
    std::string recorded = file->path;
    if (recorded.size() > kFilePathMax) {
        // The path is informational; the key is what the kernel matches.
        err << "fastmapctl: " << kVerb << ": note: the path is longer than " << kFilePathMax
            << " bytes and is not recorded\n";
        recorded.clear();
    }
    Result<void> added;
    if (cache) {
        added = ctl.add_file_sized(file->key, recorded, *cache);
        if (!added && added.error().code == EOPNOTSUPP && kernel != nullptr) {
            // A fastmapd whose API has no cache size (EOPNOTSUPP): this one goes to the kernel.
            err << "fastmapctl: " << kVerb
                << ": note: fastmapd cannot set a file's cache size; asking the kernel directly\n";
            added = kernel->add_file_sized(file->key, recorded, *cache);
        }
    } else {
        added = ctl.add_file(file->key, recorded);
    }
    if (!added) {
        if (added.error().code == EEXIST) {
            return report_error(
                err, kVerb,
                {EEXIST, file->path + " is already enabled (" + describe(file->key) + ")"});
        }
        return report_error(err, kVerb, added.error());
    }
    out << "enabled " << file->path << " (" << describe(file->key) << ")";
    if (cache) {
        out << ", cache " << format_bytes(*cache);
    }
    out << '\n';
    return kExitOk;
}

int verb_disable(Control& ctl, const DisableArgs& args, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "disable";
    const bool by_key = !args.dev.empty() || args.ino.has_value();
    if (by_key == !args.path.empty()) {
        return report_usage(err, kVerb, "give either FILE or both --dev and --ino");
    }
    FileKey key;
    std::string shown;
    if (by_key) {
        if (args.dev.empty() || !args.ino) {
            return report_usage(err, kVerb, "--dev and --ino go together");
        }
        auto dev = parse_dev(args.dev);
        if (!dev) {
            return report_usage(err, kVerb, "--dev: " + dev.error().message);
        }
        key = {*dev, *args.ino};
    } else {
        auto file = resolve_file(args.path);
        if (!file) {
            return report_file_error(err, kVerb, file.error());
        }
        key = file->key;
        shown = file->path + " (" + describe(file->key) + ")";
    }
    if (shown.empty()) {
        shown = describe(key);
    }
    auto removed = ctl.remove_file(key);
    if (!removed) {
        if (removed.error().code == ENOENT) {
            return report_error(err, kVerb, {ENOENT, shown + " is not enabled"});
        }
        if (removed.error().code == EBUSY) {
            return report_error(
                err, kVerb, {EBUSY, shown + ": the file is open through fastmap; close it first"});
        }
        return report_error(err, kVerb, removed.error());
    }
    out << "disabled " << shown << '\n';
    return kExitOk;
}

int verb_files(Control& ctl, bool json, std::ostream& out, std::ostream& err) {
    auto files = ctl.list_files();
    if (!files) {
        return report_error(err, "files", files.error());
    }
    // The cache of a file with an instance is the instance's (the enable table may not say).
    const bool need_instances = std::any_of(files->begin(), files->end(), [](const FileEntry& f) {
        return !f.instance.empty() && !f.cache_bytes;
    });
    if (need_instances) {
        if (auto instances = ctl.list()) {
            std::map<std::string, std::uint64_t> cache_of;
            for (const auto& info : *instances) {
                cache_of[info.name] = info.cache_bytes;
            }
            for (auto& f : *files) {
                auto it = cache_of.find(f.instance);
                if (!f.cache_bytes && it != cache_of.end()) {
                    f.cache_bytes = it->second;
                }
            }
        }
    }
    if (json) {
        out << files_to_json(*files).dump(2) << '\n';
        return kExitOk;
    }
    if (files->empty()) {
        out << "no enabled files\n";
        return kExitOk;
    }
    using A = Table::Align;
    Table table({{"DEV", A::kLeft},
                 {"INODE", A::kRight},
                 {"INSTANCE", A::kLeft},
                 {"CACHE", A::kRight},
                 {"PATH", A::kLeft}});
    for (const auto& f : *files) {
        table.add_row(
            {f.key.dev.str(), std::to_string(f.key.ino), f.instance.empty() ? "-" : f.instance,
             f.cache_bytes ? format_bytes(*f.cache_bytes) : "-", f.path.empty() ? "-" : f.path});
    }
    table.print(out);
    return kExitOk;
}

}  // namespace fastmap::cli
