// SPDX-License-Identifier: GPL-2.0-only
// Telemetry from the BPF programs of bpf/fastmap.bpf.c, through their libbpf skeleton. Needs
// CAP_BPF + CAP_PERFMON (or root) and, for the stock programs, kernel BTF.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fastmap_tp.h"
#include "result.hpp"
#include "telemetry/telemetry.hpp"

struct fastmap_bpf;
struct bpf_link;
struct ring_buffer;

namespace fastmap::telemetry {

// Filters, compiled into the programs as constants at load time.
struct Options {
    std::optional<std::uint32_t> instance;  // fastmap programs: count only this instance id
    std::uint64_t min_fault_ns = 0;         // > 0: faults at least this slow become events
    std::optional<FileKey> file;            // stock programs: only this file (ino 0: any inode
                                            // of file->kdev)
    // CO-RE relocation against this BTF file instead of the running kernel's, to check that the
    // programs relocate for another kernel. Only for such checks: the counters are meaningless.
    std::string btf_custom_path;
};

// Whether tracefs has events/<system>/<event> (tracefs or debugfs/tracing).
bool tracepoint_present(const char* system, const char* event);
// Whether the module's tracepoints exist, i.e. fastmap.ko is loaded.
bool fastmap_tracepoints_present();

class BpfTelemetry final : public Telemetry {
public:
    // Opens the skeleton (nothing is loaded into the kernel until attach()).
    static Result<std::unique_ptr<BpfTelemetry>> open(const Options& options = {});
    ~BpfTelemetry() override;
    BpfTelemetry(const BpfTelemetry&) = delete;
    BpfTelemetry& operator=(const BpfTelemetry&) = delete;

    Result<void> attach(Programs which) override;
    Programs attached() const override { return attached_; }
    FaultSource fault_source() const override { return fault_source_; }
    // Why fexit/filemap_fault (and maybe the tracepoint) was not used, when the stock group fell
    // back to the tracepoint or to no fault counting.
    const std::string& fallback_reason() const { return fallback_reason_; }
    // Looks up all FM_MAX_INSTANCES slots; instance_sample() looks up one.
    Result<std::vector<InstanceCounters>> instances() override;
    Result<std::optional<InstanceSample>> instance_sample(std::uint32_t id, bool latency) override;
    Result<std::vector<FileCounters>> files() override;
    Result<FileCounters> file(FileKey key) override;
    Result<Histogram> fault_latency(std::uint32_t id) override;
    Result<Histogram> evict_latency(std::uint32_t id) override;
    Result<std::vector<Event>> drain_events() override;
    Result<Drops> drops() override;

private:
    // One instance's fault (evict = false) or eviction-batch latency histogram.
    Result<Histogram> latency(std::uint32_t id, bool evict);

    struct SkelDeleter {
        void operator()(fastmap_bpf* skel) const;
    };
    struct LinkDeleter {
        void operator()(bpf_link* link) const;
    };
    struct RingDeleter {
        void operator()(ring_buffer* rb) const;
    };

    using SkelPtr = std::unique_ptr<fastmap_bpf, SkelDeleter>;

    BpfTelemetry(Options options, SkelPtr skel, unsigned ncpus);
    static Result<SkelPtr> open_skeleton(const Options& options);
    Result<void> require_loaded() const;
    // One load + attach of a fresh skeleton with the stock faults counted by `faults`.
    Result<void> try_attach(Programs which, FaultSource faults);
    Result<void> load(Programs which, FaultSource faults);
    Result<void> attach_programs();
    void reset();
    static int on_event(void* ctx, void* data, std::size_t size);

    Options options_;
    // Destroyed in reverse order: ring buffer and links before the skeleton that owns the maps.
    SkelPtr skel_;
    // One slot's per-CPU values (ncpus_ of them): reused, the daemon reads slots every interval.
    std::vector<fm_instance_stats> scratch_;
    std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links_;
    std::unique_ptr<ring_buffer, RingDeleter> ring_;
    std::vector<Event> pending_;
    unsigned ncpus_ = 0;
    bool load_tried_ = false;  // a skeleton can be loaded once
    bool attach_called_ = false;
    Programs attached_ = Programs::kNone;
    FaultSource fault_source_ = FaultSource::kNone;
    std::string fallback_reason_;
};

}  // namespace fastmap::telemetry
