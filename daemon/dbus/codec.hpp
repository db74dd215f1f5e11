// SPDX-License-Identifier: GPL-2.0-only
// fastmapd's values on the wire (both ends): an instance is an a{sv} dict, files a(sst),
// decisions a(tssttsbs). Appends return a negative errno on failure (sd-bus convention); reads
// return EPROTO when the message does not have the documented shape.
#pragma once

#include <systemd/sd-bus.h>

#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "control.hpp"
#include "result.hpp"

namespace fastmap::dbus {

// a{sv}: name s, id u, device s, dev s ("MAJ:MIN"), size_bytes t, cache_bytes t,
// batch_pages u, dirty_ratio u, wb_interval_ms u, open_count u, stats a{st} (kStatFields keys).
int append_instance(sd_bus_message* m, const InstanceInfo& info);
int append_instances(sd_bus_message* m, const std::vector<InstanceInfo>& instances);  // aa{sv}
// a(sst): dev "MAJ:MIN", path, inode.
int append_files(sd_bus_message* m, const std::vector<FileEntry>& files);
// a(tssttsbs): realtime_us, kind, target, from, to, reason, applied, error.
int append_decisions(sd_bus_message* m, const std::vector<daemon::DecisionRecord>& decisions);
int append_strings(sd_bus_message* m, const std::vector<std::string>& strings);  // as

// D-Bus strings must be UTF-8: invalid sequences become U+FFFD. The appends above use it for
// every string that may come from outside (paths, reasons, errors).
std::string to_valid_utf8(std::string_view text);

// Each reads the value at the message's read position. Keys of an instance dict this code does
// not know are skipped (a newer daemon may add some); a known key with another type is EPROTO.
Result<InstanceInfo> read_instance(sd_bus_message* m);
Result<std::vector<InstanceInfo>> read_instances(sd_bus_message* m);
Result<std::vector<FileEntry>> read_files(sd_bus_message* m);
Result<std::vector<daemon::DecisionRecord>> read_decisions(sd_bus_message* m);
Result<std::vector<std::string>> read_strings(sd_bus_message* m);

}  // namespace fastmap::dbus
