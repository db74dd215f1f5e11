// SPDX-License-Identifier: GPL-2.0-only
// Finding, reading and layering the policy files.
#include "policy_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>

#include "policy_internal.hpp"
#include "read_file.hpp"
#include "result.hpp"

namespace fastmap::daemon {
namespace {

namespace fs = std::filesystem;
using policy_detail::Layer;

constexpr std::size_t kMaxFileSize = 1 << 20;
constexpr const char* kBuiltin = "(built-in defaults)";

Result<std::string> read_file(const fs::path& path) {
    auto text = read_small_file(path, kMaxFileSize);
    if (!text && text.error().code == EFBIG) {
        return Error{EFBIG, "file too large (more than 1 MiB)"};
    }
    return text;
}

PolicyIssue file_issue(const fs::path& path, const std::string& what) {
    return policy_detail::make_issue(path.string(), std::nullopt, "", what);
}

// A drop-in that is (a symlink to) /dev/null masks the same name in earlier directories.
bool is_dev_null(const fs::path& path) {
    struct stat st {};
    struct stat null {};
    return ::stat(path.c_str(), &st) == 0 && ::stat("/dev/null", &null) == 0 &&
           S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev;
}

// The drop-ins to apply, in order: name -> path, a later directory replacing (or, with a
// /dev/null symlink, masking) an earlier one's file of the same name.
std::vector<fs::path> collect_dropins(const std::vector<fs::path>& dirs,
                                      std::vector<PolicyIssue>& issues) {
    std::map<std::string, std::optional<fs::path>> by_name;
    for (const auto& dir : dirs) {
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) {
            if (ec != std::errc::no_such_file_or_directory) {
                issues.push_back(file_issue(dir, "cannot read directory: " + ec.message()));
            }
            continue;
        }
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            const fs::path& path = it->path();
            const std::string name = path.filename().string();
            if (name.starts_with('.') || !name.ends_with(".json")) {
                continue;
            }
            if (is_dev_null(path)) {
                by_name[name] = std::nullopt;
            } else {
                by_name[name] = path;
            }
        }
        if (ec) {
            issues.push_back(file_issue(dir, "cannot read directory: " + ec.message()));
        }
    }
    std::vector<fs::path> files;
    for (auto& [name, path] : by_name) {
        if (path) {
            files.push_back(std::move(*path));
        }
    }
    return files;
}

// Merges the layers, decodes and checks the result.
LoadResult finish(const std::vector<Layer>& layers) {
    LoadResult result;
    nlohmann::json merged = nlohmann::json::object();
    policy_detail::Origins origins;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        policy_detail::merge_layer(merged, origins, layers[i], i);
    }
    Policy policy = policy_detail::decode_policy(merged);
    const std::string fallback = layers.empty() ? kBuiltin : layers.back().file;
    result.issues = policy_detail::check_policy(merged, policy, origins, fallback);
    if (!result.issues.empty()) {
        return result;
    }
    for (const auto& layer : layers) {
        policy.sources.push_back(layer.file);
    }
    result.policy = std::move(policy);
    return result;
}

}  // namespace

std::string PolicyIssue::str() const {
    if (line <= 0) {
        return file + ": " + message;
    }
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

PolicyPaths default_policy_paths() {
    return policy_paths_under("/");
}

PolicyPaths policy_paths_under(const fs::path& root) {
    PolicyPaths paths;
    paths.files = {root / "usr/lib/fastmap/fastmapd.json", root / "etc/fastmap/fastmapd.json"};
    paths.dropin_dirs = {root / "usr/lib/fastmap/fastmapd.json.d",
                         root / "etc/fastmap/fastmapd.json.d"};
    return paths;
}

LoadResult load_policy(const PolicyPaths& paths) {
    LoadResult result;
    std::vector<Layer> layers;
    auto add = [&](const fs::path& path) {
        auto text = read_file(path);
        if (!text) {
            if (text.error().code != ENOENT) {
                result.issues.push_back(file_issue(path, "cannot read: " + text.error().message));
            }
            return;
        }
        if (auto layer = policy_detail::parse_layer(*text, path.string(), result.issues)) {
            layers.push_back(std::move(*layer));
        }
    };
    for (const auto& file : paths.files) {
        add(file);
    }
    for (const auto& file : collect_dropins(paths.dropin_dirs, result.issues)) {
        add(file);
    }
    if (!result.issues.empty()) {
        return result;
    }
    return finish(layers);
}

LoadResult load_policy_file(const fs::path& file) {
    auto text = read_file(file);
    if (!text) {
        LoadResult result;
        result.issues.push_back(file_issue(file, "cannot read: " + text.error().message));
        return result;
    }
    return parse_policy(*text, file.string());
}

LoadResult parse_policy(std::string_view text, std::string_view filename) {
    LoadResult result;
    auto layer = policy_detail::parse_layer(text, std::string(filename), result.issues);
    if (!layer) {
        return result;
    }
    std::vector<Layer> layers;
    layers.push_back(std::move(*layer));
    return finish(layers);
}

}  // namespace fastmap::daemon
