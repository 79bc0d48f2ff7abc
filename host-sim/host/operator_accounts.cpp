// SPDX-License-Identifier: GPL-2.0-or-later
#include "operator_accounts.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "user_store.h"

namespace fpb::host {

namespace {

const std::vector<Database::Migration> kAccountMigrations = {
    {1, R"sql(
CREATE TABLE operators (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('administrator', 'operator', 'guest')),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_login_at INTEGER NOT NULL DEFAULT 0,
  last_login_address TEXT NOT NULL DEFAULT ''
);
CREATE TABLE operator_sessions (
  token_sha256 TEXT PRIMARY KEY,
  operator TEXT NOT NULL REFERENCES operators(name) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  address TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
);
)sql"},
};

// Passwords people pick first; refusing them by name says more than "too weak".
const char* const kWellKnownPasswords[] = {"password", "passw0rd", "p@ssw0rd", "p@ssword", "admin",    "administrator",
                                           "welcome",  "letmein",  "qwerty",   "iloveyou", "changeme", "monkey",
                                           "dragon",   "master",   "sunshine", "football", "abc123",   "trustno1"};

std::string hex(const unsigned char* bytes, std::size_t n) {
    std::string out(n * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes, n);
    out.pop_back();
    return out;
}

std::string randomToken() {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return hex(bytes, sizeof bytes);
}

std::string sha256Hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    return hex(digest, length);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void ensureSodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string hashPassword(const std::string& password) {
    ensureSodium();
    char out[crypto_pwhash_STRBYTES];
    // Argon2id with libsodium's interactive limits (64 MiB, 2 passes): about a tenth of a second here.
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("not enough memory to hash the password (Argon2id needs 64 MiB)");
    return out;
}

bool verifyPassword(const std::string& hash, const std::string& password) {
    ensureSodium();
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// A hash to verify against when the name is unknown, so that timing does not tell which names exist.
const std::string& decoyHash() {
    static const std::string hash = hashPassword(randomToken());
    return hash;
}

OperatorAccount accountFrom(Statement& q) {
    OperatorAccount a;
    a.name = q.text(0);
    a.role = parseRole(q.text(1));
    a.createdAt = q.integer(2);
    a.passwordChangedAt = q.integer(3);
    a.failedLogins = static_cast<int>(q.integer(4));
    a.lockedUntil = q.integer(5);
    a.lastLoginAt = q.integer(6);
    a.lastLoginAddress = q.text(7);
    return a;
}

constexpr const char* kAccountColumns =
    "name, role, created_at, password_changed_at, failed_logins, locked_until, last_login_at, last_login_address";

void validateName(const std::string& name) {
    if (name.size() < 3 || name.size() > 32 ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; }))
        throw UserInputError("operator name '" + name + "' is not valid: use 3 to 32 letters, digits, '.', '_' or '-'");
}

} // namespace

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string isoTime(std::int64_t unixSeconds) {
    if (unixSeconds == 0) return "";
    std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

const char* roleName(Role role) {
    switch (role) {
    case Role::Administrator: return "administrator";
    case Role::Operator: return "operator";
    case Role::Guest: return "guest";
    }
    return "guest";
}

Role parseRole(const std::string& name) {
    if (name == "administrator") return Role::Administrator;
    if (name == "operator") return Role::Operator;
    if (name == "guest") return Role::Guest;
    throw UserInputError("role '" + name + "' does not exist: use administrator, operator or guest");
}

bool roleAllows(Role role, Permission permission) {
    switch (permission) {
    case Permission::View: return true;
    case Permission::Enroll:
    case Permission::ManageUsers:
    case Permission::SyncControllers: return role != Role::Guest;
    case Permission::ManageControllers:
    case Permission::ManageOperators:
    case Permission::ReadAuditLog:
    case Permission::RunServices: return role == Role::Administrator;
    }
    return false;
}

std::string refusalFor(Role role, Permission permission) {
    const char* what = "do this";
    switch (permission) {
    case Permission::View: what = "view"; break;
    case Permission::Enroll: what = "capture or enroll fingerprints"; break;
    case Permission::ManageUsers: what = "add or delete users or fingerprints"; break;
    case Permission::SyncControllers: what = "synchronise door controllers"; break;
    case Permission::ManageControllers: what = "change, audit or rotate the passwords of door controllers"; break;
    case Permission::ManageOperators: what = "manage operator accounts"; break;
    case Permission::ReadAuditLog: what = "view or export the audit log"; break;
    case Permission::RunServices: what = "start the web UI or the demo"; break;
    }
    std::string who = roleAllows(Role::Operator, permission) ? "an operator or administrator" : "an administrator";
    return std::string("the ") + roleName(role) + " role may not " + what + "; ask " + who + " to do it";
}

std::vector<std::string> passwordPolicyViolations(const std::string& userName, const std::string& password) {
    std::vector<std::string> reasons;
    if (password.size() < 8) reasons.push_back("it has fewer than 8 characters");
    auto has = [&](int (*test)(int)) {
        return std::any_of(password.begin(), password.end(), [&](unsigned char c) { return test(c) != 0; });
    };
    if (!has(::isupper)) reasons.push_back("it has no upper-case letter");
    if (!has(::islower)) reasons.push_back("it has no lower-case letter");
    if (!has(::isdigit)) reasons.push_back("it has no digit");
    if (!std::any_of(password.begin(), password.end(), [](unsigned char c) { return !std::isalnum(c); }))
        reasons.push_back("it has no special character (such as ! # % - _ @)");
    std::string lowered = lower(password);
    if (!userName.empty() && lowered.find(lower(userName)) != std::string::npos)
        reasons.push_back("it contains the user name");
    for (std::size_t i = 2; i < password.size(); ++i)
        if (password[i] == password[i - 1] && password[i] == password[i - 2]) {
            reasons.push_back(std::string("it repeats '") + password[i] + "' three times in a row");
            break;
        }
    for (std::size_t i = 3; i < lowered.size(); ++i) {
        int step = lowered[i] - lowered[i - 1];
        if ((step == 1 || step == -1) && lowered[i - 1] - lowered[i - 2] == step && lowered[i - 2] - lowered[i - 3] == step) {
            reasons.push_back("it contains the run '" + password.substr(i - 3, 4) + "'");
            break;
        }
    }
    // Well-known passwords, also with digits or symbols added around them.
    std::string letters;
    for (char c : lowered)
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '@' || c == '0') letters += c;
    for (const char* known : kWellKnownPasswords)
        if (lowered.find(known) != std::string::npos || letters == known) {
            reasons.push_back(std::string("it is built on the well-known password '") + known + "'");
            break;
        }
    return reasons;
}

