// SPDX-License-Identifier: GPL-2.0-or-later
// Operator accounts: the password policy's reasons, Argon2id hashes, lockout, password age,
// session expiry, the role matrix, and the rules that keep an administrator.
#include "operator_accounts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "user_store.h"

namespace fs = std::filesystem;
using namespace fpb::host;

namespace {

constexpr const char* kGood = "Quiet-Harbour-42";

class OperatorAccountsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fpb-accounts-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        db_ = std::make_unique<Database>(dir_ / "fpbridge.db");
        audit_ = std::make_unique<AuditLog>(*db_);
    }
    void TearDown() override {
        accounts_.reset();
        audit_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }
    OperatorAccounts& accounts(AccountPolicy policy = {}) {
        accounts_ = std::make_unique<OperatorAccounts>(*db_, *audit_, policy);
        return *accounts_;
    }
    std::string reasons(const std::string& name, const std::string& password) {
        std::string all;
        for (const auto& r : passwordPolicyViolations(name, password)) all += r + "; ";
        return all;
    }
    fs::path dir_;
    std::unique_ptr<Database> db_;
    std::unique_ptr<AuditLog> audit_;
    std::unique_ptr<OperatorAccounts> accounts_;
};

TEST_F(OperatorAccountsTest, EveryWeakPasswordIsRefusedWithItsReason) {
    const std::pair<const char*, const char*> weak[] = {
        {"Ab1!", "fewer than 8 characters"},
        {"quiet-harbour-42", "no upper-case letter"},
        {"QUIET-HARBOUR-42", "no lower-case letter"},
        {"Quiet-Harbour-xy", "no digit"},
        {"QuietHarbour42", "no special character"},
        {"Xmaria-Harbour-42", "contains the user name"},
        {"Quiet-Haaarbour-42", "repeats 'a' three times in a row"},
        {"Quiet-Harb-1234!", "contains the run '1234'"},
        {"Quiet-Harb-dcba7!", "contains the run 'dcba'"},
        {"P@ssw0rd-2026", "well-known password"},
        {"Welcome!2026", "well-known password"},
    };
    for (const auto& [password, reason] : weak)
        EXPECT_NE(reasons("maria", password).find(reason), std::string::npos)
            << password << " gave: " << reasons("maria", password);
    EXPECT_EQ(reasons("maria", kGood), "");
    EXPECT_EQ(reasons("", generateStrongPassword()), "");
    // The refusal names every reason at once, and nothing is created.
    auto& a = accounts();
    try {
        a.create("maria", Role::Operator, "maria", "test", "local");
        FAIL() << "a weak password was accepted";
    } catch (const UserInputError& e) {
        std::string message = e.what();
        for (const char* r : {"fewer than 8", "no upper-case", "no digit", "no special", "contains the user name"})
            EXPECT_NE(message.find(r), std::string::npos) << message;
    }
    EXPECT_FALSE(a.find("maria"));
}

TEST_F(OperatorAccountsTest, PasswordsAreStoredAsArgon2idHashesAndNeverInTheAuditLog) {
    auto& a = accounts();
    a.create("maria", Role::Administrator, kGood, "setup", "local");
    Statement q(db_->handle(), "SELECT password_hash FROM operators WHERE name = 'maria'");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0).rfind("$argon2id$", 0), 0u) << q.text(0);
    EXPECT_EQ(q.text(0).find(kGood), std::string::npos);
    EXPECT_THROW(a.login("maria", "Quiet-Harbour-43", "cli", "10.0.0.9"), LoginRefused);
    auto session = a.login("maria", kGood, "web", "10.0.0.9");
    for (const auto& e : audit_->all()) {
        std::string row = e.actor + e.address + e.action + e.subject + e.detail;
        EXPECT_EQ(row.find(kGood), std::string::npos);
        EXPECT_EQ(row.find("Quiet-Harbour-43"), std::string::npos);
        EXPECT_EQ(row.find(session.token), std::string::npos);
    }
    // The session token is kept only as a digest.
    Statement s(db_->handle(), "SELECT token_sha256 FROM operator_sessions");
    ASSERT_TRUE(s.step());
    EXPECT_NE(s.text(0), session.token);
    auto logins = audit_->recent(10, "login");
    ASSERT_GE(logins.size(), 2u);
    EXPECT_EQ(logins[0].action, "login");
    EXPECT_EQ(logins[0].address, "10.0.0.9");
    EXPECT_EQ(logins[1].action, "login.failed");
}

TEST_F(OperatorAccountsTest, RepeatedFailuresLockTheAccountEvenForTheRightPassword) {
    AccountPolicy policy;
    policy.lockoutThreshold = 3;
    policy.lockoutSeconds = 600;
    auto& a = accounts(policy);
    a.create("maria", Role::Operator, kGood, "setup", "local");
    for (int i = 0; i < 3; ++i) EXPECT_THROW(a.login("maria", "Wrong-Pass-9x", "cli", "local"), LoginRefused);
    try {
        a.login("maria", kGood, "cli", "local");
        FAIL() << "a locked account logged in";
    } catch (const LoginRefused& e) {
        EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("operators unlock maria"), std::string::npos) << e.what();
    }
    EXPECT_GT(a.find("maria")->lockedUntil, unixNow());
    // An administrator can lift a lockout at once.
    a.unlock("maria", "boss", "local");
    EXPECT_NO_THROW(a.login("maria", kGood, "cli", "local"));
    EXPECT_EQ(audit_->recent(50, "operator.locked").size(), 1u);
}

