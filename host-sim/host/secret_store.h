// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <optional>
#include <string>

#include "database.h"
#include "sealed_box.h"

namespace fpb::host {

/// Secrets (controller passwords) sealed with the master key in the host database.
class SecretStore {
public:
    SecretStore(Database& db, SealedBox box);
    void put(const std::string& ref, const std::string& value);
    std::optional<std::string> get(const std::string& ref);
    void erase(const std::string& ref);

private:
    Database& db_;
    SealedBox box_;
};

} // namespace fpb::host
