// SPDX-License-Identifier: GPL-2.0-only
// The names of fastmapd's D-Bus API (docs/dbus.md, docs/dbus/org.fastmap.FastMap1.xml).
#pragma once

#include <cstdint>

namespace fastmap::dbus {

// Versioned: an incompatible API would be org.fastmap.FastMap2 on /org/fastmap/FastMap2.
inline constexpr const char* kBusName = "org.fastmap.FastMap1";
inline constexpr const char* kObjectPath = "/org/fastmap/FastMap1";
inline constexpr const char* kInterface = "org.fastmap.FastMap1";
inline constexpr std::uint32_t kApiVersion = 1;

// The polkit action that lets a non-root caller mutate.
inline constexpr const char* kManageAction = "org.fastmap.manage";
inline constexpr const char* kAccessDeniedMessage =
    "mutations need root (or the polkit action org.fastmap.manage)";

inline constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

// Signatures of the compound values (codec.hpp writes and reads them).
inline constexpr const char* kInstanceSig = "a{sv}";
inline constexpr const char* kInstancesSig = "aa{sv}";
inline constexpr const char* kFilesSig = "a(sst)";
inline constexpr const char* kDecisionsSig = "a(tssttsbs)";

}  // namespace fastmap::dbus
