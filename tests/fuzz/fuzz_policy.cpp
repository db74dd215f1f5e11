// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: fastmapd's policy parser (daemon/policy). Any input must give either a policy
// or issues, never a crash, sanitizer report or hang; a policy that parses must survive the
// documented round trip parse_policy(policy_to_json(p).dump()) == p.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/policy_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = fastmap::daemon::parse_policy(text, "fuzz.json");
    if (!parsed.ok()) {
        if (parsed.issues.empty()) {
            std::abort();  // a refusal must always say why
        }
        return 0;
    }
    const std::string again = fastmap::daemon::policy_to_json(*parsed.policy).dump();
    auto back = fastmap::daemon::parse_policy(again, "fuzz.json");
    if (!back.ok()) {
        std::abort();  // the daemon's own rendering of a valid policy must be valid
    }
    back.policy->sources = parsed.policy->sources;
    if (!(*back.policy == *parsed.policy)) {
        std::abort();
    }
    return 0;
}