std::string generateStrongPassword() {
    ensureSodium();
    static const std::string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", lower = "abcdefghijkmnopqrstuvwxyz", digits = "23456789",
                             special = "-_.!#%+=";
    const std::string* sets[] = {&upper, &lower, &digits, &special};
    while (true) {
        std::string out;
        for (std::size_t i = 0; out.size() < 20; ++i) {
            const std::string& set = *sets[randombytes_uniform(4)];
            out += set[randombytes_uniform(static_cast<std::uint32_t>(set.size()))];
        }
        // Starting with a letter keeps it from looking like an option when typed on a command line.
        if (std::isalpha(static_cast<unsigned char>(out[0])) && passwordPolicyViolations("", out).empty()) return out;
    }
}

OperatorAccounts::OperatorAccounts(Database& db, AuditLog& audit, AccountPolicy policy)
    : db_(db), audit_(audit), policy_(policy) {
    db_.migrate("operators", kAccountMigrations);
}

bool OperatorAccounts::anyAdministrator() {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(), "SELECT 1 FROM operators WHERE role = 'administrator' LIMIT 1");
    return q.step();
}

std::vector<OperatorAccount> OperatorAccounts::list() {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(), (std::string("SELECT ") + kAccountColumns + " FROM operators ORDER BY name").c_str());
    std::vector<OperatorAccount> out;
    while (q.step()) out.push_back(accountFrom(q));
    return out;
}

