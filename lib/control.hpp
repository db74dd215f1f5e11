// SPDX-License-Identifier: GPL-2.0-only
// The fastmap control plane as an interface: NetlinkControl talks to the kernel module, tests
// use fakes.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events.hpp"
#include "netlink.hpp"
#include "result.hpp"

namespace fastmap {

// Error codes the Control implementations use for conditions the caller handles specially.
inline constexpr int kErrModuleNotLoaded = ENOPKG;  // the genl family is not registered
inline constexpr int kErrPermission = EPERM;        // mutations need CAP_SYS_ADMIN

// One field per counter of enum fastmap_stat, in the same order.
struct Stats {
    std::uint64_t faults = 0;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t mkwrite = 0;
    std::uint64_t evictions = 0;
    std::uint64_t evict_batches = 0;
    std::uint64_t shootdowns = 0;
    std::uint64_t wb_pages = 0;
    std::uint64_t wb_bios = 0;
    std::uint64_t read_ios = 0;
    std::uint64_t read_errors = 0;
    std::uint64_t write_errors = 0;
    std::uint64_t dirty_pages = 0;   // gauge
    std::uint64_t cached_pages = 0;  // gauge
    std::uint64_t free_pages = 0;    // gauge
    std::uint64_t cache_pages = 0;   // gauge: cache size in pages
    std::uint64_t evict_stalls = 0;  // faults that found no free frame
    // File instances: modifications of the file from outside fastmap the module noticed.
    std::uint64_t outside_writes = 0;

    bool operator==(const Stats&) const = default;
};

// The attribute id, stable key and member of every counter.
struct StatField {
    std::uint16_t id;  // enum fastmap_stat
    std::string_view key;
    std::uint64_t Stats::*member;
};
extern const std::array<StatField, 18> kStatFields;

struct DevId {
    std::uint32_t major = 0;
    std::uint32_t minor = 0;

    std::string str() const { return std::to_string(major) + ":" + std::to_string(minor); }
    bool operator==(const DevId&) const = default;
};

// A dev_t as the kernel's new_encode_dev() (and glibc's major()/minor()) packs it into 32 bits.
DevId decode_dev(std::uint32_t dev);
std::uint32_t encode_dev(DevId dev);

// An entry of the enable table: a file by st_dev (as new_encode_dev() packs it) and st_ino.
struct FileKey {
    DevId dev;
    std::uint64_t ino = 0;

    bool operator==(const FileKey&) const = default;
};

// The file a per-file instance serves (FASTMAP_A_FILE_DEV, FILE_INO, FILE_PATH in GET replies).
struct FileIdentity {
    FileKey key;
    std::string path;  // FASTMAP_A_FILE_PATH, else FASTMAP_A_DEVICE (a file instance's path)

    bool operator==(const FileIdentity&) const = default;
};

struct InstanceInfo {
    std::string name;
    std::uint32_t id = 0;  // FASTMAP_A_ID: the id tracepoints carry
    std::string device;    // FASTMAP_A_DEVICE, else the kernel's name (FASTMAP_A_DEVICE_NAME)
    DevId dev;
    std::uint64_t size_bytes = 0;
    std::uint64_t cache_bytes = 0;
    std::uint32_t batch_pages = 0;
    std::uint32_t dirty_ratio = 0;     // %
    std::uint32_t wb_interval_ms = 0;  // periodic writeback; 0 = off
    std::uint32_t open_count = 0;
    Stats stats;
    // Set for a per-file instance (per-file mode), unset for a block device instance.
    std::optional<FileIdentity> file = {};

