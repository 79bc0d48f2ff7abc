// SPDX-License-Identifier: GPL-2.0-or-later
// Operator accounts: who may use fpb-host and its web UI, with which role, and their sessions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit_log.h"
#include "database.h"

namespace fpb::host {

enum class Role { Guest, Operator, Administrator };

/// What an action needs. Roles grant these (see roleAllows); commands and web routes name one.
enum class Permission {
    View,              ///< see users, readers, controllers, plugins (every role)
    Enroll,            ///< capture and enroll fingerprints (operator, administrator)
    ManageUsers,       ///< add and delete users and their fingerprints (operator, administrator)
    SyncControllers,   ///< push the user records to the controllers now (operator, administrator)
    ManageControllers, ///< add, remove, audit controllers, rotate their passwords (administrator)
    ManageOperators,   ///< operator accounts (administrator)
    ReadAuditLog,      ///< view and export the audit log (administrator)
    RunServices,       ///< serve the web UI, run the demo (administrator)
};

const char* roleName(Role role);
/// "administrator", "operator" or "guest"; throws UserInputError otherwise.
Role parseRole(const std::string& name);
bool roleAllows(Role role, Permission permission);
/// Why `role` may not do it, in the operator's words, with whom to ask.
std::string refusalFor(Role role, Permission permission);

/// Every reason `password` breaks the policy (empty when it is acceptable): at least 8 characters
/// with upper and lower case letters, digits and special characters; not containing the user name;
/// no character three times in a row; no run of four ascending or descending characters; not a
/// well-known password.
std::vector<std::string> passwordPolicyViolations(const std::string& userName, const std::string& password);

/// A random password the policy accepts: 20 characters of upper and lower case letters, digits and
/// special characters, without runs or repeats.
std::string generateStrongPassword();

struct OperatorAccount {
    std::string name;
    Role role = Role::Guest;
    std::int64_t createdAt = 0;         ///< unix seconds
    std::int64_t passwordChangedAt = 0; ///< unix seconds
    int failedLogins = 0;
    std::int64_t lockedUntil = 0;       ///< unix seconds; 0 when not locked
    std::int64_t lastLoginAt = 0;
    std::string lastLoginAddress;
};

struct AccountPolicy {
    int lockoutThreshold = 5;
    int lockoutSeconds = 900;
    int passwordMaxAgeDays = 90;
    int sessionIdleSeconds = 900;
    int sessionLifetimeSeconds = 43200;
};

struct Session {
    std::string token;     ///< only when just created; the database keeps its SHA-256
    std::string csrfToken; ///< sent back by the browser in X-CSRF-Token on every change
    std::string operatorName;
    Role role = Role::Guest;
    bool passwordExpired = false;
    std::int64_t expiresAt = 0; ///< unix seconds, the earlier of idle and lifetime limits
};

/// Why a login failed. The message says what to do; it never says whether the name exists.
class LoginRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Accounts and sessions in the user-record database. Passwords are Argon2id hashes (libsodium);
/// session tokens are stored as SHA-256 digests. Logins, failures, lockouts and account changes
/// go to the audit log, never with a password.
class OperatorAccounts {
public:
    OperatorAccounts(Database& db, AuditLog& audit, AccountPolicy policy);

    bool anyAdministrator();
    std::vector<OperatorAccount> list();
    std::optional<OperatorAccount> find(const std::string& name);

    /// Creates an account; throws UserInputError when the name is taken or invalid, or the password
    /// breaks the policy (every reason listed).
    void create(const std::string& name, Role role, const std::string& password, const std::string& actor,
                const std::string& address);
    void setRole(const std::string& name, Role role, const std::string& actor, const std::string& address);
    /// Refuses to remove or demote the last administrator.
    void remove(const std::string& name, const std::string& actor, const std::string& address);
    void unlock(const std::string& name, const std::string& actor, const std::string& address);
    /// Checks the current password, then the policy; a new password must differ from the old one.
    /// Ends the account's other sessions.
    void changePassword(const std::string& name, const std::string& currentPassword, const std::string& newPassword,
                        const std::string& address);

    /// Checks the password (with lockout) and opens a session of `kind` ("web" or "cli").
    /// Throws LoginRefused with the reason.
    Session login(const std::string& name, const std::string& password, const std::string& kind,
                  const std::string& address);
    /// The session behind `token`, if it is still valid; each use extends its idle limit.
    std::optional<Session> resume(const std::string& token);
    void logout(const std::string& token, const std::string& address);

    const AccountPolicy& policy() const { return policy_; }

private:
    void requireNotLastAdministrator(const std::string& name);
    Database& db_;
    AuditLog& audit_;
    AccountPolicy policy_;
};

std::int64_t unixNow();
/// ISO 8601 UTC text of unix seconds ("" for 0).
std::string isoTime(std::int64_t unixSeconds);

} // namespace fpb::host
