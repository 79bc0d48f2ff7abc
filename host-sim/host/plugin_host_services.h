// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <functional>
#include <mutex>
#include <string>

#include "audit_log.h"
#include "secret_store.h"
#include "user_store.h"

namespace fpb::host {

/// The host side of the SDK's IHostServices0 for one plugin: adapters from the C-typed SDK calls to
/// the host's stores. Every adapter catches everything: nothing throws back into plugin code.
class PluginHostServices final : public IHostServices0,
                                 private IUserRecords0,
                                 private ISecretStore0,
                                 private IAuditLog0,
                                 private ILogger0,
                                 private IPromptSink0 {
public:
    using PromptHandler = std::function<void(const Prompt&)>;
    using ChangeHandler = std::function<void(const std::string& userId)>;

    PluginHostServices(std::string pluginId, std::string dataDir, UserStore& users, SecretStore& secrets,
                       AuditLog& audit, IControllerDirectory0* controllers);

    /// Where prompts go (terminal, web UI). Threads: any.
    void setPromptHandler(PromptHandler handler);
    /// Called after the plugin saved or deleted fingerprints (e.g. to refresh the UI).
    void setChangeHandler(ChangeHandler handler);

    IUserRecords0* userRecords() override { return this; }
    IControllerDirectory0* controllerDirectory() override { return controllers_; }
    ISecretStore0* secretStore() override { return this; }
    IAuditLog0* auditLog() override { return this; }
    ILogger0* logger() override { return this; }
    IPromptSink0* promptSink() override { return this; }
    const char* pluginDataDir() override { return dataDir_.c_str(); }

private:
    std::int32_t getUser(const char* userId, UserInfo* out, Error* error) override;
    std::int32_t forEachEnrolledFingerprint(ITemplateVisitor* visitor, Error* error) override;
    std::int32_t forEachFingerprintOfUser(const char* userId, ITemplateVisitor* visitor, Error* error) override;
    std::int32_t saveFingerprint(const FingerprintRecord* record, Error* error) override;
    std::int32_t deleteFingerprints(const char* userId, std::uint32_t finger, Error* error) override;
    std::int32_t getSecret(const char* ref, char* buffer, std::uint32_t* length, Error* error) override;
    std::int32_t setSecret(const char* ref, const char* value, std::uint32_t length, Error* error) override;
    void record(const char* action, const char* subject, const char* detail) override;
    void log(std::int32_t level, const char* message) override;
    void prompt(const Prompt* prompt) override;

    std::string pluginId_;
    std::string dataDir_;
    UserStore& users_;
    SecretStore& secrets_;
    AuditLog& audit_;
    IControllerDirectory0* controllers_;
    std::mutex handlerMutex_;
    PromptHandler promptHandler_;
    ChangeHandler changeHandler_;
};

} // namespace fpb::host
