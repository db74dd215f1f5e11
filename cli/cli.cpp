// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"

namespace fastmap::cli {

int run(const std::vector<std::string>& args, Control& ctl, std::ostream& out, std::ostream& err) {
    CLI::App app{"Control fastmap memory-mapped I/O caches over block devices.", "fastmapctl"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("fastmapctl ") + FASTMAP_VERSION);

    AttachArgs attach_args;
    std::uint32_t batch = 0;
    auto* attach = app.add_subcommand("attach", "Attach a cache to a block device (root)");
    attach->add_option("device", attach_args.device, "Block device, e.g. /dev/nvme0n1")->required();
    attach->add_option("-n,--name", attach_args.name, "Instance name: 1-31 of [A-Za-z0-9_.-]")
        ->required();
    attach
        ->add_option("-c,--cache", attach_args.cache,
                     "DRAM cache size: bytes or K, M, G, T (KiB...TiB, 1024-based), e.g. 512M")
        ->required();
    auto* batch_opt =
        attach->add_option("-b,--batch", batch, "Eviction batch in pages (1-4096; default 512)");

    std::string name;
    bool json = false;
    auto* detach = app.add_subcommand("detach", "Detach an instance (root)");
    detach->add_option("name", name, "Instance name")->required();

    auto* list = app.add_subcommand("list", "List the attached instances");
    list->add_flag("-j,--json", json, "JSON output");

    auto* stats = app.add_subcommand("stats", "Show an instance's configuration and counters");
    stats->add_option("name", name, "Instance name")->required();
    stats->add_flag("-j,--json", json, "JSON output");

    auto* version = app.add_subcommand("version", "Show fastmapctl's and the module's versions");
    version->add_flag("-j,--json", json, "JSON output");

    std::vector<const char*> argv{"fastmapctl"};
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e, out, err);
        return rc == 0 ? kExitOk : kExitUsage;
    }

    if (attach->parsed()) {
        if (batch_opt->count() > 0) {
            attach_args.batch = batch;
        }
        return verb_attach(ctl, attach_args, out, err);
    }
    if (detach->parsed()) {
        return verb_detach(ctl, name, out, err);
    }
    if (list->parsed()) {
        return verb_list(ctl, json, out, err);
    }
    if (stats->parsed()) {
        return verb_stats(ctl, name, json, out, err);
    }
    if (version->parsed()) {
        return verb_version(ctl, json, out, err);
    }
    return kExitUsage;  // not reached: require_subcommand(1)
}

}  // namespace fastmap::cli
