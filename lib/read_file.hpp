// SPDX-License-Identifier: GPL-2.0-only
// Reading a small text file whole (policy files, fastmapd's state file).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "result.hpp"

namespace fastmap {

// The whole content of path. Errors carry errno and strerror's text; a file of more than
// max_bytes gives EFBIG with "larger than N bytes" (the read stops there).
Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace fastmap
