// SPDX-License-Identifier: GPL-2.0-only
// fastmapctl attach DEVICE --name NAME --cache SIZE [--batch N]
#include "cli.hpp"
#include "exit_codes.hpp"
#include "fastmap.h"
#include "output.hpp"
#include "units.hpp"

namespace fastmap::cli {

int verb_attach(Control& ctl, const AttachArgs& args, std::ostream& out, std::ostream& err) {
    constexpr std::string_view kVerb = "attach";
    if (auto valid = validate_name(args.name); !valid) {
        return report_usage(err, kVerb, valid.error().message);
    }
    if (args.device.empty()) {
        return report_usage(err, kVerb, "the block device path is empty");
    }
    auto cache = parse_size(args.cache);
    if (!cache) {
        return report_usage(err, kVerb, "--cache: " + cache.error().message);
    }
    if (*cache < FASTMAP_CACHE_MIN) {
        return report_usage(err, kVerb,
                            "--cache: " + format_bytes(*cache) + " is below the minimum of " +
                                format_bytes(FASTMAP_CACHE_MIN));
    }
    if (args.batch && (*args.batch < FASTMAP_BATCH_MIN || *args.batch > FASTMAP_BATCH_MAX)) {
        return report_usage(err, kVerb,
                            "--batch: " + std::to_string(*args.batch) + " is outside " +
                                std::to_string(FASTMAP_BATCH_MIN) + ".." +
                                std::to_string(FASTMAP_BATCH_MAX) + " pages");
    }

    AttachRequest req{args.device, args.name, *cache, args.batch};
    auto info = ctl.attach(req);
    if (!info) {
        return report_error(err, kVerb, info.error());
    }
    out << "attached " << info->name << ": " << info->device;
    if (info->dev.major != 0 || info->dev.minor != 0) {
        out << " (" << info->dev.str() << ")";
    }
    out << ", " << format_bytes(info->size_bytes) << ", cache " << format_bytes(info->cache_bytes)
        << ", batch " << info->batch_pages << " pages\n";
    out << "node: /dev/fastmap/" << info->name << '\n';
    return kExitOk;
}

}  // namespace fastmap::cli
