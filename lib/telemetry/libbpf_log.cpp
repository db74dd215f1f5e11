// SPDX-License-Identifier: GPL-2.0-only
#include "telemetry/libbpf_log.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace fastmap::telemetry {

namespace {

constexpr std::size_t kKeepBytes = 8192;

std::mutex log_mutex;
std::string log_text;  // guarded by log_mutex
bool log_debug = false;

int print_fn(enum libbpf_print_level level, const char* format, va_list args) {
    va_list copy;
    va_copy(copy, args);
    if (log_debug) {
        std::vfprintf(stderr, format, copy);
    }
    va_end(copy);
    if (level == LIBBPF_DEBUG) {
        return 0;
    }
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line), format, args);
    if (n <= 0) {
        return n;
    }
    const std::lock_guard lock(log_mutex);
    log_text.append(line, std::strlen(line));
    if (log_text.size() > kKeepBytes) {
        log_text.erase(0, log_text.size() - kKeepBytes);
    }
    return n;
}

}  // namespace

void capture_libbpf_log() {
    static std::once_flag once;
    std::call_once(once, [] {
        const char* debug = std::getenv("FASTMAP_BPF_DEBUG");
        log_debug = debug != nullptr && std::strcmp(debug, "1") == 0;
        libbpf_set_print(print_fn);
    });
}

std::string take_libbpf_log() {
    const std::lock_guard lock(log_mutex);
    std::string out;
    out.swap(log_text);
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

}  // namespace fastmap::telemetry
