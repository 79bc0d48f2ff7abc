// SPDX-License-Identifier: GPL-2.0-or-later
#include "user_store.h"

#include <regex>

namespace fpb::host {

namespace {

const std::vector<Database::Migration> kUserMigrations = {
    {1, R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  type TEXT NOT NULL CHECK (type IN ('general', 'guest', 'vip')),
  valid_from TEXT,
  valid_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE fingerprints (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  finger INTEGER NOT NULL CHECK (finger BETWEEN 1 AND 10),
  duress INTEGER NOT NULL DEFAULT 0,
  quality INTEGER NOT NULL CHECK (quality BETWEEN 0 AND 100),
  template_sealed BLOB NOT NULL,
  consent_time TEXT,
  consent_operator TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (user_id, finger)
);
)sql"},
};

std::string contextFor(const std::string& userId, int finger) {
    return "fingerprint/" + userId + "/" + std::to_string(finger);
}

bool validTimestamp(const std::string& s) {
    static const std::regex pattern(R"(^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2}):(\d{2})Z)?$)");
    std::smatch m;
    if (!std::regex_match(s, m, pattern)) return false;
    int month = std::stoi(m[2]), day = std::stoi(m[3]);
    int year = std::stoi(m[1]);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1]) return false;
    if (month == 2 && day == 29 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return false;
    if (m[4].matched && (std::stoi(m[5]) > 23 || std::stoi(m[6]) > 59 || std::stoi(m[7]) > 59)) return false;
    return true;
}

// Comparable form: a date alone means the start of that day.
std::string normalised(const std::string& s) { return s.size() == 10 ? s + "T00:00:00Z" : s; }

} // namespace

UserStore::UserStore(Database& db, SealedBox box, int maxFingersPerUser)
    : db_(db), box_(box), maxFingers_(maxFingersPerUser) {
    db_.migrate("users", kUserMigrations);
}

const char* UserStore::fingerName(int finger) {
    static const char* names[] = {"unknown",      "right thumb", "right index", "right middle", "right ring",
                                  "right little", "left thumb",  "left index",  "left middle",  "left ring",
                                  "left little"};
    return (finger >= 0 && finger <= 10) ? names[finger] : "invalid";
}

