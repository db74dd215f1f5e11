// SPDX-License-Identifier: GPL-2.0-only
#include "netlink_control.hpp"

#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "fake_transport.hpp"
#include "fastmap.h"

namespace fastmap {
namespace {

using test::Raw;

Raw instance_attrs(std::string_view name, std::uint64_t faults) {
    Raw stats;
    stats.attr_u64(FASTMAP_STAT_FAULTS, faults);
    stats.attr_u64(FASTMAP_STAT_CACHE_PAGES, 64);
    Raw a;
    a.attr_str(FASTMAP_A_NAME, name).attr_str(FASTMAP_A_DEVICE_NAME, "vdb");
    a.attr_u32(FASTMAP_A_ID, 7).attr_u32(FASTMAP_A_WB_INTERVAL_MS, 5000);
    a.attr_u32(FASTMAP_A_DEV, encode_dev({254, 16}));
    a.attr_u64(FASTMAP_A_CACHE_BYTES, 64 * 4096);
    a.attr_nested(FASTMAP_A_STATS, stats);
    return a;
}

// A scripted kernel: the controller plus a fastmap family whose answers the test supplies.
struct FakeKernel {
    bool loaded = true;
    std::function<std::vector<nl::Bytes>(const nl::Message&)> fastmap;
    std::shared_ptr<std::vector<nl::Bytes>> sent = std::make_shared<std::vector<nl::Bytes>>();

    std::unique_ptr<nl::Transport> transport() {
        return std::make_unique<test::FakeTransport>(
            [this](const nl::Message& req) -> std::vector<nl::Bytes> {
                if (req.type == GENL_ID_CTRL) {
                    if (!loaded) {
                        return {test::error_msg(req.seq, ENOENT, {}, GENL_ID_CTRL)};
                    }
                    return test::family_reply(req);
                }
                EXPECT_EQ(req.type, test::kFamilyId);
                EXPECT_EQ(req.version, FASTMAP_GENL_VERSION);
                return fastmap(req);
            },
            sent);
    }
};

TEST(NetlinkControl, ModuleNotLoaded) {
    FakeKernel kernel;
    kernel.loaded = false;
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.list();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, kErrModuleNotLoaded);
    EXPECT_EQ(r.error().message, "fastmap kernel module is not loaded (modprobe fastmap)");

    auto info = ctl.module_info();
    ASSERT_TRUE(info.ok());
    EXPECT_FALSE(info->loaded);
}

TEST(NetlinkControl, AttachSendsAlignedRequestAndDecodesReply) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_ATTACH);
        EXPECT_EQ(req.flags, NLM_F_REQUEST | NLM_F_ACK);
        EXPECT_EQ(nl::get_string(req.attrs, FASTMAP_A_DEVICE), "/dev/vdb");
        EXPECT_EQ(nl::get_string(req.attrs, FASTMAP_A_NAME), "db0");
        EXPECT_EQ(nl::get_u64(req.attrs, FASTMAP_A_CACHE_BYTES), 1ULL << 30);
        EXPECT_EQ(nl::get_u32(req.attrs, FASTMAP_A_BATCH_PAGES), 64u);
        EXPECT_FALSE(req.attrs.count(FASTMAP_A_PAD));
        return std::vector<nl::Bytes>{test::genl_msg(test::kFamilyId, 0, req.seq,
                                                     FASTMAP_CMD_ATTACH, instance_attrs("db0", 0)),
                                      test::error_msg(req.seq, 0)};
    };
    NetlinkControl ctl(kernel.transport());
    auto info = ctl.attach({"/dev/vdb", "db0", 1ULL << 30, 64});
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->name, "db0");
    EXPECT_EQ(info->dev, (DevId{254, 16}));
    EXPECT_EQ(info->stats.cache_pages, 64u);

    // The CACHE_BYTES payload is the first attribute, 8-byte aligned in the message.
    const nl::Bytes& req = kernel.sent->back();
    EXPECT_EQ(req[20] | (req[21] << 8), 12);
    EXPECT_EQ(req[22] | (req[23] << 8), FASTMAP_A_CACHE_BYTES);
}

