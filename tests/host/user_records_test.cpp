// SPDX-License-Identifier: GPL-2.0-or-later
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "audit_log.h"
#include "secret_store.h"
#include "user_store.h"

namespace fs = std::filesystem;
using namespace fpb::host;

namespace {

SealedBox testBox() {
    SealedBox::Key key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return SealedBox(key);
}

class UserRecordsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fpb-users-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        db_ = std::make_unique<Database>(dir_ / "fpbridge.db");
        store_ = std::make_unique<UserStore>(*db_, testBox(), 3);
    }
    void TearDown() override {
        store_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }
    User user(const std::string& id, const std::string& name = "Grace Hopper") {
        User u;
        u.id = id;
        u.name = name;
        return u;
    }
    Fingerprint finger(const std::string& userId, int position, bool duress = false) {
        Fingerprint f;
        f.userId = userId;
        f.finger = position;
        f.duress = duress;
        f.quality = 80;
        f.isoTemplate = std::vector<std::uint8_t>{'F', 'M', 'R', 0, 0xDE, 0xAD, 0xBE, 0xEF, 0x5A, 0x5A, 0x5A, 0x5A,
                                                  0x13, 0x37, 0x13, 0x37, static_cast<std::uint8_t>(position)};
        f.consentTime = "2026-11-24T10:00:00Z";
        f.consentOperator = "operator";
        return f;
    }
    std::string expectRejected(const User& u) {
        try {
            store_->addUser(u);
        } catch (const UserInputError& e) {
            return e.what();
        }
        ADD_FAILURE() << "accepted user " << u.id;
        return "";
    }

    fs::path dir_;
    std::unique_ptr<Database> db_;
    std::unique_ptr<UserStore> store_;
};

TEST_F(UserRecordsTest, AddsListsShowsAndDeletesUsers) {
    User u = user("1001", "Ada Lovelace");
    u.type = "vip";
    u.validFrom = "2026-01-01";
    u.validUntil = "2027-12-31T23:59:59Z";
    store_->addUser(u);
    store_->addUser(user("1002"));
    auto all = store_->listUsers();
    ASSERT_EQ(all.size(), 2u);
    auto found = store_->findUser("1001");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "Ada Lovelace");
    EXPECT_EQ(found->type, "vip");
    EXPECT_EQ(found->validUntil, "2027-12-31T23:59:59Z");
    EXPECT_TRUE(store_->deleteUser("1001"));
    EXPECT_FALSE(store_->deleteUser("1001"));
    EXPECT_EQ(store_->listUsers().size(), 1u);
}

TEST_F(UserRecordsTest, BadInputGetsAClearErrorAndChangesNothing) {
    store_->addUser(user("1001", "First"));
    EXPECT_NE(expectRejected(user("1001", "Second")).find("user id 1001 already exists (First)"), std::string::npos);
    EXPECT_NE(expectRejected(user("1003", "   ")).find("user name is empty"), std::string::npos);
    EXPECT_NE(expectRejected(user("", "X")).find("user id is empty"), std::string::npos);
    EXPECT_NE(expectRejected(user("a b", "X")).find("is not valid"), std::string::npos);
    User badType = user("1004");
    badType.type = "admin";
    EXPECT_NE(expectRejected(badType).find("use general, guest or vip"), std::string::npos);
    for (const char* bad : {"2026-13-01", "2026-02-30", "2025-02-29", "yesterday", "2026-1-1", "2026-01-01T25:00:00Z"}) {
        User u = user("1005");
        u.validFrom = bad;
        EXPECT_NE(expectRejected(u).find("is not a date"), std::string::npos) << bad;
    }
    User reversed = user("1006");
    reversed.validFrom = "2027-01-01";
    reversed.validUntil = "2026-01-01";
    EXPECT_NE(expectRejected(reversed).find("is before valid-from"), std::string::npos);
    User leap = user("1007");
    leap.validFrom = "2028-02-29";
    EXPECT_NO_THROW(store_->addUser(leap));

    auto all = store_->listUsers();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "First");
}