void UserStore::validate(const User& user) {
    static const std::regex idPattern(R"(^[A-Za-z0-9._-]{1,32}$)");
    if (user.id.empty()) throw UserInputError("user id is empty: give an id such as 1001 (letters, digits, . _ -)");
    if (!std::regex_match(user.id, idPattern))
        throw UserInputError("user id \"" + user.id + "\" is not valid: use 1 to 32 letters, digits, '.', '_' or '-'");
    auto first = user.name.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) throw UserInputError("user name is empty: give the person's name");
    if (user.name.size() > 128) throw UserInputError("user name is longer than 128 characters: shorten it");
    if (user.type != "general" && user.type != "guest" && user.type != "vip")
        throw UserInputError("user type \"" + user.type + "\" is not valid: use general, guest or vip");
    if (user.validFrom && !validTimestamp(*user.validFrom))
        throw UserInputError("valid-from \"" + *user.validFrom +
                             "\" is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
    if (user.validUntil && !validTimestamp(*user.validUntil))
        throw UserInputError("valid-until \"" + *user.validUntil +
                             "\" is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
    if (user.validFrom && user.validUntil && normalised(*user.validUntil) < normalised(*user.validFrom))
        throw UserInputError("valid-until " + *user.validUntil + " is before valid-from " + *user.validFrom +
                             ": swap them or correct one");
}

void UserStore::addUser(const User& user) {
    validate(user);
    db_.transaction([&] {
        Statement exists(db_.handle(), "SELECT name FROM users WHERE id = ?");
        exists.bind(1, user.id);
        if (exists.step())
            throw UserInputError("user id " + user.id + " already exists (" + exists.text(0) +
                                 "): choose another id, or use `users show " + user.id + "`");
        std::string now = utcNowIso8601();
        Statement insert(db_.handle(),
                         "INSERT INTO users(id, name, type, valid_from, valid_until, created_at, updated_at) "
                         "VALUES(?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, user.id).bind(2, user.name).bind(3, user.type).bind(4, user.validFrom).bind(5, user.validUntil);
        insert.bind(6, now).bind(7, now).run();
    });
}

void UserStore::updateUser(const User& user) {
    validate(user);
    db_.transaction([&] {
        Statement update(db_.handle(),
                         "UPDATE users SET name = ?, type = ?, valid_from = ?, valid_until = ?, updated_at = ? "
                         "WHERE id = ?");
        update.bind(1, user.name).bind(2, user.type).bind(3, user.validFrom).bind(4, user.validUntil);
        update.bind(5, utcNowIso8601()).bind(6, user.id).run();
        if (sqlite3_changes(db_.handle()) == 0) throw UserInputError("no user with id " + user.id);
    });
}

std::optional<User> UserStore::findUser(const std::string& id) {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(),
                "SELECT id, name, type, valid_from, valid_until, created_at, updated_at FROM users WHERE id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return User{q.text(0), q.text(1), q.text(2), q.optionalText(3), q.optionalText(4), q.text(5), q.text(6)};
}

std::vector<User> UserStore::listUsers() {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(),
                "SELECT id, name, type, valid_from, valid_until, created_at, updated_at FROM users ORDER BY id");
    std::vector<User> users;
    while (q.step())
        users.push_back(User{q.text(0), q.text(1), q.text(2), q.optionalText(3), q.optionalText(4), q.text(5), q.text(6)});
    return users;
}

bool UserStore::deleteUser(const std::string& id) {
    bool deleted = false;
    db_.transaction([&] {
        Statement fingers(db_.handle(), "DELETE FROM fingerprints WHERE user_id = ?");
        fingers.bind(1, id).run();
        Statement user(db_.handle(), "DELETE FROM users WHERE id = ?");
        user.bind(1, id).run();
        deleted = sqlite3_changes(db_.handle()) > 0;
    });
    // Erased pages must not survive in the write-ahead log either.
    sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    return deleted;
}

void UserStore::saveFingerprint(const Fingerprint& fp) {
    if (fp.finger < 1 || fp.finger > 10)
        throw UserInputError("finger position " + std::to_string(fp.finger) +
                             " is not valid: use 1-10 (1 right thumb ... 6 left thumb ... 10 left little)");
    if (fp.isoTemplate.empty()) throw UserInputError("the fingerprint template is empty: collect the finger again");
    if (fp.quality < 0 || fp.quality > 100) throw UserInputError("fingerprint quality must be 0-100");
    db_.transaction([&] {
        if (!findUser(fp.userId)) throw UserInputError("no user with id " + fp.userId + ": add the user first");
        Statement others(db_.handle(), "SELECT finger, duress FROM fingerprints WHERE user_id = ? AND finger <> ?");
        others.bind(1, fp.userId).bind(2, static_cast<std::int64_t>(fp.finger));
        int count = 0;
        int duressFinger = 0;
        while (others.step()) {
            ++count;
            if (others.integer(1) != 0) duressFinger = static_cast<int>(others.integer(0));
        }
        if (count + 1 > maxFingers_)
            throw UserInputError("user " + fp.userId + " already has " + std::to_string(count) +
                                 " fingerprints, the most allowed is " + std::to_string(maxFingers_) +
                                 ": delete one first");
        if (fp.duress && duressFinger != 0)
            throw UserInputError("user " + fp.userId + " already has a duress finger (" + fingerName(duressFinger) +
                                 "): only one is allowed; clear it first");
        std::string now = utcNowIso8601();
        Statement upsert(db_.handle(),
                         "INSERT INTO fingerprints(user_id, finger, duress, quality, template_sealed, consent_time, "
                         "consent_operator, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT(user_id, finger) DO UPDATE SET duress = excluded.duress, quality = "
                         "excluded.quality, template_sealed = excluded.template_sealed, consent_time = "
                         "excluded.consent_time, consent_operator = excluded.consent_operator, updated_at = "
                         "excluded.updated_at");
        upsert.bind(1, fp.userId).bind(2, static_cast<std::int64_t>(fp.finger)).bind(3, std::int64_t{fp.duress ? 1 : 0});
        upsert.bind(4, static_cast<std::int64_t>(fp.quality)).bind(5, box_.seal(fp.isoTemplate, contextFor(fp.userId, fp.finger)));
        upsert.bind(6, fp.consentTime).bind(7, fp.consentOperator).bind(8, now).bind(9, now).run();
    });
}

Fingerprint UserStore::readFingerprint(Statement& q) {
    Fingerprint fp;
    fp.userId = q.text(0);
    fp.finger = static_cast<int>(q.integer(1));
    fp.duress = q.integer(2) != 0;
    fp.quality = static_cast<int>(q.integer(3));
    fp.isoTemplate = box_.open(q.blob(4), contextFor(fp.userId, fp.finger));
    fp.consentTime = q.text(5);
    fp.consentOperator = q.text(6);
    fp.createdAt = q.text(7);
    fp.updatedAt = q.text(8);
    return fp;
}

std::vector<Fingerprint> UserStore::fingerprintsOf(const std::string& userId) {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(),
                "SELECT user_id, finger, duress, quality, template_sealed, consent_time, consent_operator, created_at, "
                "updated_at FROM fingerprints WHERE user_id = ? ORDER BY finger");
    q.bind(1, userId);
    std::vector<Fingerprint> out;
    while (q.step()) out.push_back(readFingerprint(q));
    return out;
}

std::vector<Fingerprint> UserStore::allFingerprints() {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(),
                "SELECT user_id, finger, duress, quality, template_sealed, consent_time, consent_operator, created_at, "
                "updated_at FROM fingerprints ORDER BY user_id, finger");
    std::vector<Fingerprint> out;
    while (q.step()) out.push_back(readFingerprint(q));
    return out;
}

int UserStore::deleteFingerprints(const std::string& userId, int finger) {
    int erased = 0;
    db_.transaction([&] {
        if (finger == 0) {
            Statement del(db_.handle(), "DELETE FROM fingerprints WHERE user_id = ?");
            del.bind(1, userId).run();
        } else {
            Statement del(db_.handle(), "DELETE FROM fingerprints WHERE user_id = ? AND finger = ?");
            del.bind(1, userId).bind(2, static_cast<std::int64_t>(finger)).run();
        }
        erased = sqlite3_changes(db_.handle());
    });
    sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    return erased;
}

} // namespace fpb::host
