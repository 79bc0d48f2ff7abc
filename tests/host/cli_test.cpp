// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host as an operator runs it: a separate process, from another working directory.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

struct CliRun {
    int status;
    std::string output;  // stdout and stderr
};

class HostCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fpb-cli-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        // Every command needs a logged-in operator: the first administrator, then a login.
        ASSERT_EQ(run("setup --admin cli-admin --password-stdin", "Cli-Test-Pass-7!").status, 0);
        ASSERT_EQ(run("login --operator cli-admin --password-stdin", "Cli-Test-Pass-7!").status, 0);
    }
    void TearDown() override { fs::remove_all(dir_); }

    CliRun run(const std::string& args, const std::string& stdinLine = "") {
        std::string command = "cd / && " + (stdinLine.empty() ? std::string() : "printf '%s\\n' '" + stdinLine + "' | ") +
                              "FPB_DATA_DIR='" + dir_.string() + "' '" FPB_HOST_EXE "' " + args + " 2>&1";
        FILE* pipe = ::popen(command.c_str(), "r");
        std::string out;
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
        int status = ::pclose(pipe);
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
    }
    fs::path dir_;
};

TEST_F(HostCli, FindsItsPluginsWithoutFlagsFromAnyWorkingDirectory) {
    CliRun r = run("plugins --json");
    ASSERT_EQ(r.status, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j["loaded"].size(), 1u) << r.output;
    EXPECT_EQ(j["loaded"][0]["id"], "org.fpbridge.usb-fingerprint-reader-v2");
    EXPECT_EQ(j["loaded"][0]["device_types"][0]["display_name"], "USB Fingerprint Reader (V2)");
    CliRun text = run("plugins");
    EXPECT_NE(text.output.find("USB Fingerprint Reader (V2)"), std::string::npos);
}

TEST_F(HostCli, UserCommandsWorkAndBadInputChangesNothing) {
    CliRun add = run("users add --id 1001 --name 'Ada Lovelace' --type vip --valid-from 2026-01-01 --valid-until 2027-01-01");
    ASSERT_EQ(add.status, 0) << add.output;
    CliRun dup = run("users add --id 1001 --name 'Someone Else'");
    EXPECT_EQ(dup.status, 2);
    EXPECT_NE(dup.output.find("already exists"), std::string::npos) << dup.output;
    CliRun empty = run("users add --id 1002 --name ''");
    EXPECT_EQ(empty.status, 2);
    EXPECT_NE(empty.output.find("user name is empty"), std::string::npos) << empty.output;
    CliRun badDate = run("users add --id 1003 --name X --valid-until 31/12/2026");
    EXPECT_EQ(badDate.status, 2);
    EXPECT_NE(badDate.output.find("is not a date"), std::string::npos) << badDate.output;

    CliRun list = run("users list --json");
    ASSERT_EQ(list.status, 0) << list.output;
    auto users = nlohmann::json::parse(list.output);
    ASSERT_EQ(users.size(), 1u);
    EXPECT_EQ(users[0]["name"], "Ada Lovelace");
    EXPECT_EQ(users[0]["valid_until"], "2027-01-01");

    CliRun show = run("users show 1001");
    EXPECT_EQ(show.status, 0);
    EXPECT_NE(show.output.find("Ada Lovelace"), std::string::npos);
    EXPECT_EQ(run("users show 9999").status, 2);
    EXPECT_EQ(run("users delete 1001").status, 0);
    EXPECT_EQ(run("users delete 1001").status, 2);
    EXPECT_EQ(nlohmann::json::parse(run("users list --json").output).size(), 0u);
}

TEST_F(HostCli, CommandsNeedALoginAndLogoutEndsIt) {
    ASSERT_EQ(run("logout").status, 0);
    CliRun refused = run("users list");
    EXPECT_EQ(refused.status, 3) << refused.output;
    EXPECT_NE(refused.output.find("needs a login: run `fpb-host login`"), std::string::npos) << refused.output;
    CliRun wrong = run("login --operator cli-admin --password-stdin", "Wrong-Pass-77!");
    EXPECT_EQ(wrong.status, 3);
    EXPECT_NE(wrong.output.find("wrong operator name or password"), std::string::npos) << wrong.output;
    EXPECT_EQ(run("users list").status, 3);
    ASSERT_EQ(run("login --operator cli-admin --password-stdin", "Cli-Test-Pass-7!").status, 0);
    EXPECT_EQ(run("users list").status, 0);
    // The session file holds only a random token, readable by its owner alone.
    auto session = dir_ / "sessions" / ("cli-" + std::to_string(::getuid()));
    ASSERT_TRUE(fs::exists(session));
    EXPECT_EQ(fs::status(session).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(HostCli, LogsGoToARotatingFileInTheDataDirectory) {
    run("plugins");
    EXPECT_TRUE(fs::exists(dir_ / "logs" / "fpb-host.log"));
}

} // namespace
