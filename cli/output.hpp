// SPDX-License-Identifier: GPL-2.0-only
// Human output helpers: aligned tables, percentages, error lines.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "result.hpp"

namespace fastmap::cli {

// Characters in UTF-8 text (for alignment: "µs" is 2 columns, 3 bytes).
std::size_t display_width(std::string_view text);

class Table {
public:
    enum class Align { kLeft, kRight };
    struct Column {
        std::string header;  // empty headers on every column: no header line
        Align align = Align::kLeft;
    };

    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
    void add_row(std::vector<std::string> cells);
    // Columns separated by two spaces; no trailing blanks.
    void print(std::ostream& out) const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

// What an instance caches, for the DEVICE columns: the block device's path, or "file:PATH" for a
// per-file instance.
std::string device_label(const InstanceInfo& info);

// "97.5%"; "-" when the denominator is 0.
std::string percent(std::uint64_t part, std::uint64_t whole);

// Prints "fastmapctl: <verb>: <message>" to err and returns exit_code_for(error).
int report_error(std::ostream& err, std::string_view verb, const Error& error);
// The same for command-line mistakes found after parsing; returns kExitUsage.
int report_usage(std::ostream& err, std::string_view verb, std::string_view message);

}  // namespace fastmap::cli