TEST(NetlinkControl, AttachAckOnlyReadsInstanceBack) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        if (req.cmd == FASTMAP_CMD_ATTACH) {
            EXPECT_FALSE(req.attrs.count(FASTMAP_A_BATCH_PAGES));
            return std::vector<nl::Bytes>{test::error_msg(req.seq, 0)};
        }
        EXPECT_EQ(req.cmd, FASTMAP_CMD_GET);
        EXPECT_EQ(nl::get_string(req.attrs, FASTMAP_A_NAME), "db1");
        return std::vector<nl::Bytes>{
            test::genl_msg(test::kFamilyId, 0, req.seq, FASTMAP_CMD_GET, instance_attrs("db1", 5)),
            test::error_msg(req.seq, 0)};
    };
    NetlinkControl ctl(kernel.transport());
    auto info = ctl.attach({"/dev/vdb", "db1", 1ULL << 30, std::nullopt});
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->stats.faults, 5u);
    EXPECT_EQ(kernel.sent->size(), 3u);  // getfamily, attach, get
}

TEST(NetlinkControl, PermissionDenied) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{test::error_msg(req.seq, EPERM)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.detach("db0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, kErrPermission);
    EXPECT_EQ(r.error().message, "permission denied: changes need CAP_SYS_ADMIN (run as root)");
}

TEST(NetlinkControl, KernelErrorCarriesExtack) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{test::error_msg(req.seq, EBUSY, "instance db0 is open")};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.detach("db0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EBUSY);
    EXPECT_EQ(r.error().message, "instance db0 is open (Device or resource busy)");
}

TEST(NetlinkControl, DetachReturnsAckWarning) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_DETACH);
        EXPECT_EQ(nl::get_string(req.attrs, FASTMAP_A_NAME), "db0");
        return std::vector<nl::Bytes>{
            test::error_msg(req.seq, 0, "writeback failed: some data did not reach the device")};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.detach("db0");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->warning, "writeback failed: some data did not reach the device");
}

TEST(NetlinkControl, ListDumpsAllInstances) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_GET);
        EXPECT_EQ(req.flags, NLM_F_REQUEST | NLM_F_DUMP);
        EXPECT_TRUE(req.attrs.empty());
        return std::vector<nl::Bytes>{
            test::concat({test::genl_msg(test::kFamilyId, NLM_F_MULTI, req.seq, FASTMAP_CMD_GET,
                                         instance_attrs("a", 1)),
                          test::genl_msg(test::kFamilyId, NLM_F_MULTI, req.seq, FASTMAP_CMD_GET,
                                         instance_attrs("b", 2))}),
            test::done_msg(req.seq)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.list();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].name, "a");
    EXPECT_EQ((*r)[1].stats.faults, 2u);
    // The family is resolved once per NetlinkControl.
    ASSERT_TRUE(ctl.list().ok());
    EXPECT_EQ(kernel.sent->size(), 3u);
}

TEST(NetlinkControl, GetUnknownInstance) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{test::error_msg(req.seq, ENOENT, "no instance 'zz'")};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.get("zz");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENOENT);  // not "module not loaded"
    EXPECT_EQ(r.error().message, "no instance 'zz' (No such file or directory)");
}

TEST(NetlinkControl, ModuleInfoReadsSysfsVersion) {
    const auto root = std::filesystem::path(::testing::TempDir()) /
                      ("fastmap-sysfs-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "module/fastmap");
    std::ofstream(root / "module/fastmap/version") << "0.1.0\n";
    FakeKernel kernel;
    NetlinkControl ctl(kernel.transport(), root.string());
    auto info = ctl.module_info();
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(info->loaded);
    EXPECT_EQ(info->genl_version, 1u);
    EXPECT_EQ(info->version, "0.1.0");
    std::filesystem::remove_all(root);
}

nl::Bytes ack(const nl::Message& req) {
    return test::error_msg(req.seq, 0);
}

TEST(NetlinkControl, SetSendsOnlyTheGivenKeys) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_SET);
        EXPECT_EQ(req.flags, NLM_F_REQUEST | NLM_F_ACK);
        EXPECT_EQ(nl::get_string(req.attrs, FASTMAP_A_NAME), "db0");
        EXPECT_EQ(nl::get_u32(req.attrs, FASTMAP_A_BATCH_PAGES), 256u);
        EXPECT_EQ(req.attrs.size(), 2u);  // NAME and BATCH_PAGES only
        return std::vector<nl::Bytes>{
            test::genl_msg(test::kFamilyId, 0, req.seq, FASTMAP_CMD_SET, instance_attrs("db0", 3)),
            ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    SetRequest req;
    req.batch_pages = 256;
    auto info = ctl.set("db0", req);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->name, "db0");
    EXPECT_EQ(info->id, 7u);
    EXPECT_EQ(info->wb_interval_ms, 5000u);
    EXPECT_EQ(info->stats.faults, 3u);
    EXPECT_EQ(kernel.sent->size(), 2u);  // getfamily, set: no read-back
}

