// SPDX-License-Identifier: GPL-2.0-only
#include "output.hpp"

#include <algorithm>
#include <cstdio>

#include "exit_codes.hpp"

namespace fastmap::cli {

std::size_t display_width(std::string_view text) {
    // UTF-8: every byte but the continuation bytes (10xxxxxx) starts a character.
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(columns_.size());
    rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> width(columns_.size(), 0);
    const bool header = std::any_of(columns_.begin(), columns_.end(),
                                    [](const Column& c) { return !c.header.empty(); });
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        width[i] = header ? display_width(columns_[i].header) : 0;
        for (const auto& row : rows_) {
            width[i] = std::max(width[i], display_width(row[i]));
        }
    }
    auto print_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const std::string pad(width[i] - display_width(cells[i]), ' ');
            if (i > 0) {
                line += "  ";
            }
            line += columns_[i].align == Align::kRight ? pad + cells[i] : cells[i] + pad;
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    };
    if (header) {
        std::vector<std::string> names;
        for (const auto& c : columns_) {
            names.push_back(c.header);
        }
        print_row(names);
    }
    for (const auto& row : rows_) {
        print_row(row);
    }
}

std::string device_label(const InstanceInfo& info) {
    return info.file ? "file:" + info.file->path : info.device;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return "-";
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f%%",
                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

int report_error(std::ostream& err, std::string_view verb, const Error& error) {
    err << "fastmapctl: " << verb << ": " << error.message << '\n';
    return exit_code_for(error);
}

int report_usage(std::ostream& err, std::string_view verb, std::string_view message) {
    err << "fastmapctl: " << verb << ": " << message << '\n';
    return kExitUsage;
}

}  // namespace fastmap::cli
