// SPDX-License-Identifier: GPL-2.0-or-later
// Services the host hands to a plugin in IPlugin0::start(). The host owns these objects; they stay
// valid from start() until stop() returns. Unless a method says otherwise: threads: any;
// calls may overlap (the host serialises internally).
#pragma once

#include <cstdint>

#include "error.h"
#include "prompts.h"

namespace fpb {

struct UserInfo {
    std::uint32_t size;
    char id[64];
    char name[128];
    char type[16];           ///< "general", "guest", "vip"
    char validFrom[32];      ///< ISO 8601 UTC, "" when open
    char validUntil[32];
    std::uint32_t fingerCount;
};

/// One finger of one user, as the host stores it. Template bytes are an ISO/IEC 19794-2:2005
/// record. They are biometric data: never log them.
struct FingerprintRecord {
    std::uint32_t size;
    char userId[64];
    std::uint32_t finger;          ///< ISO finger position 1..10 (0 = unknown)
    std::int32_t duress;           ///< non-zero: this finger opens the door and raises a duress alarm
    std::int32_t quality;          ///< 0..100
    const std::uint8_t* templateData;  ///< ISO/IEC 19794-2:2005 record, one view of this finger per enrollment press
    std::uint32_t templateSize;
    char consentTime[32];          ///< ISO 8601 UTC: when the person consented
    char consentOperator[64];      ///< who confirmed the consent
};

/// Host-implemented callback for template iteration. Return 0 to continue, non-zero to stop.
class ITemplateVisitor {
public:
    virtual std::int32_t visit(const FingerprintRecord* record) = 0;

protected:
    ~ITemplateVisitor() = default;
};

class IUserRecords0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IUserRecords/0";
    virtual std::int32_t getUser(const char* userId, UserInfo* out, Error* error) = 0;
    /// Visits every enrolled finger of every user (for the 1:N duplicate check). The visitor runs on
    /// the calling thread; the record's pointers are valid only during visit().
    virtual std::int32_t forEachEnrolledFingerprint(ITemplateVisitor* visitor, Error* error) = 0;
    /// Visits the enrolled fingers of one user (what gets published to the door controllers).
    virtual std::int32_t forEachFingerprintOfUser(const char* userId, ITemplateVisitor* visitor,
                                                  Error* error) = 0;
    /// Stores (or replaces) one finger. Fails with kErrorInvalidArgument when the user's finger limit
    /// or the one-duress-finger rule would be broken.
    virtual std::int32_t saveFingerprint(const FingerprintRecord* record, Error* error) = 0;
    /// Erases one finger (finger = 1..10) or all fingers of the user (finger = 0).
    virtual std::int32_t deleteFingerprints(const char* userId, std::uint32_t finger, Error* error) = 0;

protected:
    ~IUserRecords0() = default;
};

struct ControllerInfo {
    std::uint32_t size;
    char id[64];
    char name[128];
    char endpoint[256];        ///< device service URL, e.g. https://10.0.0.5:8443/onvif/device_service
    char username[64];
    char credentialRef[128];   ///< key of the password in ISecretStore0
    char caFile[256];          ///< CA bundle to verify TLS against, or ""
    char pinnedSha256[72];     ///< hex SHA-256 of the controller certificate, or ""
    std::int32_t allowPlainHttp;  ///< non-zero only when the operator explicitly allowed HTTP
};

class IControllerDirectory0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IControllerDirectory/0";
    virtual std::uint32_t controllerCount() = 0;
    virtual std::int32_t getController(std::uint32_t index, ControllerInfo* out, Error* error) = 0;

protected:
    ~IControllerDirectory0() = default;
};

class ISecretStore0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.ISecretStore/0";
    /// Copies the secret into `buffer`. On entry *length is the buffer size; on exit the secret's
    /// size. Too small: returns kErrorMoreData with *length set to the size needed.
    virtual std::int32_t getSecret(const char* ref, char* buffer, std::uint32_t* length, Error* error) = 0;
    virtual std::int32_t setSecret(const char* ref, const char* value, std::uint32_t length, Error* error) = 0;

protected:
    ~ISecretStore0() = default;
};

class IAuditLog0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IAuditLog/0";
    /// Appends one entry, e.g. ("fingerprint.enrolled", "user 42", "finger 2"). Never pass
    /// templates or passwords.
    virtual void record(const char* action, const char* subject, const char* detail) = 0;

protected:
    ~IAuditLog0() = default;
};

enum LogLevel : std::int32_t { kLogTrace = 0, kLogDebug, kLogInfo, kLogWarning, kLogError };

class ILogger0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.ILogger/0";
    virtual void log(std::int32_t level, const char* message) = 0;

protected:
    ~ILogger0() = default;
};

class IPromptSink0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IPromptSink/0";
    /// Shows and speaks one prompt. Must return quickly (queue the audio).
    virtual void prompt(const Prompt* prompt) = 0;

protected:
    ~IPromptSink0() = default;
};

/// The bundle handed to start(). A getter returns nullptr when the host does not offer the service.
class IHostServices0 {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IHostServices/0";
    virtual IUserRecords0* userRecords() = 0;
    virtual IControllerDirectory0* controllerDirectory() = 0;
    virtual ISecretStore0* secretStore() = 0;
    virtual IAuditLog0* auditLog() = 0;
    virtual ILogger0* logger() = 0;
    virtual IPromptSink0* promptSink() = 0;
    /// The plugin's own writable directory (its outbox lives there). UTF-8 path.
    virtual const char* pluginDataDir() = 0;

protected:
    ~IHostServices0() = default;
};

} // namespace fpb