    bool is_file() const { return file.has_value(); }
    bool operator==(const InstanceInfo&) const = default;
};

struct AttachRequest {
    std::string device;  // block device path
    std::string name;
    std::uint64_t cache_bytes = 0;
    std::optional<std::uint32_t> batch_pages;  // kernel default when unset
};

// FASTMAP_CMD_SET: the parameters to change; unset ones keep their value.
struct SetRequest {
    std::optional<std::uint64_t> cache_bytes;     // grows or shrinks the cache live
    std::optional<std::uint32_t> batch_pages;     // FASTMAP_BATCH_MIN..FASTMAP_BATCH_MAX
    std::optional<std::uint32_t> dirty_ratio;     // 1..100 %
    std::optional<std::uint32_t> wb_interval_ms;  // 0 (off)..kWbIntervalMaxMs

    bool empty() const { return !cache_bytes && !batch_pages && !dirty_ratio && !wb_interval_ms; }
    bool operator==(const SetRequest&) const = default;
};

// Bounds the kernel enforces that the uapi header does not name.
inline constexpr std::uint32_t kDirtyRatioMin = 1;
inline constexpr std::uint32_t kDirtyRatioMax = 100;
inline constexpr std::uint32_t kWbIntervalMaxMs = 3600000;  // one hour
inline constexpr std::size_t kFilePathMax = 255;            // FASTMAP_A_FILE_PATH, without NUL

struct FileEntry {
    FileKey key;
    std::string path;  // as given to FILE_ADD (informational; may be empty)
    // FASTMAP_A_NAME: the file's instance while it has one ("f<dev>.<ino>" in hex), else "".
    std::string instance = {};
    // FASTMAP_A_CACHE_BYTES when the kernel reports it (or the caller filled it in from the
    // instance); unset: not known (the module's default, file_cache_mb).
    std::optional<std::uint64_t> cache_bytes = {};

    bool operator==(const FileEntry&) const = default;
};

struct DetachResult {
    // Set when the instance is gone but the kernel reported a problem, e.g. "writeback failed:
    // some data did not reach the device".
    std::string warning;
};

struct ModuleInfo {
    bool loaded = false;
    std::uint32_t genl_version = 0;  // version of the registered genl family
    std::string version;             // /sys/module/fastmap/version, when available
};

class Control {
public:
    virtual ~Control() = default;
    virtual Result<InstanceInfo> attach(const AttachRequest& req) = 0;
    virtual Result<DetachResult> detach(std::string_view name) = 0;
    virtual Result<std::vector<InstanceInfo>> list() = 0;
    virtual Result<InstanceInfo> get(std::string_view name) = 0;
    // Changes the parameters req sets (at least one); returns the instance as it is now.
    virtual Result<InstanceInfo> set(std::string_view name, const SetRequest& req) = 0;
    // The enable table. add_file: EEXIST when present; remove_file: ENOENT when absent, EBUSY
    // when the file is open through fastmap (its instance is detached with the entry).
    virtual Result<void> add_file(const FileKey& key, std::string_view path) = 0;
    // add_file() with the cache size of the file's instance (FASTMAP_A_CACHE_BYTES). Control
    // paths that cannot carry it keep this default: EOPNOTSUPP.
    virtual Result<void> add_file_sized(const FileKey& key, std::string_view path,
                                        std::uint64_t cache_bytes);
    virtual Result<void> remove_file(const FileKey& key) = 0;
    virtual Result<std::vector<FileEntry>> list_files() = 0;
    // A subscription to the "events" multicast group (events.hpp).
    virtual Result<std::unique_ptr<EventSource>> subscribe() = 0;
    // Whether the module is loaded and its versions; not an error when it is not.
    virtual Result<ModuleInfo> module_info() = 0;
};

// Decodes an instance reply (FASTMAP_CMD_GET / ATTACH / SET) from its attributes.
Result<InstanceInfo> decode_instance(const nl::AttrMap& attrs);
Result<Stats> decode_stats(const nl::AttrMap& nested);
// Decodes one message of the FASTMAP_CMD_FILE_GET dump.
Result<FileEntry> decode_file_entry(const nl::AttrMap& attrs);

}  // namespace fastmap
