// SPDX-License-Identifier: GPL-2.0-only
#include "netlink_control.hpp"

#include <gtest/gtest.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

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
    EXPECT_EQ(r.error().message,
              "permission denied: attach/detach need CAP_SYS_ADMIN (run as root)");
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
    const auto root = std::filesystem::path(::testing::TempDir()) / "fastmap-sysfs";
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

TEST(MapControlError, OnlyPermissionIsRewritten) {
    EXPECT_EQ(map_control_error({EINVAL, "x"}).message, "x");
    EXPECT_EQ(map_control_error({EPERM, "x"}).code, kErrPermission);
}

}  // namespace
}  // namespace fastmap
