// SPDX-License-Identifier: GPL-2.0-only
#include "telemetry/bpf_telemetry.hpp"

#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "fastmap.skel.h"
#include "fastmap_tp.h"
#include "telemetry/libbpf_log.hpp"
#include "telemetry/percpu.hpp"

namespace fastmap::telemetry {

// Per-CPU map values are copied out at an 8-byte stride; these need no padding.
static_assert(sizeof(fm_instance_stats) % 8 == 0);
static_assert(sizeof(fm_file_stats) % 8 == 0);
static_assert(sizeof(fm_global_stats) % 8 == 0);

namespace {

// Where libbpf (and tracepoint_present()) look for tracefs.
constexpr std::array<const char*, 2> kTracefsRoots{"/sys/kernel/tracing",
                                                   "/sys/kernel/debug/tracing"};

bool tracefs_mounted() {
    return std::any_of(kTracefsRoots.begin(), kTracefsRoots.end(), [](const char* root) {
        return ::access((std::string(root) + "/events").c_str(), F_OK) == 0;
    });
}

// libbpf looks a tracepoint's id up in tracefs: without it mounted every tracepoint is ENOENT.
std::string_view tracefs_hint(int err, std::string_view section) {
    const bool tracepoint = section.starts_with("tracepoint/") || section.starts_with("tp/");
    if (err != -ENOENT || !tracepoint || tracefs_mounted()) {
        return {};
    }
    return " (tracefs is not mounted; as root: mount -t tracefs nodev /sys/kernel/tracing)";
}

// libbpf returns -errno; keeps its log in the message.
Error bpf_error(int err, std::string_view what, std::string_view hint = {}) {
    const int code = err < 0 ? -err : (err > 0 ? err : EIO);
    std::string message(what);
    message += ": ";
    message += std::strerror(code);
    if (code == EPERM || code == EACCES) {
        message += " (needs CAP_BPF and CAP_PERFMON, and a kernel that permits the program)";
    }
    message += hint;
    std::string log = take_libbpf_log();
    if (!log.empty()) {
        message += "\n";
        message += log;
    }
    return Error{code, std::move(message)};
}

// Every program of fastmap.bpf.c and whether it loads for a request.
struct ProgramChoice {
    bpf_program* prog;
    bool load;
};

std::vector<ProgramChoice> choose_programs(fastmap_bpf& skel, Programs which, FaultSource faults) {
    const bool fastmap = includes(which, Programs::kFastmap);
    const bool stock = includes(which, Programs::kStock);
    return {
        {skel.progs.fm_fault, fastmap},
        {skel.progs.fm_evict, fastmap},
        {skel.progs.fm_writeback, fastmap},
        {skel.progs.stk_fault_fentry, stock && faults == FaultSource::kFexit},
        {skel.progs.stk_fault_fexit, stock && faults == FaultSource::kFexit},
        {skel.progs.stk_fault_tp, stock && faults == FaultSource::kTracepoint},
        {skel.progs.stk_pc_add, stock},
        {skel.progs.stk_pc_delete, stock},
    };
}

// The per-CPU copies of one slot of map instances, into percpu (one element per CPU).
Result<void> read_slot(bpf_map* map, std::uint32_t slot, std::vector<fm_instance_stats>& percpu) {
    const int err = bpf_map__lookup_elem(map, &slot, sizeof(slot), percpu.data(),
                                         percpu.size() * sizeof(percpu[0]), 0);
    if (err != 0) {
        return bpf_error(err, "cannot read map instances");
    }
    return ok();
}

}  // namespace

bool tracepoint_present(const char* system, const char* event) {
    for (const char* root : kTracefsRoots) {
        const std::string dir = std::string(root) + "/events/" + system + "/" + event;
        if (::access(dir.c_str(), F_OK) == 0) {
            return true;
        }
    }
    return false;
}

bool fastmap_tracepoints_present() {
    return tracepoint_present("fastmap", "fastmap_fault");
}

void BpfTelemetry::SkelDeleter::operator()(fastmap_bpf* skel) const {
    fastmap_bpf::destroy(skel);
}

void BpfTelemetry::LinkDeleter::operator()(bpf_link* link) const {
    bpf_link__destroy(link);
}

void BpfTelemetry::RingDeleter::operator()(ring_buffer* rb) const {
    ring_buffer__free(rb);
}

BpfTelemetry::BpfTelemetry(Options options, SkelPtr skel, unsigned ncpus)
    : options_(std::move(options)), skel_(std::move(skel)), scratch_(ncpus), ncpus_(ncpus) {}

BpfTelemetry::~BpfTelemetry() = default;

Result<BpfTelemetry::SkelPtr> BpfTelemetry::open_skeleton(const Options& options) {
    LIBBPF_OPTS(bpf_object_open_opts, open_opts);
    if (!options.btf_custom_path.empty()) {
        open_opts.btf_custom_path = options.btf_custom_path.c_str();
    }
    SkelPtr skel(fastmap_bpf::open(&open_opts));
    if (!skel) {
        return bpf_error(-errno, "cannot open the BPF object");
    }
    auto* ro = skel->rodata;
    ro->filter_instance = options.instance.has_value();
    ro->target_id = options.instance.value_or(0);
    ro->min_fault_ns = options.min_fault_ns;
    if (options.file) {
        ro->target_dev = options.file->kdev;
        ro->target_ino = options.file->ino;
    }
    return skel;
}

Result<std::unique_ptr<BpfTelemetry>> BpfTelemetry::open(const Options& options) {
    capture_libbpf_log();
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0) {
        return bpf_error(ncpus, "cannot count possible CPUs");
    }
    auto skel = open_skeleton(options);
    if (!skel) {
        return skel.error();
    }
    return std::unique_ptr<BpfTelemetry>(
        new BpfTelemetry(options, std::move(*skel), static_cast<unsigned>(ncpus)));
}

