// SPDX-License-Identifier: GPL-2.0-only
#include "core/telemetry_holder.hpp"

namespace fastmap::daemon {

namespace tm = fastmap::telemetry;

tm::Telemetry* TelemetryHolder::get(std::uint64_t now_ms) {
    const bool complete = current_ && tm::includes(current_->attached(), tm::Programs::kFastmap);
    if (complete || (tried_ && now_ms - last_try_ms_ < retry_ms_)) {
        return current_.get();
    }
    const bool module = module_present_();
    if (tried_ && current_ && !module) {
        return current_.get();  // nothing new to attach to
    }
    tried_ = true;
    last_try_ms_ = now_ms;
    const tm::Programs want = module ? tm::Programs::kAll : tm::Programs::kStock;
    auto next = factory_(want);
    if (!next) {
        if (next.error().message != last_error_) {
            last_error_ = next.error().message;
            log_.log(LogLevel::kWarning,
                     "BPF telemetry unavailable (" + last_error_ +
                         "); cache sizing uses the module's counters, batch tuning and "
                         "auto-enable wait for telemetry");
        }
        return current_.get();
    }
    last_error_.clear();
    current_ = std::move(*next);
    log_.log(LogLevel::kInfo, module ? "BPF telemetry attached (stock mmap and fastmap)"
                                     : "BPF telemetry attached (stock mmap; fastmap programs "
                                       "follow when the module is loaded)");
    return current_.get();
}

}  // namespace fastmap::daemon
