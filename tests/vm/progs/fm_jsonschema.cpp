// SPDX-License-Identifier: GPL-2.0-only
// fm_jsonschema: validates JSON on stdin against a JSON Schema file with fastmapd's validator
// (daemon/policy/schema_validator.hpp), for the VM suites (the guest has no python or jq).
//   fm_jsonschema SCHEMA            stdin is one JSON document
//   fm_jsonschema SCHEMA --lines    stdin is JSON Lines: every non-empty line is a document
// Exit codes: 0 valid (at least one document), 1 invalid (errors on stderr), 2 usage, an
// unreadable schema or input that is not JSON.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "policy/schema_validator.hpp"

namespace {

namespace pd = fastmap::daemon::policy_detail;

// Errors of one document, printed with its number; the count.
std::size_t check(const nlohmann::json& schema, const nlohmann::json& doc, std::size_t n) {
    const auto errors = pd::validate_against_schema(schema, doc);
    for (const auto& e : errors) {
        std::cerr << "fm_jsonschema: document " << n << ": "
                  << (e.pointer.empty() ? "/" : e.pointer) << ": " << e.message << "\n";
    }
    return errors.size();
}

}  // namespace

int main(int argc, char** argv) {
    const bool lines = argc == 3 && std::string(argv[2]) == "--lines";
    if (argc < 2 || argc > 3 || (argc == 3 && !lines)) {
        std::cerr << "usage: fm_jsonschema SCHEMA [--lines] < JSON\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    const nlohmann::json schema = nlohmann::json::parse(in, nullptr, false);
    if (!in.good() && schema.is_discarded()) {
        std::cerr << "fm_jsonschema: " << argv[1] << ": cannot read or parse the schema\n";
        return 2;
    }
    if (auto unsupported = pd::unsupported_schema_features(schema); !unsupported.empty()) {
        std::cerr << "fm_jsonschema: " << argv[1] << ": unsupported: " << unsupported.front()
                  << "\n";
        return 2;
    }
    std::vector<std::string> docs;
    if (lines) {
        for (std::string line; std::getline(std::cin, line);) {
            if (line.find_first_not_of(" \t\r") != std::string::npos) {
                docs.push_back(line);
            }
        }
    } else {
        std::ostringstream all;
        all << std::cin.rdbuf();
        docs.push_back(all.str());
    }
    if (docs.empty()) {
        std::cerr << "fm_jsonschema: no JSON on stdin\n";
        return 2;
    }
    std::size_t errors = 0;
    for (std::size_t i = 0; i < docs.size(); ++i) {
        const nlohmann::json doc = nlohmann::json::parse(docs[i], nullptr, false);
        if (doc.is_discarded()) {
            std::cerr << "fm_jsonschema: document " << i + 1
                      << " is not JSON: " << docs[i].substr(0, 200) << "\n";
            return 2;
        }
        errors += check(schema, doc, i + 1);
    }
    return errors == 0 ? 0 : 1;
}
