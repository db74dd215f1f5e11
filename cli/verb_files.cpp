// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl enable FILE | disable FILE | disable --dev MAJ:MIN --ino N | files [--json]
#include <cerrno>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "files.hpp"
#include "json.hpp"
#include "output.hpp"

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

int verb_enable(Control& ctl, const std::string& path, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "enable";
    auto file = resolve_file(path);
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
    auto added = ctl.add_file(file->key, recorded);
    if (!added) {
        if (added.error().code == EEXIST) {
            return report_error(
                err, kVerb,
                {EEXIST, file->path + " is already enabled (" + describe(file->key) + ")"});
        }
        return report_error(err, kVerb, added.error());
    }
    out << "enabled " << file->path << " (" << describe(file->key) << ")\n";
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
    if (json) {
        out << files_to_json(*files).dump(2) << '\n';
        return kExitOk;
    }
    if (files->empty()) {
        out << "no enabled files\n";
        return kExitOk;
    }
    using A = Table::Align;
    Table table({{"DEV", A::kLeft}, {"INODE", A::kRight}, {"PATH", A::kLeft}});
    for (const auto& f : *files) {
        table.add_row({f.key.dev.str(), std::to_string(f.key.ino), f.path.empty() ? "-" : f.path});
    }
    table.print(out);
    return kExitOk;
}

}  // namespace fastmap::cli