std::optional<OperatorAccount> OperatorAccounts::find(const std::string& name) {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(), (std::string("SELECT ") + kAccountColumns + " FROM operators WHERE name = ?").c_str());
    q.bind(1, name);
    if (!q.step()) return std::nullopt;
    return accountFrom(q);
}

void OperatorAccounts::create(const std::string& name, Role role, const std::string& password, const std::string& actor,
                              const std::string& address) {
    validateName(name);
    auto violations = passwordPolicyViolations(name, password);
    if (!violations.empty()) {
        std::string message = "the password for " + name + " is not accepted: ";
        for (std::size_t i = 0; i < violations.size(); ++i) message += (i ? "; " : "") + violations[i];
        throw UserInputError(message + ". Use at least 8 characters mixing upper and lower case, digits and symbols");
    }
    std::string hash = hashPassword(password);
    std::lock_guard lock(db_.mutex());
    if (find(name)) throw UserInputError("an operator named " + name + " already exists");
    std::int64_t now = unixNow();
    Statement insert(db_.handle(), "INSERT INTO operators(name, role, password_hash, created_at, password_changed_at) "
                                   "VALUES(?, ?, ?, ?, ?)");
    insert.bind(1, name).bind(2, std::string(roleName(role))).bind(3, hash).bind(4, now).bind(5, now).run();
    audit_.record(actor, address, "operator.added", "operator " + name, roleName(role));
}

void OperatorAccounts::requireNotLastAdministrator(const std::string& name) {
    Statement q(db_.handle(), "SELECT COUNT(*) FROM operators WHERE role = 'administrator' AND name != ?");
    q.bind(1, name);
    q.step();
    if (q.integer(0) == 0)
        throw UserInputError(name + " is the last administrator; make another administrator first");
}

void OperatorAccounts::setRole(const std::string& name, Role role, const std::string& actor, const std::string& address) {
    std::lock_guard lock(db_.mutex());
    auto account = find(name);
    if (!account) throw UserInputError("no operator named " + name + "; see `fpb-host operators list`");
    if (account->role == Role::Administrator && role != Role::Administrator) requireNotLastAdministrator(name);
    Statement update(db_.handle(), "UPDATE operators SET role = ? WHERE name = ?");
    update.bind(1, std::string(roleName(role))).bind(2, name).run();
    // A role change takes effect at once: the account logs in again.
    Statement end(db_.handle(), "DELETE FROM operator_sessions WHERE operator = ?");
    end.bind(1, name).run();
    audit_.record(actor, address, "operator.role_changed", "operator " + name,
                  std::string(roleName(account->role)) + " -> " + roleName(role));
}

void OperatorAccounts::remove(const std::string& name, const std::string& actor, const std::string& address) {
    std::lock_guard lock(db_.mutex());
    auto account = find(name);
    if (!account) throw UserInputError("no operator named " + name + "; see `fpb-host operators list`");
    if (account->role == Role::Administrator) requireNotLastAdministrator(name);
    db_.transaction([&] {
        Statement end(db_.handle(), "DELETE FROM operator_sessions WHERE operator = ?");
        end.bind(1, name).run();
        Statement del(db_.handle(), "DELETE FROM operators WHERE name = ?");
        del.bind(1, name).run();
    });
    audit_.record(actor, address, "operator.removed", "operator " + name, "");
}

