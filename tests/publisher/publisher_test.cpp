// SPDX-License-Identifier: GPL-2.0-or-later
// The publisher end to end against simulated ONVIF door controllers in this process: real gSOAP
// client and server, TLS, digest/UsernameToken, the SQLite outbox, faults and outages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "door_controller_simulator.h"
#include "in_memory_records.h"
#include "publisher/controller_publisher.h"

namespace fpb {
namespace {

using door::DoorControllerSimulator;
using door::DoorSettings;
using publisher::ControllerPublisher;
using publisher::EnrolledFinger;
namespace fs = std::filesystem;

const char* kPassword = "Door-Pass-1";

class PublisherTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fpb-publisher-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        publisher_.reset();
        doors_.clear();
        fs::remove_all(dir_);
    }

    DoorSettings doorSettings(const std::string& name) {
        DoorSettings s;
        s.stateDirectory = dir_ / name;
        s.users = {{"admin", kPassword, "Administrator"}};
        return s;
    }
    DoorControllerSimulator& startDoor(DoorSettings settings) {
        doors_.push_back(std::make_unique<DoorControllerSimulator>(std::move(settings)));
        doors_.back()->start();
        return *doors_.back();
    }
    static onvif::ControllerAddress addressOf(const std::string& id, DoorControllerSimulator& door) {
        onvif::ControllerAddress a;
        a.id = id;
        a.name = "Door " + id;
        a.endpoint = door.endpoint();
        a.username = "admin";
        a.password = kPassword;
        a.pinnedSha256 = door.certificateSha256();
        a.timeoutSeconds = 5;
        return a;
    }
    void startPublisher() {
        publisher::PublisherOptions options;
        options.retryBase = std::chrono::milliseconds(100);
        options.retryMax = std::chrono::milliseconds(1000);
        publisher_ = std::make_unique<ControllerPublisher>(records_, (dir_ / "outbox.sqlite").string(), options);
        publisher_->start();
    }
    static std::map<std::string, int> holders(const DoorControllerSimulator& door) {
        std::map<std::string, int> count;
        for (const auto& c : door.credentials()) ++count[c.holderReference];
        return count;
    }
    void addUsers(int n, const std::string& prefix = "user-") {
        std::mt19937 random(7);
        for (int i = 1; i <= n; ++i) {
            records_.setFingers(prefix + std::to_string(i), {EnrolledFinger{2, false, test::randomTemplate(random)}});
            if (publisher_) publisher_->userChanged(prefix + std::to_string(i));
        }
    }
    std::string syncError(const std::string& id) {
        auto report = publisher_->sync(id, {}, std::chrono::seconds(30));
        return report.error;
    }

    fs::path dir_;
    test::InMemoryRecords records_;
    std::vector<std::unique_ptr<DoorControllerSimulator>> doors_;
    std::unique_ptr<ControllerPublisher> publisher_;
};

TEST_F(PublisherTest, FollowsTheHostRecordsOnTwoControllers) {
    auto& a = startDoor(doorSettings("a"));
    auto& b = startDoor(doorSettings("b"));
    records_.setControllers({addressOf("a", a), addressOf("b", b)});
    startPublisher();
    std::mt19937 random(1);
    auto first = test::randomTemplate(random);
    records_.setFingers("42", {EnrolledFinger{2, false, first}});
    publisher_->userChanged("42");
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(30)));
    for (auto* door : {&a, &b}) {
        auto credentials = door->credentials();
        ASSERT_EQ(credentials.size(), 1u);
        EXPECT_EQ(credentials[0].holderReference, "42");
        ASSERT_EQ(credentials[0].identifiers.size(), 1u);
        EXPECT_EQ(credentials[0].identifiers[0].type, "pt:Fingerprint");
        EXPECT_EQ(credentials[0].identifiers[0].formatType, "ISO19794-2:2005");
        EXPECT_EQ(tmpl::parseIsoRecord(credentials[0].identifiers[0].value).size(), 1u);
    }
    std::string tokenBefore = a.credentials()[0].token;

    // A second finger (and a duress finger, which is withheld): one credential, two views.
    records_.setFingers("42", {EnrolledFinger{2, false, first}, EnrolledFinger{3, false, test::randomTemplate(random)},
                               EnrolledFinger{7, true, test::randomTemplate(random)}});
    publisher_->userChanged("42");
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(30)));
    for (auto* door : {&a, &b}) {
        auto credentials = door->credentials();
        ASSERT_EQ(credentials.size(), 1u);
        auto views = tmpl::parseIsoRecord(credentials[0].identifiers[0].value);
        ASSERT_EQ(views.size(), 2u);
        EXPECT_EQ(views[0].fingerPosition, 2);
        EXPECT_EQ(views[1].fingerPosition, 3);
    }
    EXPECT_EQ(a.credentials()[0].token, tokenBefore) << "a change must modify the credential, not replace it";

    records_.eraseUser("42");
    publisher_->userChanged("42");
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(30)));
    EXPECT_TRUE(a.credentials().empty());
    EXPECT_TRUE(b.credentials().empty());
}

