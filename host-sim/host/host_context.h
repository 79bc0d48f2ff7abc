// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "audit_log.h"
#include "database.h"
#include "host_config.h"
#include "operator_accounts.h"
#include "plugin_loader.h"
#include "secret_store.h"
#include "user_store.h"

namespace fpb::host {

/// Everything a command needs, opened on first use: the database and its stores, the plugins.
class HostContext {
public:
    explicit HostContext(HostConfig config);
    ~HostContext();

    HostConfig& config() { return config_; }
    Database& database();
    UserStore& users();
    AuditLog& audit();
    OperatorAccounts& accounts();
    SecretStore& secrets();
    SealedBox& sealedBox();
    /// Loads the plugins on first call.
    PluginLoader& plugins();
    /// The door-controller directory handed to plugins (empty unless a provider is registered).
    IControllerDirectory0* controllerDirectory();

    /// Tells every plugin that a user's record or fingerprints changed (or the user was deleted).
    void notifyUserChanged(const std::string& userId, bool deleted);

    /// Who is acting (for the audit log) and from where: the logged-in operator of this command.
    std::string actor = "operator";
    std::string actorAddress = "local";
    Role actorRole = Role::Guest;

private:
    HostConfig config_;
    std::unique_ptr<SealedBox> box_;
    std::unique_ptr<Database> db_;
    std::unique_ptr<UserStore> users_;
    std::unique_ptr<AuditLog> audit_;
    std::unique_ptr<OperatorAccounts> accounts_;
    std::unique_ptr<SecretStore> secrets_;
    std::unique_ptr<IControllerDirectory0, void (*)(IControllerDirectory0*)> controllers_{nullptr, nullptr};
    std::unique_ptr<PluginLoader> plugins_;
};

// ---- Registration of command groups and services from their own files ------------------------

using HostCommandInstaller = void (*)(CLI::App& app, HostContext& context);

/// What a command needs from whoever runs it. Commands without an entry need an administrator.
struct CommandAccess {
    bool loginRequired = true;
    Permission permission = Permission::RunServices;
    /// Runs without a login while no administrator exists (the demo creates its own).
    bool allowedBeforeSetup = false;
};
/// Declares the access of the command at `path` ("users add"); installers call it next to add_subcommand.
void setCommandAccess(const std::string& path, CommandAccess access);
CommandAccess commandAccess(const std::string& path);
/// Every command path with declared access (for `fpb-host operators permissions`).
std::vector<std::pair<std::string, CommandAccess>> declaredCommandAccess();
/// A provider builds the controller directory; the deleter frees it.
struct ControllerDirectoryProvider {
    IControllerDirectory0* (*create)(HostContext& context);
    void (*destroy)(IControllerDirectory0* directory);
};

std::vector<HostCommandInstaller>& hostCommandInstallers();
ControllerDirectoryProvider*& controllerDirectoryProvider();

struct HostCommandRegistration {
    explicit HostCommandRegistration(HostCommandInstaller installer) { hostCommandInstallers().push_back(installer); }
};

/// The operator is not logged in, or their role may not do this. what() says what to do.
class AccessDenied : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Exit codes of fpb-host.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   ///< something failed (device, network, storage)
constexpr int kExitBadInput = 2;  ///< the operator's input was wrong; nothing was changed
constexpr int kExitDenied = 3;    ///< not logged in, or the role may not do this; nothing was changed

} // namespace fpb::host

#define FPB_HOST_COMMANDS(installer) \
    static const ::fpb::host::HostCommandRegistration fpbHostRegistration_##installer{installer}
