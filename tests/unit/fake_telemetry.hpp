// SPDX-License-Identifier: GPL-2.0-only
// An in-memory Telemetry: tests fill raw per-CPU map values (the structs of bpf/fastmap_tp.h),
// and the fake sums them with the same functions BpfTelemetry uses.
#pragma once

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "fastmap_tp.h"
#include "telemetry/percpu.hpp"
#include "telemetry/telemetry.hpp"

namespace fastmap::test {

class FakeTelemetry final : public telemetry::Telemetry {
public:
    explicit FakeTelemetry(unsigned ncpus)
        : instance_slots(FM_MAX_INSTANCES, std::vector<fm_instance_stats>(ncpus)),
          global(ncpus),
          ncpus_(ncpus) {}

    // Raw per-CPU values, laid out like the maps: [key][cpu].
    std::vector<std::vector<fm_instance_stats>> instance_slots;
    std::map<telemetry::FileKey, std::vector<fm_file_stats>> file_slots;
    std::vector<fm_global_stats> global;
    std::deque<fm_event> ring;
    std::optional<Error> fail;  // every call fails with this when set
    telemetry::FaultSource source = telemetry::FaultSource::kFexit;  // once stock is attached

    fm_instance_stats& instance(unsigned cpu, std::uint32_t id) {
        fm_instance_stats& s = instance_slots[telemetry::instance_slot(id)][cpu];
        s.id = id;
        s.used = 1;
        return s;
    }
    fm_file_stats& file_on(unsigned cpu, telemetry::FileKey key) {
        auto it = file_slots.try_emplace(key, ncpus_).first;
        return it->second[cpu];
    }

    Result<void> attach(telemetry::Programs which) override {
        if (fail) {
            return *fail;
        }
        if (attached_ != telemetry::Programs::kNone) {
            return Error{EALREADY, "already attached"};
        }
        attached_ = which;
        return ok();
    }
    telemetry::Programs attached() const override { return attached_; }
    telemetry::FaultSource fault_source() const override {
        return telemetry::includes(attached_, telemetry::Programs::kStock)
                   ? source
                   : telemetry::FaultSource::kNone;
    }

    Result<std::vector<telemetry::InstanceCounters>> instances() override {
        if (fail) {
            return *fail;
        }
        std::vector<telemetry::InstanceCounters> out;
        for (const auto& percpu : instance_slots) {
            if (auto c = telemetry::sum_instance(percpu)) {
                out.push_back(*c);
            }
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        return out;
    }

    Result<std::vector<telemetry::FileCounters>> files() override {
        if (fail) {
            return *fail;
        }
        std::vector<telemetry::FileCounters> out;
        for (const auto& [key, percpu] : file_slots) {
            out.push_back(telemetry::sum_file(raw_key(key), percpu));
        }
        return out;
    }

    Result<telemetry::FileCounters> file(telemetry::FileKey key) override {
        if (fail) {
            return *fail;
        }
        auto it = file_slots.find(key);
        if (it == file_slots.end()) {
            return Error{ENOENT, "file not tracked"};
        }
        return telemetry::sum_file(raw_key(key), it->second);
    }

    Result<telemetry::Histogram> fault_latency(std::uint32_t id) override {
        const auto& percpu = instance_slots[telemetry::instance_slot(id)];
        if (!telemetry::slot_has_id(percpu, id)) {
            return telemetry::Histogram{};
        }
        return telemetry::sum_fault_latency(percpu);
    }

    Result<telemetry::Histogram> evict_latency(std::uint32_t id) override {
        const auto& percpu = instance_slots[telemetry::instance_slot(id)];
        if (!telemetry::slot_has_id(percpu, id)) {
            return telemetry::Histogram{};
        }
        return telemetry::sum_evict_latency(percpu);
    }

    Result<std::vector<telemetry::Event>> drain_events() override {
        if (fail) {
            return *fail;
        }
        std::vector<telemetry::Event> out;
        for (const fm_event& e : ring) {
            out.push_back(telemetry::to_event(e));
        }
        ring.clear();
        return out;
    }

    Result<telemetry::Drops> drops() override {
        if (fail) {
            return *fail;
        }
        return telemetry::sum_drops(global);
    }

private:
    static fm_file_key raw_key(telemetry::FileKey key) {
        fm_file_key raw{};
        raw.dev = key.kdev;
        raw.ino = key.ino;
        return raw;
    }

    unsigned ncpus_;
    telemetry::Programs attached_ = telemetry::Programs::kNone;
};

}  // namespace fastmap::test