TEST_F(UserRecordsTest, FingerprintsAreSealedAtRestAndErasedWithTheUser) {
    store_->addUser(user("1001"));
    store_->saveFingerprint(finger("1001", 2));
    store_->saveFingerprint(finger("1001", 7, true));
    auto fingers = store_->fingerprintsOf("1001");
    ASSERT_EQ(fingers.size(), 2u);
    EXPECT_EQ(fingers[0].isoTemplate, finger("1001", 2).isoTemplate);
    EXPECT_TRUE(fingers[1].duress);
    EXPECT_EQ(fingers[1].consentOperator, "operator");

    // The database file never holds the template bytes in the clear.
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    std::ifstream in(dir_ / "fpbridge.db", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string marker = "\xDE\xAD\xBE\xEF\x5A\x5A\x5A\x5A";
    EXPECT_EQ(bytes.find(marker), std::string::npos);

    EXPECT_TRUE(store_->deleteUser("1001"));
    EXPECT_TRUE(store_->fingerprintsOf("1001").empty());
    EXPECT_TRUE(store_->allFingerprints().empty());
}

TEST_F(UserRecordsTest, FingerLimitAndOneDuressFingerAreEnforced) {
    store_->addUser(user("1001"));
    store_->saveFingerprint(finger("1001", 1, true));
    EXPECT_THROW(store_->saveFingerprint(finger("1001", 2, true)), UserInputError);
    store_->saveFingerprint(finger("1001", 2));
    store_->saveFingerprint(finger("1001", 3));
    try {
        store_->saveFingerprint(finger("1001", 4));
        ADD_FAILURE() << "a fourth finger was accepted";
    } catch (const UserInputError& e) {
        EXPECT_NE(std::string(e.what()).find("the most allowed is 3"), std::string::npos) << e.what();
    }
    store_->saveFingerprint(finger("1001", 3));  // replacing one is fine
    EXPECT_EQ(store_->fingerprintsOf("1001").size(), 3u);
    EXPECT_THROW(store_->saveFingerprint(finger("nobody", 1)), UserInputError);
    EXPECT_THROW(store_->saveFingerprint(finger("1001", 11)), UserInputError);
    EXPECT_EQ(store_->deleteFingerprints("1001", 2), 1);
    EXPECT_EQ(store_->deleteFingerprints("1001", 0), 2);
}

TEST_F(UserRecordsTest, ATamperedOrMovedTemplateDoesNotOpen) {
    store_->addUser(user("1001"));
    store_->addUser(user("1002"));
    store_->saveFingerprint(finger("1001", 2));
    // Move user 1001's sealed template onto user 1002: authenticated context must refuse it.
    db_->exec("INSERT INTO fingerprints(user_id, finger, duress, quality, template_sealed, created_at, updated_at) "
              "SELECT '1002', finger, duress, quality, template_sealed, created_at, updated_at FROM fingerprints");
    EXPECT_THROW(store_->fingerprintsOf("1002"), CryptoError);
    SealedBox other(SealedBox::Key{});
    UserStore wrongKey(*db_, other, 3);
    EXPECT_THROW(wrongKey.fingerprintsOf("1001"), CryptoError);
}

TEST_F(UserRecordsTest, ADatabaseFromANewerHostIsRefused) {
    db_->exec("UPDATE schema_versions SET version = 99 WHERE component = 'users'");
    try {
        UserStore again(*db_, testBox(), 3);
        ADD_FAILURE() << "newer schema accepted";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("newer than this fpb-host knows"), std::string::npos);
    }
}

TEST_F(UserRecordsTest, SecretsAreSealedAndTheAuditLogIsAppendOnly) {
    SecretStore secrets(*db_, testBox());
    secrets.put("controller/door-1", "S3cret!pass");
    EXPECT_EQ(secrets.get("controller/door-1"), "S3cret!pass");
    EXPECT_FALSE(secrets.get("controller/none"));
    AuditLog audit(*db_);
    audit.record("admin", "10.0.0.9", "user.added", "user 1001", "vip");
    auto entries = audit.recent();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].address, "10.0.0.9");
    EXPECT_THROW(db_->exec("DELETE FROM audit_log"), DatabaseError);
    EXPECT_THROW(db_->exec("UPDATE audit_log SET actor = 'x'"), DatabaseError);
}

TEST(SealedBox, KeyFileIsCreatedOwnerOnlyAndRefusedWhenOthersCanRead) {
    fs::path dir = fs::temp_directory_path() / ("fpb-key-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    ::unsetenv("FPB_MASTER_KEY");
    auto box = SealedBox::fromEnvironmentOrFile(dir / "keys" / "master.key");
    auto perms = fs::status(dir / "keys" / "master.key").permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
    auto sealed = box.seal({1, 2, 3}, "ctx");
    EXPECT_EQ(SealedBox::fromEnvironmentOrFile(dir / "keys" / "master.key").open(sealed, "ctx"),
              (std::vector<std::uint8_t>{1, 2, 3}));
    fs::permissions(dir / "keys" / "master.key", fs::perms::others_read, fs::perm_options::add);
    EXPECT_THROW(SealedBox::fromEnvironmentOrFile(dir / "keys" / "master.key"), CryptoError);
    ::setenv("FPB_MASTER_KEY", "not-hex", 1);
    EXPECT_THROW(SealedBox::fromEnvironmentOrFile(dir / "keys" / "master.key"), CryptoError);
    ::unsetenv("FPB_MASTER_KEY");
    fs::remove_all(dir);
}

} // namespace
