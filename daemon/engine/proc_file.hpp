// SPDX-License-Identifier: GPL-2.0-only
// Reading small kernel text files (procfs) whole.
#pragma once

#include <filesystem>
#include <string>

#include "result.hpp"

namespace fastmap::daemon {

// The whole content of a file. procfs files report size 0, so this reads until EOF. Errors
// carry the errno of open()/read() and a message naming the path.
Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace fastmap::daemon