void OperatorAccounts::unlock(const std::string& name, const std::string& actor, const std::string& address) {
    std::lock_guard lock(db_.mutex());
    if (!find(name)) throw UserInputError("no operator named " + name + "; see `fpb-host operators list`");
    Statement update(db_.handle(), "UPDATE operators SET failed_logins = 0, locked_until = 0 WHERE name = ?");
    update.bind(1, name).run();
    audit_.record(actor, address, "operator.unlocked", "operator " + name, "");
}

void OperatorAccounts::changePassword(const std::string& name, const std::string& currentPassword,
                                      const std::string& newPassword, const std::string& address) {
    std::string hash;
    {
        std::lock_guard lock(db_.mutex());
        Statement q(db_.handle(), "SELECT password_hash FROM operators WHERE name = ?");
        q.bind(1, name);
        if (!q.step()) throw UserInputError("no operator named " + name);
        hash = q.text(0);
    }
    if (!verifyPassword(hash, currentPassword)) {
        audit_.record(name, address, "operator.password_change_failed", "operator " + name, "current password wrong");
        throw UserInputError("the current password is wrong; nothing was changed");
    }
    if (newPassword == currentPassword) throw UserInputError("the new password must differ from the current one");
    auto violations = passwordPolicyViolations(name, newPassword);
    if (!violations.empty()) {
        std::string message = "the new password is not accepted: ";
        for (std::size_t i = 0; i < violations.size(); ++i) message += (i ? "; " : "") + violations[i];
        throw UserInputError(message);
    }
    std::string newHash = hashPassword(newPassword);
    std::lock_guard lock(db_.mutex());
    db_.transaction([&] {
        Statement update(db_.handle(), "UPDATE operators SET password_hash = ?, password_changed_at = ? WHERE name = ?");
        update.bind(1, newHash).bind(2, unixNow()).bind(3, name).run();
        Statement end(db_.handle(), "DELETE FROM operator_sessions WHERE operator = ?");
        end.bind(1, name).run();
    });
    audit_.record(name, address, "operator.password_changed", "operator " + name, "");
}

