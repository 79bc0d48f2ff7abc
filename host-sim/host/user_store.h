// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "database.h"
#include "sealed_box.h"

namespace fpb::host {

/// Bad input from an operator: what() says what is wrong and how to fix it. Nothing was changed.
class UserInputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct User {
    std::string id;
    std::string name;
    std::string type = "general";           ///< general | guest | vip
    std::optional<std::string> validFrom;   ///< YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ
    std::optional<std::string> validUntil;
    std::string createdAt;
    std::string updatedAt;
};

struct Fingerprint {
    std::string userId;
    int finger = 0;                       ///< ISO 19794-2 finger position 1..10
    bool duress = false;
    int quality = 0;
    std::vector<std::uint8_t> isoTemplate;  ///< decrypted; never log
    std::string consentTime;
    std::string consentOperator;
    std::string createdAt;
    std::string updatedAt;
};

/// The host's user records with their fingerprints, in SQLite. Templates are sealed with
/// AES-256-GCM before they touch the database. Every change is one transaction.
class UserStore {
public:
    UserStore(Database& db, SealedBox box, int maxFingersPerUser = 3);

    void addUser(const User& user);
    void updateUser(const User& user);
    std::optional<User> findUser(const std::string& id);
    std::vector<User> listUsers();
    /// Deletes the user and erases all their fingerprints. False when there was no such user.
    bool deleteUser(const std::string& id);

    /// Adds or replaces one finger (finger limit and one-duress-finger rule enforced).
    void saveFingerprint(const Fingerprint& fingerprint);
    std::vector<Fingerprint> fingerprintsOf(const std::string& userId);
    std::vector<Fingerprint> allFingerprints();
    /// finger 0 = all fingers of the user. Returns how many were erased.
    int deleteFingerprints(const std::string& userId, int finger);

    static void validate(const User& user);
    static const char* fingerName(int finger);

private:
    Fingerprint readFingerprint(Statement& row);
    Database& db_;
    SealedBox box_;
    int maxFingers_;
};

} // namespace fpb::host
