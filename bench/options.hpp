// SPDX-License-Identifier: GPL-2.0-only
// fmbench command-line options.
#pragma once

#include <cstdint>
#include <string>

namespace fmbench {

enum class Mode { kLinuxMmap, kFastmap, kPreadDirect };
enum class Op { kRead, kWrite, kMixed };
enum class Pattern { kRandom, kSequential };

struct Options {
    Mode mode = Mode::kFastmap;
    Op op = Op::kRead;
    Pattern pattern = Pattern::kRandom;
    std::string path;
    unsigned threads = 1;
    unsigned seconds = 10;
    uint64_t pages = 0;  // dataset in 4 KiB pages; 0 = the whole device
    std::string json;    // write the JSON summary here ("-" = stdout)
    bool quiet = false;  // no per-second lines
    bool warm = false;   // touch the whole dataset once before timing
    uint64_t remap = 0;  // >0: map windows of this many pages, touch each, unmap
};

const char* to_string(Mode m);
const char* to_string(Op o);
const char* to_string(Pattern p);

}  // namespace fmbench
