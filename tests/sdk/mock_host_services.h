// SPDX-License-Identifier: GPL-2.0-or-later
// GoogleMock doubles of the host services a plugin receives.
#pragma once

#include <fpbridge/fpbridge.h>
#include <gmock/gmock.h>

namespace fpb::testing {

class MockUserRecords : public IUserRecords0 {
public:
    MOCK_METHOD(std::int32_t, getUser, (const char*, UserInfo*, Error*), (override));
    MOCK_METHOD(std::int32_t, forEachEnrolledFingerprint, (ITemplateVisitor*, Error*), (override));
    MOCK_METHOD(std::int32_t, forEachFingerprintOfUser, (const char*, ITemplateVisitor*, Error*), (override));
    MOCK_METHOD(std::int32_t, saveFingerprint, (const FingerprintRecord*, Error*), (override));
    MOCK_METHOD(std::int32_t, deleteFingerprints, (const char*, std::uint32_t, Error*), (override));
};

class MockControllerDirectory : public IControllerDirectory0 {
public:
    MOCK_METHOD(std::uint32_t, controllerCount, (), (override));
    MOCK_METHOD(std::int32_t, getController, (std::uint32_t, ControllerInfo*, Error*), (override));
};

class MockSecretStore : public ISecretStore0 {
public:
    MOCK_METHOD(std::int32_t, getSecret, (const char*, char*, std::uint32_t*, Error*), (override));
    MOCK_METHOD(std::int32_t, setSecret, (const char*, const char*, std::uint32_t, Error*), (override));
};

class MockAuditLog : public IAuditLog0 {
public:
    MOCK_METHOD(void, record, (const char*, const char*, const char*), (override));
};

class MockLogger : public ILogger0 {
public:
    MOCK_METHOD(void, log, (std::int32_t, const char*), (override));
};

class MockPromptSink : public IPromptSink0 {
public:
    MOCK_METHOD(void, prompt, (const Prompt*), (override));
};

class MockHostServices : public IHostServices0 {
public:
    ::testing::NiceMock<MockUserRecords> users;
    ::testing::NiceMock<MockControllerDirectory> controllers;
    ::testing::NiceMock<MockSecretStore> secrets;
    ::testing::NiceMock<MockAuditLog> audit;
    ::testing::NiceMock<MockLogger> logger_;
    ::testing::NiceMock<MockPromptSink> prompts;
    std::string dataDir = "/tmp";

    IUserRecords0* userRecords() override { return &users; }
    IControllerDirectory0* controllerDirectory() override { return &controllers; }
    ISecretStore0* secretStore() override { return &secrets; }
    IAuditLog0* auditLog() override { return &audit; }
    ILogger0* logger() override { return &logger_; }
    IPromptSink0* promptSink() override { return &prompts; }
    const char* pluginDataDir() override { return dataDir.c_str(); }
};

} // namespace fpb::testing