TEST_F(OperatorAccountsTest, ALockoutEndsByItselfAfterItsPeriod) {
    AccountPolicy policy;
    policy.lockoutThreshold = 2;
    policy.lockoutSeconds = 1;
    auto& a = accounts(policy);
    a.create("maria", Role::Operator, kGood, "setup", "local");
    for (int i = 0; i < 2; ++i) EXPECT_THROW(a.login("maria", "Wrong-Pass-9x", "cli", "local"), LoginRefused);
    EXPECT_GT(a.find("maria")->lockedUntil, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    EXPECT_NO_THROW(a.login("maria", kGood, "cli", "local"));
}

TEST_F(OperatorAccountsTest, SessionsEndWhenUnusedOrOnLogoutAndTheirUseKeepsThemAlive) {
    AccountPolicy policy;
    policy.sessionIdleSeconds = 2;
    auto& a = accounts(policy);
    a.create("maria", Role::Guest, kGood, "setup", "local");
    auto session = a.login("maria", kGood, "web", "local");
    ASSERT_TRUE(a.resume(session.token));
    EXPECT_EQ(a.resume(session.token)->role, Role::Guest);
    std::this_thread::sleep_for(std::chrono::milliseconds(3100));
    EXPECT_FALSE(a.resume(session.token)) << "an idle session stayed valid";
    auto second = a.login("maria", kGood, "web", "local");
    a.logout(second.token, "local");
    EXPECT_FALSE(a.resume(second.token));
    EXPECT_FALSE(a.resume("")) << "no token, no session";
}

TEST_F(OperatorAccountsTest, OldPasswordsMustBeChangedAndTheChangeEndsOtherSessions) {
    auto& a = accounts();
    a.create("maria", Role::Operator, kGood, "setup", "local");
    db_->exec("UPDATE operators SET password_changed_at = password_changed_at - 91 * 86400");
    auto session = a.login("maria", kGood, "cli", "local");
    EXPECT_TRUE(session.passwordExpired);
    EXPECT_THROW(a.changePassword("maria", "Not-Current-7!", "Fresh-Meadow-58", "local"), UserInputError);
    EXPECT_THROW(a.changePassword("maria", kGood, kGood, "local"), UserInputError);
    EXPECT_THROW(a.changePassword("maria", kGood, "short", "local"), UserInputError);
    a.changePassword("maria", kGood, "Fresh-Meadow-58", "local");
    EXPECT_FALSE(a.resume(session.token));
    EXPECT_FALSE(a.login("maria", "Fresh-Meadow-58", "cli", "local").passwordExpired);
}

TEST_F(OperatorAccountsTest, RolesAllowExactlyWhatTheyShould) {
    using P = Permission;
    // administrator, operator, guest
    const std::tuple<P, bool, bool, bool> matrix[] = {
        {P::View, true, true, true},
        {P::Enroll, true, true, false},
        {P::ManageUsers, true, true, false},
        {P::SyncControllers, true, true, false},
        {P::ManageControllers, true, false, false},
        {P::ManageOperators, true, false, false},
        {P::ReadAuditLog, true, false, false},
        {P::RunServices, true, false, false},
    };
    for (const auto& [permission, administrator, operatorRole, guest] : matrix) {
        EXPECT_EQ(roleAllows(Role::Administrator, permission), administrator);
        EXPECT_EQ(roleAllows(Role::Operator, permission), operatorRole);
        EXPECT_EQ(roleAllows(Role::Guest, permission), guest);
    }
    EXPECT_NE(refusalFor(Role::Guest, P::Enroll).find("ask an operator or administrator"), std::string::npos);
    EXPECT_NE(refusalFor(Role::Operator, P::ReadAuditLog).find("ask an administrator"), std::string::npos);
}

TEST_F(OperatorAccountsTest, TheLastAdministratorCannotBeRemovedOrDemoted) {
    auto& a = accounts();
    a.create("maria", Role::Administrator, kGood, "setup", "local");
    EXPECT_THROW(a.remove("maria", "maria", "local"), UserInputError);
    EXPECT_THROW(a.setRole("maria", Role::Guest, "maria", "local"), UserInputError);
    a.create("jonas", Role::Operator, "Steady-River-73", "maria", "local");
    EXPECT_THROW(a.create("jonas", Role::Guest, "Steady-River-73", "maria", "local"), UserInputError);
    auto session = a.login("jonas", "Steady-River-73", "cli", "local");
    a.setRole("jonas", Role::Administrator, "maria", "local");
    EXPECT_FALSE(a.resume(session.token)) << "a role change must end the account's sessions";
    a.setRole("maria", Role::Guest, "jonas", "local");
    EXPECT_TRUE(a.anyAdministrator());
    EXPECT_THROW(a.create("x", Role::Guest, kGood, "maria", "local"), UserInputError) << "name too short";
}

} // namespace
