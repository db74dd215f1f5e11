// SPDX-License-Identifier: GPL-2.0-only
#include "policy_schema.hpp"

namespace fastmap::daemon {

const nlohmann::json& policy_schema() {
    static const nlohmann::json schema =
        nlohmann::json::parse(policy_schema_text(), nullptr, /*allow_exceptions=*/false);
    return schema;
}

}  // namespace fastmap::daemon