Session OperatorAccounts::login(const std::string& name, const std::string& password, const std::string& kind,
                                const std::string& address) {
    const std::string refused = "wrong operator name or password";
    std::string hash;
    std::optional<OperatorAccount> account;
    {
        std::lock_guard lock(db_.mutex());
        account = find(name);
        if (account) {
            Statement q(db_.handle(), "SELECT password_hash FROM operators WHERE name = ?");
            q.bind(1, name);
            q.step();
            hash = q.text(0);
        }
    }
    std::int64_t now = unixNow();
    if (!account) {
        verifyPassword(decoyHash(), password);
        audit_.record(name, address, "login.failed", "operator " + name, kind + ": unknown operator");
        throw LoginRefused(refused);
    }
    if (account->lockedUntil > now) {
        audit_.record(name, address, "login.refused_locked", "operator " + name, kind);
        throw LoginRefused("the account " + name + " is locked after repeated failed logins until " +
                           isoTime(account->lockedUntil) + "; wait, or ask an administrator to run "
                           "`fpb-host operators unlock " + name + "`");
    }
    if (!verifyPassword(hash, password)) {
        std::lock_guard lock(db_.mutex());
        int failures = account->failedLogins + 1;
        bool lockNow = failures >= policy_.lockoutThreshold;
        Statement update(db_.handle(), "UPDATE operators SET failed_logins = ?, locked_until = ? WHERE name = ?");
        update.bind(1, static_cast<std::int64_t>(lockNow ? 0 : failures))
            .bind(2, lockNow ? now + policy_.lockoutSeconds : std::int64_t{0})
            .bind(3, name)
            .run();
        audit_.record(name, address, "login.failed", "operator " + name,
                      kind + ": wrong password (" + std::to_string(failures) + " in a row)");
        if (lockNow) {
            audit_.record("system", address, "operator.locked", "operator " + name,
                          std::to_string(failures) + " failed logins; locked until " + isoTime(now + policy_.lockoutSeconds));
            throw LoginRefused(refused + "; after " + std::to_string(failures) +
                               " failures in a row the account is locked until " + isoTime(now + policy_.lockoutSeconds));
        }
        throw LoginRefused(refused);
    }

    Session session;
    session.token = randomToken();
    session.csrfToken = randomToken();
    session.operatorName = name;
    session.role = account->role;
    session.passwordExpired = now - account->passwordChangedAt > std::int64_t{policy_.passwordMaxAgeDays} * 86400;
    session.expiresAt = std::min(now + policy_.sessionIdleSeconds, now + policy_.sessionLifetimeSeconds);
    std::lock_guard lock(db_.mutex());
    db_.transaction([&] {
        Statement update(db_.handle(), "UPDATE operators SET failed_logins = 0, locked_until = 0, last_login_at = ?, "
                                       "last_login_address = ? WHERE name = ?");
        update.bind(1, now).bind(2, address).bind(3, name).run();
        // Expired sessions of everyone go now; the table holds only live ones.
        Statement purge(db_.handle(), "DELETE FROM operator_sessions WHERE last_used_at < ? OR created_at < ?");
        purge.bind(1, now - policy_.sessionIdleSeconds).bind(2, now - policy_.sessionLifetimeSeconds).run();
        Statement insert(db_.handle(), "INSERT INTO operator_sessions(token_sha256, operator, kind, address, csrf_token, "
                                       "created_at, last_used_at) VALUES(?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, sha256Hex(session.token)).bind(2, name).bind(3, kind).bind(4, address).bind(5, session.csrfToken);
        insert.bind(6, now).bind(7, now).run();
    });
    audit_.record(name, address, "login", "operator " + name,
                  kind + " as " + roleName(account->role) + (session.passwordExpired ? "; password expired" : ""));
    return session;
}

std::optional<Session> OperatorAccounts::resume(const std::string& token) {
    if (token.empty()) return std::nullopt;
    std::lock_guard lock(db_.mutex());
    std::int64_t now = unixNow();
    Statement q(db_.handle(),
                "SELECT s.operator, o.role, s.csrf_token, s.created_at, s.last_used_at, o.password_changed_at "
                "FROM operator_sessions s JOIN operators o ON o.name = s.operator WHERE s.token_sha256 = ?");
    std::string digest = sha256Hex(token);
    q.bind(1, digest);
    if (!q.step()) return std::nullopt;
    std::int64_t created = q.integer(3), lastUsed = q.integer(4);
    if (now - lastUsed > policy_.sessionIdleSeconds || now - created > policy_.sessionLifetimeSeconds) {
        Statement end(db_.handle(), "DELETE FROM operator_sessions WHERE token_sha256 = ?");
        end.bind(1, digest).run();
        return std::nullopt;
    }
    Session session;
    session.operatorName = q.text(0);
    session.role = parseRole(q.text(1));
    session.csrfToken = q.text(2);
    session.passwordExpired = now - q.integer(5) > std::int64_t{policy_.passwordMaxAgeDays} * 86400;
    session.expiresAt = std::min(now + policy_.sessionIdleSeconds, created + policy_.sessionLifetimeSeconds);
    if (now > lastUsed) {  // at most one write a second per session, however many requests it makes
        Statement touch(db_.handle(), "UPDATE operator_sessions SET last_used_at = ? WHERE token_sha256 = ?");
        touch.bind(1, now).bind(2, digest).run();
    }
    return session;
}

void OperatorAccounts::logout(const std::string& token, const std::string& address) {
    auto session = resume(token);
    if (!session) return;
    std::lock_guard lock(db_.mutex());
    Statement end(db_.handle(), "DELETE FROM operator_sessions WHERE token_sha256 = ?");
    end.bind(1, sha256Hex(token)).run();
    audit_.record(session->operatorName, address, "logout", "operator " + session->operatorName, "");
}

} // namespace fpb::host
