// SPDX-License-Identifier: GPL-2.0-only
// Path globs of the auto_enable allow/deny lists.
#pragma once

#include <string_view>

namespace fastmap::daemon {

// Whether path matches pattern, as a whole. `*` matches any run of characters within one path
// component and `?` one character, neither crossing '/'. `**` matches any run of characters,
// '/' included ("/srv/**" matches "/srv/a" and "/srv/a/b"); as a whole component ("/a/**/b") it
// also matches no component at all ("/a/b"). Every other character matches itself: there are
// no classes, escapes or regular expressions.
bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace fastmap::daemon