TEST_F(PublisherTest, ControllerStoppedMidPublicationGetsEveryUserExactlyOnce) {
    auto settings = doorSettings("a");
    auto& door = startDoor(settings);
    int port = door.port();
    records_.setControllers({addressOf("a", door)});
    addUsers(1000);
    startPublisher();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (door.credentials().size() < 150 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    door.stop();
    auto queued = publisher_->statuses().at(0).queuedChanges;
    EXPECT_GT(queued, 0u) << "the controller stopped before the publication ended";
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    settings.port = port;  // the same address, the same state: a restart
    doors_.clear();
    auto& restarted = startDoor(settings);
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(120)));
    auto count = holders(restarted);
    EXPECT_EQ(count.size(), 1000u);
    for (const auto& [holder, n] : count) EXPECT_EQ(n, 1) << holder;
}

TEST_F(PublisherTest, LostResponsesNeverDuplicateACredential) {
    auto settings = doorSettings("a");
    settings.faults.dropResponseProbability = 0.1;
    settings.faults.dropResponseOperation = "CreateCredential";
    auto& door = startDoor(settings);
    records_.setControllers({addressOf("a", door)});
    addUsers(150);
    startPublisher();
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(120)));
    auto count = holders(door);
    EXPECT_EQ(count.size(), 150u);
    for (const auto& [holder, n] : count) EXPECT_EQ(n, 1) << holder;
}

TEST_F(PublisherTest, LostOutboxAndDriftAreRepairedByReconcile) {
    auto& door = startDoor(doorSettings("a"));
    records_.setControllers({addressOf("a", door)});
    addUsers(50);
    startPublisher();
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(60)));
    publisher_.reset();
    fs::remove(dir_ / "outbox.sqlite");  // everything the publisher knew is gone
    records_.eraseUser("user-1");         // and the host changed meanwhile, unseen
    startPublisher();
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(60)));
    auto count = holders(door);
    EXPECT_EQ(count.size(), 49u);
    EXPECT_EQ(count.count("user-1"), 0u);
    for (const auto& [holder, n] : count) EXPECT_EQ(n, 1) << holder;
    auto report = publisher_->sync("a", {}, std::chrono::seconds(30));
    EXPECT_EQ(report.error, "");
    EXPECT_EQ(report.unchanged, 49u);
}

TEST_F(PublisherTest, EachBrokenControllerGetsAClearErrorNamingItAndTheFix) {
    auto& good = startDoor(doorSettings("good"));
    auto cardOnly = doorSettings("card-only");
    cardOnly.identifierTypes = {"pt:Card", "pt:PIN"};
    auto& noFingerprints = startDoor(cardOnly);
    auto skewed = doorSettings("skewed");
    skewed.clockOffsetSeconds = 7200;
    auto& skewedDoor = startDoor(skewed);
    auto expired = doorSettings("expired");
    expired.faults.expiredCertificate = true;
    auto& expiredDoor = startDoor(expired);

    auto wrongPassword = addressOf("wrong-password", good);
    wrongPassword.password = "Not-The-Password-9";
    auto changedCertificate = addressOf("changed-cert", good);
    changedCertificate.pinnedSha256 = std::string(64, 'a');
    auto expiredAddress = addressOf("expired", expiredDoor);
    expiredAddress.pinnedSha256.clear();
    expiredAddress.caFile = expiredDoor.caFile().string();
    auto plain = addressOf("plain", good);
    plain.endpoint = "http://127.0.0.1:9/onvif/device_service";
    records_.setControllers({wrongPassword, changedCertificate, addressOf("card-only", noFingerprints),
                             addressOf("skewed", skewedDoor), expiredAddress, plain});
    startPublisher();

    auto expectError = [&](const std::string& id, const std::vector<std::string>& parts) {
        std::string error = syncError(id);
        SCOPED_TRACE(id + ": " + error);
        EXPECT_NE(error.find("'Door " + id + "'"), std::string::npos) << "names the controller";
        for (const auto& part : parts) EXPECT_NE(error.find(part), std::string::npos) << part;
        for (const auto& status : publisher_->statuses())
            if (status.id == id) {
                EXPECT_EQ(status.lastError, error);
            }
    };
    expectError("wrong-password", {"refused user 'admin'", "controllers add --id wrong-password"});
    expectError("changed-cert", {"different TLS certificate", "pin the new one"});
    expectError("card-only", {"does not accept fingerprint credentials", "pt:Card, pt:PIN"});
    expectError("skewed", {"clock is 2 h 0 min ahead", "NTP"});
    expectError("expired", {"certificate expired", "Renew the certificate"});
    expectError("plain", {"plain HTTP", "--allow-plain-http"});
}

TEST_F(PublisherTest, SmallClockSkewIsCorrectedForUsernameTokens) {
    auto settings = doorSettings("a");
    settings.clockOffsetSeconds = 250;   // beyond what the controller tolerates uncorrected? it is within ours
    settings.authMode = door::AuthMode::Wsse;
    auto& door = startDoor(settings);
    records_.setControllers({addressOf("a", door)});
    addUsers(3);
    startPublisher();
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(30)));
    EXPECT_EQ(door.credentials().size(), 3u);
}

TEST_F(PublisherTest, DigestOnlyControllerWorks) {
    auto settings = doorSettings("a");
    settings.authMode = door::AuthMode::Digest;
    auto& door = startDoor(settings);
    records_.setControllers({addressOf("a", door)});
    addUsers(3);
    startPublisher();
    ASSERT_TRUE(publisher_->waitForIdle(std::chrono::seconds(30)));
    EXPECT_EQ(door.credentials().size(), 3u);
}

} // namespace
} // namespace fpb