TEST(NetlinkControl, SetEachKeyAlone) {
    const std::vector<std::pair<SetRequest, std::uint16_t>> cases{
        {SetRequest{1ULL << 30, {}, {}, {}}, FASTMAP_A_CACHE_BYTES},
        {SetRequest{{}, 1u, {}, {}}, FASTMAP_A_BATCH_PAGES},
        {SetRequest{{}, {}, 40u, {}}, FASTMAP_A_DIRTY_RATIO},
        {SetRequest{{}, {}, {}, 0u}, FASTMAP_A_WB_INTERVAL_MS},  // 0 (off) is still sent
    };
    for (const auto& [req, attr] : cases) {
        FakeKernel kernel;
        kernel.fastmap = [attr = attr](const nl::Message& m) {
            EXPECT_EQ(m.attrs.size(), 2u) << attr;
            EXPECT_TRUE(m.attrs.count(FASTMAP_A_NAME)) << attr;
            EXPECT_TRUE(m.attrs.count(attr)) << attr;
            return std::vector<nl::Bytes>{
                test::genl_msg(test::kFamilyId, 0, m.seq, FASTMAP_CMD_SET, instance_attrs("a", 0)),
                ack(m)};
        };
        NetlinkControl ctl(kernel.transport());
        ASSERT_TRUE(ctl.set("a", req).ok()) << attr;
    }
}

TEST(NetlinkControl, SetAllKeysBytes) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{
            test::genl_msg(test::kFamilyId, 0, req.seq, FASTMAP_CMD_SET, instance_attrs("db0", 0)),
            ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    ASSERT_TRUE(ctl.set("db0", SetRequest{2ULL << 30, 64u, 40u, 5000u}).ok());

    // CACHE_BYTES first, its payload 8-byte aligned: no FASTMAP_A_PAD, which strict validation
    // of the new commands would refuse.
    Raw want;
    want.u32(64).u16(test::kFamilyId).u16(NLM_F_REQUEST | NLM_F_ACK).u32(2).u32(0);
    want.u8(FASTMAP_CMD_SET).u8(FASTMAP_GENL_VERSION).u16(0);
    want.u16(12).u16(FASTMAP_A_CACHE_BYTES).u64(2ULL << 30);  // payload at 24
    want.u16(8).u16(FASTMAP_A_NAME).str("db0").u8(0);
    want.u16(8).u16(FASTMAP_A_BATCH_PAGES).u32(64);
    want.u16(8).u16(FASTMAP_A_DIRTY_RATIO).u32(40);
    want.u16(8).u16(FASTMAP_A_WB_INTERVAL_MS).u32(5000);
    ASSERT_EQ(kernel.sent->size(), 2u);
    EXPECT_EQ(kernel.sent->back(), want.get());
}

TEST(NetlinkControl, SetAckOnlyReadsInstanceBack) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        if (req.cmd == FASTMAP_CMD_SET) {
            return std::vector<nl::Bytes>{ack(req)};
        }
        EXPECT_EQ(req.cmd, FASTMAP_CMD_GET);
        return std::vector<nl::Bytes>{
            test::genl_msg(test::kFamilyId, 0, req.seq, FASTMAP_CMD_GET, instance_attrs("db0", 9)),
            ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    auto info = ctl.set("db0", SetRequest{{}, {}, 50u, {}});
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->stats.faults, 9u);
    EXPECT_EQ(kernel.sent->size(), 3u);
}

TEST(NetlinkControl, SetErrors) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{
            test::error_msg(req.seq, EBUSY, "cannot shrink: pages are mapped")};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.set("db0", SetRequest{1ULL << 20, {}, {}, {}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "cannot shrink: pages are mapped (Device or resource busy)");

    auto empty = ctl.set("db0", SetRequest{});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, EINVAL);
    EXPECT_EQ(kernel.sent->size(), 2u);  // nothing sent for the empty request
}