Result<void> BpfTelemetry::attach(Programs which) {
    if (attach_called_) {
        return Error{EALREADY, "BPF programs were already loaded; open a new BpfTelemetry"};
    }
    which = which & Programs::kAll;
    if (which == Programs::kNone) {
        return Error{EINVAL, "no BPF program group selected"};
    }
    if (includes(which, Programs::kFastmap) && !fastmap_tracepoints_present()) {
        return Error{ENOENT, "tracepoints events/fastmap/* not found: is fastmap.ko loaded?"};
    }
    attach_called_ = true;
    if (!includes(which, Programs::kStock)) {
        return try_attach(which, FaultSource::kNone);
    }

    // fexit/filemap_fault first; then the tracepoint, where trampolines are missing or
    // forbidden; then page-cache counting alone, so that the rest still works.
    auto fexit = try_attach(which, FaultSource::kFexit);
    if (fexit) {
        return fexit;
    }
    fallback_reason_ = fexit.error().message;
    if (tracepoint_present("filemap", "mm_filemap_fault")) {
        auto tp = try_attach(which, FaultSource::kTracepoint);
        if (tp) {
            return tp;
        }
        fallback_reason_ += "\nfilemap:mm_filemap_fault: " + tp.error().message;
    }
    auto none = try_attach(which, FaultSource::kNone);
    if (!none) {
        return Error{none.error().code,
                     none.error().message + "\n(fexit/filemap_fault: " + fallback_reason_ + ")"};
    }
    return none;
}

void BpfTelemetry::reset() {
    ring_.reset();
    links_.clear();
    pending_.clear();
    attached_ = Programs::kNone;
    fault_source_ = FaultSource::kNone;
}

Result<void> BpfTelemetry::try_attach(Programs which, FaultSource faults) {
    reset();
    if (load_tried_) {
        // A failed load leaves the object unusable: start again from a fresh one.
        skel_.reset();
        auto skel = open_skeleton(options_);
        if (!skel) {
            return skel.error();
        }
        skel_ = std::move(*skel);
        load_tried_ = false;
    }
    if (auto r = load(which, faults); !r) {
        return r;
    }
    if (auto r = attach_programs(); !r) {
        reset();
        return r;
    }
    ring_.reset(
        ring_buffer__new(bpf_map__fd(skel_->maps.events), &BpfTelemetry::on_event, this, nullptr));
    if (!ring_) {
        const int err = -errno;
        reset();
        return bpf_error(err, "cannot set up the event ring buffer");
    }
    attached_ = which;
    fault_source_ = includes(which, Programs::kStock) ? faults : FaultSource::kNone;
    return ok();
}

Result<void> BpfTelemetry::load(Programs which, FaultSource faults) {
    for (const ProgramChoice& c : choose_programs(*skel_, which, faults)) {
        bpf_program__set_autoload(c.prog, c.load);
    }
    load_tried_ = true;
    take_libbpf_log();  // only this load's diagnostics go into an error
    if (const int err = fastmap_bpf::load(skel_.get()); err != 0) {
        return bpf_error(err, "cannot load the BPF programs");
    }
    return ok();
}

Result<void> BpfTelemetry::attach_programs() {
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel_->obj) {
        if (!bpf_program__autoload(prog)) {
            continue;
        }
        bpf_link* link = bpf_program__attach(prog);
        if (link == nullptr) {
            const int err = -errno;
            const std::string_view section = bpf_program__section_name(prog);
            return bpf_error(err,
                             std::string("cannot attach ") + bpf_program__name(prog) + " (" +
                                 std::string(section) + ")",
                             tracefs_hint(err, section));
        }
        links_.emplace_back(link);
    }
    return ok();
}

Result<void> BpfTelemetry::require_loaded() const {
    if (attached_ == Programs::kNone) {
        return Error{EINVAL, "BPF telemetry is not attached"};
    }
    return ok();
}

