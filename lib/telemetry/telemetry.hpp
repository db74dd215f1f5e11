// SPDX-License-Identifier: GPL-2.0-only
// The BPF telemetry of fastmap as an interface: BpfTelemetry reads the maps of bpf/fastmap.bpf.c,
// tests use a fake. Every value is already summed over CPUs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "control.hpp"
#include "result.hpp"
#include "telemetry/histogram.hpp"

namespace fastmap::telemetry {

// Program groups; attach() loads exactly the requested ones.
enum class Programs : std::uint32_t {
    kNone = 0,
    kStock = 1U << 0,    // fexit/filemap_fault + filemap page-cache tracepoints (any kernel)
    kFastmap = 1U << 1,  // tracepoint/fastmap/* (only while fastmap.ko is loaded)
    kAll = kStock | kFastmap,
};

constexpr Programs operator|(Programs a, Programs b) {
    return static_cast<Programs>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr Programs operator&(Programs a, Programs b) {
    return static_cast<Programs>(static_cast<std::uint32_t>(a) & static_cast<std::uint32_t>(b));
}
// Whether every group of `part` is in `set` (and part is not kNone).
constexpr bool includes(Programs set, Programs part) {
    return part != Programs::kNone && (set & part) == part;
}

// How the stock programs count faults: what FileCounters::faults means.
enum class FaultSource : std::uint32_t {
    kNone = 0,    // no fault counting (stock programs not attached, or no hook available)
    kFexit,       // fexit/filemap_fault: completed faults, with the shared and major split
    kTracepoint,  // filemap:mm_filemap_fault (kernels where fexit cannot load): every ->fault
                  // call, retries included; shared_faults and major_faults stay 0
};

// One fastmap instance, from the module's tracepoints.
struct InstanceCounters {
    std::uint32_t id = 0;
    std::uint64_t faults = 0;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t writes = 0;    // write faults
    std::uint64_t fault_ns = 0;  // sum of fault latencies
    std::uint64_t evict_batches = 0;
    std::uint64_t evicted_pages = 0;
    std::uint64_t shootdown_rounds = 0;
    std::uint64_t evict_ns = 0;  // sum of eviction batch durations
    std::uint64_t wb_rounds = 0;
    std::uint64_t wb_pages = 0;
    std::uint64_t wb_bytes = 0;
    std::uint64_t wb_errors = 0;  // rounds that failed
    std::uint64_t wb_ns = 0;      // sum of writeback round durations

    bool operator==(const InstanceCounters&) const = default;
};

// One instance's counters and, when asked for, its latency histograms (ns).
struct InstanceSample {
    InstanceCounters counters;
    Histogram fault_latency;
    Histogram evict_latency;

    bool operator==(const InstanceSample&) const = default;
};

// A file by the kernel's identity of its inode.
struct FileKey {
    std::uint32_t kdev = 0;  // kernel-internal dev_t: major << 20 | minor (see kdev.hpp)
    std::uint64_t ino = 0;

    auto operator<=>(const FileKey&) const = default;
};

// Stock Linux page-cache activity of one file.
struct FileCounters {
    FileKey key;
    DevId dev;                        // key.kdev decoded
    std::uint64_t faults = 0;         // filemap_fault calls (see FaultSource)
    std::uint64_t shared_faults = 0;  // ... in MAP_SHARED mappings (kFexit only)
    std::uint64_t major_faults = 0;   // ... that needed I/O (kFexit only)
    std::uint64_t page_cache_adds = 0;
    std::uint64_t page_cache_evictions = 0;

    bool operator==(const FileCounters&) const = default;
};

// A rare event from the ring buffer.
struct Event {
    enum class Type : std::uint32_t {
        kWritebackError = 1,  // err, pages, bytes, ns
        kSlowFault = 2,       // ns, off, hit, write (faults >= Options::min_fault_ns)
    };
    Type type = Type::kWritebackError;
    std::uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
    std::uint32_t id = 0;     // instance id
    std::int32_t err = 0;     // negative errno
    std::uint32_t pages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t ns = 0;
    std::uint64_t off = 0;
    bool hit = false;
    bool write = false;

    bool operator==(const Event&) const = default;
};

// Data the BPF side could not record.
struct Drops {
    std::uint64_t events = 0;        // ring buffer full
    std::uint64_t file_updates = 0;  // per-file map insertions that failed

    bool operator==(const Drops&) const = default;
};

class Telemetry {
public:
    virtual ~Telemetry() = default;
    // Loads and attaches the given program groups; once per object (EALREADY afterwards). The
    // stock group counts faults with fexit where it can, else with the filemap:mm_filemap_fault
    // tracepoint (see fault_source()).
    virtual Result<void> attach(Programs which) = 0;
    virtual Programs attached() const = 0;
    virtual FaultSource fault_source() const = 0;
    // Instances that produced at least one event, by id.
    virtual Result<std::vector<InstanceCounters>> instances() = 0;
    // Every file currently tracked (an LRU keeps the most recently active ones).
    virtual Result<std::vector<FileCounters>> files() = 0;
    // One file; ENOENT when it has not been seen.
    virtual Result<FileCounters> file(FileKey key) = 0;
    // One instance (what fastmapd reads every interval): its counters and, with latency, its
    // histograms; nullopt when it has produced no event yet. The default goes through
    // instances() and the histogram calls; BpfTelemetry reads the instance's map slot once.
    virtual Result<std::optional<InstanceSample>> instance_sample(std::uint32_t id, bool latency);
    // Latency histograms of one instance (ns); empty when it has no events yet.
    virtual Result<Histogram> fault_latency(std::uint32_t id) = 0;
    virtual Result<Histogram> evict_latency(std::uint32_t id) = 0;
    // Events received since the last call, oldest first. Does not block.
    virtual Result<std::vector<Event>> drain_events() = 0;
    virtual Result<Drops> drops() = 0;
};

}  // namespace fastmap::telemetry
