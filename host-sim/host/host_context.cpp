// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_context.h"

#include <spdlog/spdlog.h>

#include <map>

#include "plugin_host_services.h"

namespace fpb::host {

namespace {

/// Used when no controller store is built in: no door controllers.
class EmptyControllerDirectory final : public IControllerDirectory0 {
public:
    std::uint32_t controllerCount() override { return 0; }
    std::int32_t getController(std::uint32_t, ControllerInfo*, Error* error) override {
        return setError(error, kErrorNotFound, "no door controllers are configured");
    }
};

} // namespace

std::vector<HostCommandInstaller>& hostCommandInstallers() {
    static std::vector<HostCommandInstaller> installers;
    return installers;
}

namespace {
std::map<std::string, CommandAccess>& accessTable() {
    static std::map<std::string, CommandAccess> table;
    return table;
}
} // namespace

void setCommandAccess(const std::string& path, CommandAccess access) { accessTable()[path] = access; }

CommandAccess commandAccess(const std::string& path) {
    auto it = accessTable().find(path);
    return it == accessTable().end() ? CommandAccess{} : it->second;
}

std::vector<std::pair<std::string, CommandAccess>> declaredCommandAccess() {
    return {accessTable().begin(), accessTable().end()};
}

ControllerDirectoryProvider*& controllerDirectoryProvider() {
    static ControllerDirectoryProvider* provider = nullptr;
    return provider;
}

HostContext::HostContext(HostConfig config) : config_(std::move(config)) {}

HostContext::~HostContext() {
    // Plugins first: they may still call into the stores while stopping.
    if (plugins_) plugins_->stopAll();
    plugins_.reset();
}

SealedBox& HostContext::sealedBox() {
    if (!box_) box_ = std::make_unique<SealedBox>(SealedBox::fromEnvironmentOrFile(config_.keyFile()));
    return *box_;
}

Database& HostContext::database() {
    if (!db_) db_ = std::make_unique<Database>(config_.databaseFile());
    return *db_;
}

UserStore& HostContext::users() {
    if (!users_) users_ = std::make_unique<UserStore>(database(), sealedBox(), config_.maxFingersPerUser);
    return *users_;
}

AuditLog& HostContext::audit() {
    if (!audit_) audit_ = std::make_unique<AuditLog>(database());
    return *audit_;
}

OperatorAccounts& HostContext::accounts() {
    if (!accounts_) {
        AccountPolicy policy{config_.lockoutThreshold, config_.lockoutSeconds, config_.passwordMaxAgeDays,
                             config_.sessionIdleSeconds, config_.sessionLifetimeSeconds};
        accounts_ = std::make_unique<OperatorAccounts>(database(), audit(), policy);
    }
    return *accounts_;
}

SecretStore& HostContext::secrets() {
    if (!secrets_) secrets_ = std::make_unique<SecretStore>(database(), sealedBox());
    return *secrets_;
}

IControllerDirectory0* HostContext::controllerDirectory() {
    if (!controllers_) {
        if (auto* provider = controllerDirectoryProvider(); provider != nullptr) {
            controllers_ = {provider->create(*this), provider->destroy};
        } else {
            controllers_ = {new EmptyControllerDirectory(),
                            [](IControllerDirectory0* d) { delete static_cast<EmptyControllerDirectory*>(d); }};
        }
    }
    return controllers_.get();
}

PluginLoader& HostContext::plugins() {
    if (!plugins_) {
        // Stores are opened before any plugin runs, so a broken database is reported as such.
        users();
        audit();
        secrets();
        auto* controllers = controllerDirectory();
        plugins_ = std::make_unique<PluginLoader>([this, controllers](const PluginManifest& manifest) {
            auto dir = config_.pluginDataDir(manifest.id);
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            return std::make_unique<PluginHostServices>(manifest.id, dir.string(), *users_, *secrets_, *audit_,
                                                        controllers);
        });
        plugins_->loadAll(config_.pluginDir);
    }
    return *plugins_;
}

void HostContext::notifyUserChanged(const std::string& userId, bool deleted) {
    for (const auto& plugin : plugins().loaded()) {
        auto* observer = static_cast<IUserRecordObserver0*>(
            plugin->plugin->queryInterface(IUserRecordObserver0::kInterfaceId));
        if (observer == nullptr) continue;
        try {
            observer->userChanged(userId.c_str(), deleted ? 1 : 0);
        } catch (...) {
            spdlog::error("plugin {} threw from userChanged", plugin->manifest.id);
        }
        observer->releaseRef();
    }
}

} // namespace fpb::host