Result<std::vector<InstanceCounters>> BpfTelemetry::instances() {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    std::vector<InstanceCounters> out;
    for (std::uint32_t slot = 0; slot < FM_MAX_INSTANCES; ++slot) {
        if (auto r = read_slot(skel_->maps.instances, slot, scratch_); !r) {
            return r.error();
        }
        if (auto counters = sum_instance(scratch_)) {
            out.push_back(*counters);
        }
    }
    std::sort(out.begin(), out.end(),
              [](const InstanceCounters& a, const InstanceCounters& b) { return a.id < b.id; });
    return out;
}

Result<std::optional<InstanceSample>> BpfTelemetry::instance_sample(std::uint32_t id,
                                                                    bool latency) {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    if (auto r = read_slot(skel_->maps.instances, instance_slot(id), scratch_); !r) {
        return r.error();
    }
    // The same answer as instances(): a slot shared by colliding ids reports the largest.
    auto counters = sum_instance(scratch_);
    if (!counters || counters->id != id) {
        return std::optional<InstanceSample>();
    }
    InstanceSample sample;
    sample.counters = *counters;
    if (latency) {
        sample.fault_latency = sum_fault_latency(scratch_);
        sample.evict_latency = sum_evict_latency(scratch_);
    }
    return std::optional<InstanceSample>(std::move(sample));
}

Result<std::vector<FileCounters>> BpfTelemetry::files() {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    bpf_map* map = skel_->maps.files;
    std::vector<fm_file_stats> percpu(ncpus_);
    std::vector<FileCounters> out;
    fm_file_key key{};
    fm_file_key next{};
    const fm_file_key* prev = nullptr;
    for (;;) {
        int err = bpf_map__get_next_key(map, prev, &next, sizeof(next));
        if (err == -ENOENT) {
            break;
        }
        if (err != 0) {
            return bpf_error(err, "cannot iterate map files");
        }
        key = next;
        prev = &key;
        err = bpf_map__lookup_elem(map, &key, sizeof(key), percpu.data(),
                                   percpu.size() * sizeof(percpu[0]), 0);
        if (err == -ENOENT) {
            continue;  // evicted by the LRU meanwhile
        }
        if (err != 0) {
            return bpf_error(err, "cannot read map files");
        }
        out.push_back(sum_file(key, percpu));
    }
    std::sort(out.begin(), out.end(),
              [](const FileCounters& a, const FileCounters& b) { return a.key < b.key; });
    return out;
}

Result<FileCounters> BpfTelemetry::file(FileKey key) {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    fm_file_key raw{};
    raw.dev = key.kdev;
    raw.ino = key.ino;
    std::vector<fm_file_stats> percpu(ncpus_);
    const int err = bpf_map__lookup_elem(skel_->maps.files, &raw, sizeof(raw), percpu.data(),
                                         percpu.size() * sizeof(percpu[0]), 0);
    if (err == -ENOENT) {
        return Error{ENOENT, "file not tracked"};
    }
    if (err != 0) {
        return bpf_error(err, "cannot read map files");
    }
    return sum_file(raw, percpu);
}

Result<Histogram> BpfTelemetry::latency(std::uint32_t id, bool evict) {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    if (auto r = read_slot(skel_->maps.instances, instance_slot(id), scratch_); !r) {
        return r.error();
    }
    if (!slot_has_id(scratch_, id)) {
        return Histogram{};
    }
    return evict ? sum_evict_latency(scratch_) : sum_fault_latency(scratch_);
}

Result<Histogram> BpfTelemetry::fault_latency(std::uint32_t id) {
    return latency(id, false);
}

Result<Histogram> BpfTelemetry::evict_latency(std::uint32_t id) {
    return latency(id, true);
}

int BpfTelemetry::on_event(void* ctx, void* data, std::size_t size) {
    auto* self = static_cast<BpfTelemetry*>(ctx);
    fm_event raw{};
    std::memcpy(&raw, data, std::min(size, sizeof(raw)));
    self->pending_.push_back(to_event(raw));
    return 0;
}

Result<std::vector<Event>> BpfTelemetry::drain_events() {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    if (const int n = ring_buffer__consume(ring_.get()); n < 0) {
        return bpf_error(n, "cannot read the event ring buffer");
    }
    std::vector<Event> out;
    out.swap(pending_);
    return out;
}

Result<Drops> BpfTelemetry::drops() {
    if (auto r = require_loaded(); !r) {
        return r.error();
    }
    const std::uint32_t key = 0;
    std::vector<fm_global_stats> percpu(ncpus_);
    const int err = bpf_map__lookup_elem(skel_->maps.global, &key, sizeof(key), percpu.data(),
                                         percpu.size() * sizeof(percpu[0]), 0);
    if (err != 0) {
        return bpf_error(err, "cannot read map global");
    }
    return sum_drops(percpu);
}

}  // namespace fastmap::telemetry
