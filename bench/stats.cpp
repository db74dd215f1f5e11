// SPDX-License-Identifier: GPL-2.0-only
#include "stats.hpp"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>

namespace fmbench {
namespace {

uint64_t sum_interrupt_line(const std::string& name) {
    std::ifstream in("/proc/interrupts");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string label;
        ls >> label;
        if (label != name + ":")
            continue;
        uint64_t sum = 0, v = 0;
        while (ls >> v)
            sum += v;
        return sum;
    }
    return 0;
}

// /proc/stat: the all-CPU line (USER_HZ ticks), the context switches ("ctxt")
// and the interrupts ("intr", its first number is the total).
void read_cpu_ticks(SysCounters& c) {
    std::ifstream in("/proc/stat");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string label;
        ls >> label;
        if (label == "cpu") {
            uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
            if (!(ls >> user >> nice >> system >> idle >> iowait >> irq >> softirq))
                continue;
            c.cpu_busy_ticks = user + nice + system + irq + softirq;
            c.cpu_total_ticks = c.cpu_busy_ticks + idle + iowait;
        } else if (label == "ctxt") {
            ls >> c.ctx_switches;
        } else if (label == "intr") {
            ls >> c.interrupts;
        }
    }
}

}  // namespace

std::string disk_name(int fd, const std::string& path) {
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return {};
    dev_t dev = 0;
    if (S_ISBLK(st.st_mode)) {
        dev = st.st_rdev;
    } else {
        fastmap_info info{};
        if (ioctl(fd, FASTMAP_IOC_GET_INFO, &info) != 0)
            return {};
        dev = makedev((info.dev & 0xfff00) >> 8, (info.dev & 0xff) | ((info.dev >> 12) & 0xfff00));
    }
    std::ifstream in("/proc/diskstats");
    unsigned maj = 0, min = 0;
    std::string name, rest;
    while (in >> maj >> min >> name && std::getline(in, rest)) {
        if (maj == major(dev) && min == minor(dev))
            return name;
    }
    (void)path;
    return {};
}

SysCounters sample(int fd, const std::string& disk, bool fastmap) {
    SysCounters c;
    c.tlb_ipis = sum_interrupt_line("TLB");
    c.call_ipis = sum_interrupt_line("CAL");
    read_cpu_ticks(c);
    if (!disk.empty()) {
        std::ifstream in("/proc/diskstats");
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            unsigned maj = 0, min = 0;
            std::string name;
            uint64_t f[7] = {};
            ls >> maj >> min >> name;
            if (name != disk)
                continue;
            for (auto& v : f)
                ls >> v;
            c.read_bytes = f[2] * 512;   // sectors read
            c.write_bytes = f[6] * 512;  // sectors written
        }
    }
    if (fastmap) {
        fastmap_stats st{};
        if (ioctl(fd, FASTMAP_IOC_GET_STATS, &st) == 0)
            c.fastmap = st;
    }
    return c;
}

}  // namespace fmbench
