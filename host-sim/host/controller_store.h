// SPDX-License-Identifier: GPL-2.0-or-later
// The door controllers the host knows, in its database; passwords sealed in the secret store.
// Handed to plugins as IControllerDirectory0.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <fpbridge/fpbridge.h>

#include "database.h"
#include "secret_store.h"

namespace fpb::host {

class HostContext;

struct DoorController {
    std::string id, name, endpoint, username, caFile, pinnedSha256;
    bool allowPlainHttp = false;
    std::string addedAt, passwordChangedAt;
    std::string credentialRef() const { return "controller/" + id + "/password"; }
};

class ControllerStore {
public:
    ControllerStore(Database& db, SecretStore& secrets);
    /// Adds or replaces a controller. Throws std::invalid_argument with the reason and the fix
    /// when the settings are unusable. The password is kept when `password` is empty.
    void put(const DoorController& controller, const std::optional<std::string>& password);
    bool remove(const std::string& id);
    std::vector<DoorController> list();
    std::optional<DoorController> find(const std::string& id);
    std::optional<std::string> password(const std::string& id);

private:
    Database& db_;
    SecretStore& secrets_;
};

/// "2026-11-29T13:45:00Z", or "never" for 0.
std::string timeText(std::int64_t unixTime);
/// What the publishing plugins report about each controller.
std::vector<ControllerStatus> collectStatuses(HostContext& context);
/// One controller's state for operators (CLI --json and the web UI's Controllers page).
nlohmann::json statusJson(const ControllerStatus& status, const std::optional<DoorController>& controller);

/// Every loaded plugin that publishes to controllers (released after `body`).
void forEachControllerPublisher(HostContext& context, const std::function<void(IControllerPublisher0&)>& body);

} // namespace fpb::host
