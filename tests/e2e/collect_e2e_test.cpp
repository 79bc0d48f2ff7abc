// SPDX-License-Identifier: GPL-2.0-or-later
// Collect end to end in one process: fpb-host's core, the real plugin library loaded through its
// manifest, real libusb, the emulated reader. Every wrong press gets its own prompt; two readers
// enroll at once; the database and logs never hold template bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <sstream>

#include "collect_runner.h"
#include "emulated_reader.h"
#include "emulated_world.h"
#include "host_context.h"
#include "host_logging.h"
#include "reader_directory.h"

namespace fs = std::filesystem;
using namespace fpb::host;

namespace {

class CollectE2e : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fpb-e2e-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        config_.dataDir = dir_;
        config_.pluginDir = READER_PLUGIN_DIR;
        ::setenv("FPB_MASTER_KEY", std::string(64, 'b').c_str(), 1);
        setUpLogging(config_.logDir(), "debug");
    }
    void TearDown() override { fs::remove_all(dir_); }

    void addUser(HostContext& host, const std::string& id) {
        User u;
        u.id = id;
        u.name = "User " + id;
        host.users().addUser(u);
    }
    CollectRequest request(const std::string& user, int finger) {
        CollectRequest r;
        r.userId = user;
        r.finger = finger;
        r.consentConfirmed = true;
        r.consentOperator = "tester";
        return r;
    }
    fs::path dir_;
    HostConfig config_;
};

TEST_F(CollectE2e, EveryWrongPressGetsItsOwnPromptAndTheEnrollmentStillSucceeds) {
    EmulationOptions emulation;
    emulation.readers = 1;
    EmulatedWorld world(emulation);
    HostContext host(config_);
    addUser(host, "1001");
    auto script = parsePressScript(
        "not_flat finger=3\ntip_only finger=3\ntoo_low finger=3\noff_center finger=3\nforeign_matter finger=3\n"
        "too_moist finger=3\ntoo_dry finger=3\ngood finger=3\nhold_too_long finger=3\ngood finger=3\n",
        "script");
    std::ostringstream out;
    auto outcome = runCollect(host, &world, request("1001", 2), script, out, true);
    ASSERT_TRUE(outcome.saved) << out.str();
    auto saw = [&](int code) { return std::count(outcome.prompts.begin(), outcome.prompts.end(), code) > 0; };
    EXPECT_TRUE(saw(fpb::kPromptNotFlat)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptTipOnly)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptMoveUp)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptMoveLeft) || saw(fpb::kPromptMoveRight)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptForeignMatter)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptTooMoist)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptTooDry)) << out.str();
    EXPECT_TRUE(saw(fpb::kPromptHeldTooLong)) << out.str();  // the buzzer and "lift your finger now"
    EXPECT_GE(world.bed().beeps(0), 1);
    EXPECT_EQ(host.users().fingerprintsOf("1001").size(), 1u);
}

TEST_F(CollectE2e, ADuplicateFingerIsRefusedAndNothingIsSaved) {
    EmulationOptions emulation;
    emulation.readers = 1;
    EmulatedWorld world(emulation);
    HostContext host(config_);
    addUser(host, "1001");
    addUser(host, "1002");
    auto script = parsePressScript("good finger=4\ngood finger=4\ngood finger=4\n", "script");
    std::ostringstream out;
    ASSERT_TRUE(runCollect(host, &world, request("1001", 2), script, out, true).saved) << out.str();
    auto second = runCollect(host, &world, request("1002", 7), script, out, true);
    EXPECT_FALSE(second.saved);
    EXPECT_NE(second.failure.find("already enrolled for user 1001"), std::string::npos) << second.failure;
    EXPECT_TRUE(host.users().fingerprintsOf("1002").empty());
}

