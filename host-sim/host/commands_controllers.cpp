// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host controllers add|list|remove|sync|status: the ONVIF door controllers the plugin publishes to.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "controller_security.h"
#include "controller_store.h"
#include "host_context.h"
#include "host_main.h"

namespace fpb::host {
namespace {

struct ControllerArgs {
    DoorController controller;
    bool passwordStdin = false;
    std::string passwordFile;
    std::vector<std::string> ids;
    std::string id;
    bool json = false;
    int timeoutSeconds = 600;
};

std::string readPassword(const ControllerArgs& args) {
    std::string password;
    if (args.passwordStdin) {
        std::getline(std::cin, password);
    } else if (!args.passwordFile.empty()) {
        std::ifstream in(args.passwordFile);
        if (!in) throw UserInputError("cannot read the password file " + args.passwordFile);
        std::getline(in, password);
    } else if (const char* env = std::getenv("FPB_CONTROLLER_PASSWORD")) {
        password = env;
    }
    while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) password.pop_back();
    return password;
}

/// A one-line progress bar on stderr, redrawn at most every 100 ms.
class ProgressBar final : public ISyncProgress {
public:
    explicit ProgressBar(std::string label) : label_(std::move(label)) {}
    void progress(std::uint32_t done, std::uint32_t total) override {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        draw(done, total);
    }
    void finish() {
        std::lock_guard lock(mutex_);
        if (drawn_) std::cerr << "\n";
    }

private:
    void draw(std::uint32_t done, std::uint32_t total) {
        const int width = 30;
        int filled = total ? static_cast<int>(static_cast<double>(done) / total * width) : width;
        std::cerr << "\r" << label_ << " [" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done
                  << "/" << total << std::flush;
        drawn_ = true;
    }
    std::string label_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
    bool drawn_ = false;
};

void installControllerCommands(CLI::App& app, HostContext& context) {
    auto* controllers = app.add_subcommand("controllers", "ONVIF door controllers that receive the fingerprints");
    controllers->require_subcommand(1);
    static ControllerArgs argsStorage;
    ControllerArgs* args = &argsStorage;

    auto* add = controllers->add_subcommand("add", "Add a controller, or change one (same --id)");
    setCommandAccess("controllers add", {true, Permission::ManageControllers});
    add->add_option("--id", args->controller.id, "Short id, e.g. door-a")->required();
    add->add_option("--name", args->controller.name, "Name shown to operators");
    add->add_option("--endpoint", args->controller.endpoint, "Device service URL, https://HOST:PORT/onvif/device_service")
        ->required();
    add->add_option("--username", args->controller.username, "ONVIF user on the controller")->required();
    add->add_flag("--password-stdin", args->passwordStdin, "Read the password from the first line of standard input");
    add->add_option("--password-file", args->passwordFile, "Read the password from this file");
    add->add_option("--ca-file", args->controller.caFile, "PEM CA certificate(s) to verify the controller against");
    add->add_option("--pin-sha256", args->controller.pinnedSha256, "Trust exactly the certificate with this SHA-256");
    add->add_flag("--allow-plain-http", args->controller.allowPlainHttp, "Allow an http:// endpoint (isolated networks only)");
    add->callback([&context, args] {
        ControllerStore store(context.database(), context.secrets());
        std::string password = readPassword(*args);
        bool existed = store.find(args->controller.id).has_value();
        try {
            store.put(args->controller, password.empty() ? std::nullopt : std::optional<std::string>(password));
        } catch (const std::invalid_argument& e) {
            throw UserInputError(e.what());
        }
        context.audit().record(context.actor, context.actorAddress, existed ? "controller.changed" : "controller.added",
                               "controller " + args->controller.id, args->controller.endpoint);
        std::cout << (existed ? "Changed" : "Added") << " controller " << args->controller.id
                  << "; `fpb-host controllers sync " << args->controller.id << "` publishes to it now\n";
    });

    auto* list = controllers->add_subcommand("list", "List the controllers");
    setCommandAccess("controllers list", {true, Permission::View});
    list->add_flag("--json", args->json, "Print JSON");
    list->callback([&context, args] {
        ControllerStore store(context.database(), context.secrets());
        auto all = store.list();
        auto trust = [](const DoorController& c) {
            return !c.pinnedSha256.empty() ? std::string("pinned certificate")
                   : !c.caFile.empty()     ? "CA " + c.caFile
                   : c.endpoint.rfind("http://", 0) == 0 ? std::string("PLAIN HTTP")
                                                         : std::string("system CAs");
        };
        if (args->json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& c : all)
                out.push_back({{"id", c.id}, {"name", c.name}, {"endpoint", c.endpoint}, {"username", c.username},
                               {"trust", trust(c)}, {"added_at", c.addedAt}, {"password_changed_at", c.passwordChangedAt}});
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::cout << "Controllers: " << all.size() << "\n";
        for (const auto& c : all)
            std::cout << "  " << std::left << std::setw(14) << c.id << std::setw(20) << c.name << c.endpoint << "  ("
                      << c.username << ", " << trust(c) << ")\n";
    });

    auto* remove = controllers->add_subcommand("remove", "Remove a controller (its credentials stay on it)");
    setCommandAccess("controllers remove", {true, Permission::ManageControllers});
    remove->add_option("ID", args->id, "Controller id")->required();
    remove->callback([&context, args] {
        ControllerStore store(context.database(), context.secrets());
        if (!store.remove(args->id)) throw UserInputError("no controller with id " + args->id + "; see `fpb-host controllers list`");
        context.audit().record(context.actor, context.actorAddress, "controller.removed", "controller " + args->id, "");
        forEachControllerPublisher(context, [](IControllerPublisher0& p) { p.controllersChanged(); });
        std::cout << "Removed controller " << args->id
                  << ". Credentials already on it stay there; delete them on the controller if it stays in service\n";
    });

    auto* sync = controllers->add_subcommand("sync", "Compare controllers with the user records and repair every difference");
    setCommandAccess("controllers sync", {true, Permission::SyncControllers});
    sync->add_option("ID", args->ids, "Controller ids (default: all)");
    sync->add_option("--timeout", args->timeoutSeconds, "Give up waiting after this many seconds")->capture_default_str();
    sync->callback([&context, args] {
        ControllerStore store(context.database(), context.secrets());
        std::vector<std::string> ids = args->ids;
        if (ids.empty())
            for (const auto& c : store.list()) ids.push_back(c.id);
        for (const auto& id : ids)
            if (!store.find(id)) throw UserInputError("no controller with id " + id + "; see `fpb-host controllers list`");
        if (ids.empty()) {
            std::cout << "No controllers are configured; add one with `fpb-host controllers add`\n";
            return;
        }
        int failures = 0;
        bool any = false;
        forEachControllerPublisher(context, [&](IControllerPublisher0& publisher) {
            any = true;
            for (const auto& id : ids) {
                ProgressBar bar("sync " + id);
                SyncReport report{};
                report.size = sizeof report;
                Error error = Error::init();
                auto rc = publisher.syncController(id.c_str(), &bar, static_cast<std::uint32_t>(args->timeoutSeconds) * 1000,
                                                   &report, &error);
                bar.finish();
                context.audit().record(context.actor, context.actorAddress, "controller.synced", "controller " + id,
                                       rc == kOk ? "ok" : error.message);
                if (rc != kOk) {
                    ++failures;
                    std::cerr << "sync " << id << " failed: " << error.message << "\n";
                    continue;
                }
                std::cout << "Synced " << id << ": " << report.created << " created, " << report.modified << " modified, "
                          << report.deleted << " deleted, " << report.unchanged << " unchanged"
                          << (report.refused ? ", " + std::to_string(report.refused) + " refused" : "") << "\n";
                if (report.refused) ++failures;
            }
        });
        if (!any) throw std::runtime_error("no loaded plugin publishes to door controllers; see `fpb-host plugins list`");
        if (failures) commandExitStatus() = kExitFailure;
    });

    auto* status = controllers->add_subcommand("status", "Each controller's state: reachable, last sync, queue, last error");
    setCommandAccess("controllers status", {true, Permission::View});
    status->add_flag("--json", args->json, "Print JSON");
    status->callback([&context, args] {
        ControllerStore store(context.database(), context.secrets());
        auto statuses = collectStatuses(context);
        if (args->json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& s : statuses) out.push_back(statusJson(s, store.find(s.id)));
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::cout << "Controllers: " << statuses.size() << "\n";
        for (const auto& s : statuses) {
            auto j = statusJson(s, store.find(s.id));
            std::cout << "  " << s.id << ": " << j["state"].get<std::string>() << ", last sync " << timeText(s.lastSyncTime)
                      << ", " << s.queuedChanges << " queued, " << s.publishedCredentials << " published"
                      << (s.formatType[0] ? std::string(", format ") + s.formatType : "") << "\n";
            if (s.lastError[0]) std::cout << "    last error: " << s.lastError << "\n";
        }
    });

    installControllerSecurityCommands(controllers, context);
}

} // namespace

FPB_HOST_COMMANDS(installControllerCommands);

} // namespace fpb::host
