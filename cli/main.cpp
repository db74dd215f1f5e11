// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "netlink_control.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    fastmap::NetlinkControl ctl;
    const int rc = fastmap::cli::run(args, ctl, std::cout, std::cerr);
    std::cout.flush();
    return rc;
}