TEST_F(CollectE2e, TwoReadersEnrollTwoUsersAtOnce) {
    EmulationOptions emulation;
    emulation.readers = 2;
    EmulatedWorld world(emulation);
    HostContext host(config_);
    addUser(host, "2001");
    addUser(host, "2002");
    ReaderDirectory readers(host.plugins());
    ASSERT_TRUE(readers.waitForReaders(2, 5000));
    CollectService service(readers, host.users(), 3);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(world.press(0, "good", 11, 0), "");
        ASSERT_EQ(world.press(1, "good", 12, 0), "");
    }
    auto a = request("2001", 2), b = request("2002", 2);
    a.deviceId = world.bed().deviceId(0);
    b.deviceId = world.bed().deviceId(1);
    auto sa = service.start(a);
    auto sb = service.start(b);
    EXPECT_EQ(sa->waitDone(60000), fpb::kSessionCompleted);
    EXPECT_EQ(sb->waitDone(60000), fpb::kSessionCompleted);
    sa->finish();
    sb->finish();
    EXPECT_EQ(host.users().fingerprintsOf("2001").size(), 1u);
    EXPECT_EQ(host.users().fingerprintsOf("2002").size(), 1u);
    // Each user got their own finger: they do not match each other.
    EXPECT_NE(host.users().fingerprintsOf("2001")[0].isoTemplate, host.users().fingerprintsOf("2002")[0].isoTemplate);
}

TEST_F(CollectE2e, UnplugDuringCollectEndsWithAClearMessageAndThenItWorks) {
    EmulationOptions emulation;
    emulation.readers = 1;
    EmulatedWorld world(emulation);
    HostContext host(config_);
    addUser(host, "3001");
    ReaderDirectory readers(host.plugins());
    ASSERT_TRUE(readers.waitForReaders(1, 5000));
    CollectService service(readers, host.users(), 3);
    auto session = service.start(request("3001", 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    world.bed().unplug(0);
    EXPECT_EQ(session->waitDone(3000), fpb::kSessionFailed);
    bool told = false;
    for (const auto& e : session->eventsAfter(0, 0))
        if (e.kind == "failed" && e.text.find("unplugged") != std::string::npos) told = true;
    EXPECT_TRUE(told);
    EXPECT_TRUE(host.users().fingerprintsOf("3001").empty());
    service.forget(session->id());
    session.reset();
    world.bed().replug(0);
    ASSERT_TRUE(readers.waitForReaders(1, 5000));
    for (int i = 0; i < 3; ++i) world.press(0, "good", 21, 0);
    auto again = service.start(request("3001", 2));
    EXPECT_EQ(again->waitDone(60000), fpb::kSessionCompleted);
    again->finish();
    EXPECT_EQ(host.users().fingerprintsOf("3001").size(), 1u);
}

TEST_F(CollectE2e, TheDatabaseAndTheLogsHoldNoTemplateBytes) {
    EmulationOptions emulation;
    emulation.readers = 1;
    EmulatedWorld world(emulation);
    std::vector<std::uint8_t> stored;
    {
        HostContext host(config_);
        addUser(host, "4001");
        auto script = parsePressScript("good finger=8\ngood finger=8\ngood finger=8\n", "script");
        std::ostringstream out;
        ASSERT_TRUE(runCollect(host, &world, request("4001", 2), script, out, true).saved);
        stored = host.users().fingerprintsOf("4001").at(0).isoTemplate;
    }
    ASSERT_GT(stored.size(), 40u);
    // Any 16-byte window of the minutiae data must appear nowhere in the data directory's files.
    std::string needle(stored.begin() + 28, stored.begin() + 44);
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(bytes.find(needle), std::string::npos) << e.path();
        EXPECT_EQ(bytes.find("FMR"), std::string::npos) << e.path() << " holds a template header";
        ++files;
    }
    EXPECT_GE(files, 2);  // at least the database and the log
    EXPECT_TRUE(fs::exists(dir_ / "logs" / "fpb-host.log"));
}

} // namespace