TEST(NetlinkControl, FileAddBytes) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_FILE_ADD);
        return std::vector<nl::Bytes>{ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.add_file({{8, 1}, 0x1122334455ULL}, "/data/db");
    ASSERT_TRUE(r.ok()) << r.error().message;

    Raw want;
    want.u32(56).u16(test::kFamilyId).u16(NLM_F_REQUEST | NLM_F_ACK).u32(2).u32(0);
    want.u8(FASTMAP_CMD_FILE_ADD).u8(FASTMAP_GENL_VERSION).u16(0);
    want.u16(12).u16(FASTMAP_A_FILE_INO).u64(0x1122334455ULL);  // payload at 24: no pad
    want.u16(8).u16(FASTMAP_A_FILE_DEV).u32(0x801);             // new_encode_dev(8:1)
    want.u16(13).u16(FASTMAP_A_FILE_PATH).str("/data/db").u8(0).zeros(3);
    EXPECT_EQ(kernel.sent->back(), want.get());
}

TEST(NetlinkControl, FileAddWithACacheSize) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_FILE_ADD);
        return std::vector<nl::Bytes>{ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.add_file_sized({{8, 1}, 0x1122334455ULL}, "/data/db", 1ULL << 30);
    ASSERT_TRUE(r.ok()) << r.error().message;

    // No FASTMAP_A_PAD (the kernel refuses it in requests): the second u64 goes unaligned.
    Raw want;
    want.u32(68).u16(test::kFamilyId).u16(NLM_F_REQUEST | NLM_F_ACK).u32(2).u32(0);
    want.u8(FASTMAP_CMD_FILE_ADD).u8(FASTMAP_GENL_VERSION).u16(0);
    want.u16(12).u16(FASTMAP_A_FILE_INO).u64(0x1122334455ULL);
    want.u16(8).u16(FASTMAP_A_FILE_DEV).u32(0x801);
    want.u16(12).u16(FASTMAP_A_CACHE_BYTES).u64(1ULL << 30);
    want.u16(13).u16(FASTMAP_A_FILE_PATH).str("/data/db").u8(0).zeros(3);
    EXPECT_EQ(kernel.sent->back(), want.get());
}

TEST(NetlinkControl, FileAddWithoutPathAndLargeDev) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.attrs.size(), 2u);
        EXPECT_FALSE(req.attrs.count(FASTMAP_A_FILE_PATH));
        EXPECT_EQ(nl::get_u32(req.attrs, FASTMAP_A_FILE_DEV), encode_dev({259, 65536}));
        EXPECT_EQ(nl::get_u64(req.attrs, FASTMAP_A_FILE_INO), 12u);
        return std::vector<nl::Bytes>{ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    ASSERT_TRUE(ctl.add_file({{259, 65536}, 12}, "").ok());
}

TEST(NetlinkControl, FileAddRefusesOverlongPath) {
    FakeKernel kernel;
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.add_file({{8, 1}, 1}, std::string(256, 'a'));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENAMETOOLONG);
    EXPECT_TRUE(kernel.sent->empty());
}

TEST(NetlinkControl, FileAddExists) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{test::error_msg(req.seq, EEXIST, "file already enabled")};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.add_file({{8, 1}, 5}, "/x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EEXIST);
    EXPECT_EQ(r.error().message, "file already enabled (File exists)");
}

TEST(NetlinkControl, FileDelBytes) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_FILE_DEL);
        return std::vector<nl::Bytes>{ack(req)};
    };
    NetlinkControl ctl(kernel.transport());
    ASSERT_TRUE(ctl.remove_file({{8, 1}, 77}).ok());

    Raw want;
    want.u32(40).u16(test::kFamilyId).u16(NLM_F_REQUEST | NLM_F_ACK).u32(2).u32(0);
    want.u8(FASTMAP_CMD_FILE_DEL).u8(FASTMAP_GENL_VERSION).u16(0);
    want.u16(12).u16(FASTMAP_A_FILE_INO).u64(77);
    want.u16(8).u16(FASTMAP_A_FILE_DEV).u32(0x801);
    EXPECT_EQ(kernel.sent->back(), want.get());
}

