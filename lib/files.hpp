// SPDX-License-Identifier: GPL-2.0-only
// Files as the enable table names them: (st_dev, st_ino) plus the path, for information.
#pragma once

#include <string>
#include <string_view>

#include "control.hpp"
#include "result.hpp"

namespace fastmap {

struct ResolvedFile {
    FileKey key;
    std::string path;  // absolute, symlinks resolved: the file the key names
};

// stat()s path (following symlinks). Errors name the path: ENOENT "no such file", EISDIR or
// EINVAL "not a regular file (a directory)", ERANGE for a device number new_encode_dev()
// cannot represent, any other errno as strerror.
Result<ResolvedFile> resolve_file(std::string_view path);

// "MAJOR:MINOR" -> DevId (EINVAL with a message naming the text otherwise).
Result<DevId> parse_dev(std::string_view text);

}  // namespace fastmap