TEST(NetlinkControl, FileDelAbsent) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        return std::vector<nl::Bytes>{test::error_msg(req.seq, ENOENT)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.remove_file({{8, 1}, 77});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENOENT);
    EXPECT_EQ(r.error().message, "No such file or directory");
}

// A FILE_GET dump message as the kernel builds it (the u64 with nla_put_u64_64bit, which
// pads where unaligned access is slow).
nl::Bytes file_msg(std::uint32_t seq, std::uint32_t dev, std::uint64_t ino, std::string_view path) {
    Raw a;
    a.attr_u32(FASTMAP_A_FILE_DEV, dev);
    a.u16(4).u16(FASTMAP_A_PAD);
    a.attr_u64(FASTMAP_A_FILE_INO, ino);
    a.attr_str(FASTMAP_A_FILE_PATH, path);
    return test::genl_msg(test::kFamilyId, NLM_F_MULTI, seq, FASTMAP_CMD_FILE_GET, a);
}

TEST(NetlinkControl, ListFilesDecodesTheDump) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        EXPECT_EQ(req.cmd, FASTMAP_CMD_FILE_GET);
        EXPECT_EQ(req.flags, NLM_F_REQUEST | NLM_F_DUMP);
        EXPECT_TRUE(req.attrs.empty());
        return std::vector<nl::Bytes>{
            test::concat({file_msg(req.seq, 0x801, 12, "/data/a"),
                          file_msg(req.seq, encode_dev({259, 3}), 1ULL << 40, "")}),
            file_msg(req.seq, 0x810, 13, "/data/c"), test::done_msg(req.seq)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.list_files();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 3u);
    EXPECT_EQ((*r)[0], (FileEntry{{{8, 1}, 12}, "/data/a"}));
    EXPECT_EQ((*r)[1], (FileEntry{{{259, 3}, 1ULL << 40}, ""}));
    EXPECT_EQ((*r)[2], (FileEntry{{{8, 16}, 13}, "/data/c"}));
}

TEST(NetlinkControl, ListFilesWithInstancesAndCaches) {
    FakeKernel kernel;
    kernel.fastmap = [](const nl::Message& req) {
        Raw a;
        a.attr_u32(FASTMAP_A_FILE_DEV, 0x803);
        a.u16(4).u16(FASTMAP_A_PAD);
        a.attr_u64(FASTMAP_A_FILE_INO, 1234);
        a.attr_str(FASTMAP_A_FILE_PATH, "/data/db.mdb");
        a.u16(4).u16(FASTMAP_A_PAD);
        a.attr_u64(FASTMAP_A_CACHE_BYTES, 1ULL << 27);
        a.attr_str(FASTMAP_A_NAME, "f803.4d2");
        return std::vector<nl::Bytes>{
            test::genl_msg(test::kFamilyId, NLM_F_MULTI, req.seq, FASTMAP_CMD_FILE_GET, a),
            test::done_msg(req.seq)};
    };
    NetlinkControl ctl(kernel.transport());
    auto r = ctl.list_files();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    FileEntry want{{{8, 3}, 1234}, "/data/db.mdb"};
    want.instance = "f803.4d2";
    want.cache_bytes = 1ULL << 27;
    EXPECT_EQ((*r)[0], want);
}

TEST(NetlinkControl, ListFilesEmptyAndMalformed) {
    FakeKernel kernel;
    bool malformed = false;
    kernel.fastmap = [&malformed](const nl::Message& req) {
        std::vector<nl::Bytes> out;
        if (malformed) {
            Raw a;
            a.attr_str(FASTMAP_A_FILE_PATH, "/no/key");
            out.push_back(
                test::genl_msg(test::kFamilyId, NLM_F_MULTI, req.seq, FASTMAP_CMD_FILE_GET, a));
        }
        out.push_back(test::done_msg(req.seq));
        return out;
    };
    NetlinkControl ctl(kernel.transport());
    auto empty = ctl.list_files();
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_TRUE(empty->empty());
    malformed = true;
    auto bad = ctl.list_files();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EPROTO);
}

TEST(MapControlError, OnlyPermissionIsRewritten) {
    EXPECT_EQ(map_control_error({EINVAL, "x"}).message, "x");
    EXPECT_EQ(map_control_error({EPERM, "x"}).code, kErrPermission);
}

}  // namespace
}  // namespace fastmap
