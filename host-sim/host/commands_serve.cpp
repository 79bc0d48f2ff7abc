// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host serve: the operator's browser UI. fpb-host demo: the whole flow, then the UI.
#include <csignal>
#include <iostream>
#include <thread>

#include "collect_runner.h"
#include "collect_service.h"
#include "controller_security.h"
#include "demo_doors.h"
#include "emulated_world.h"
#include "host_context.h"
#include "host_main.h"
#include "reader_directory.h"
#include "web_server.h"

namespace fpb::host {

namespace {

std::atomic<bool> interrupted{false};

void onSignal(int) { interrupted = true; }

struct ServeArgs {
    int port = 0;
    std::string bind;
    EmulationOptions emulation;
    bool once = false;
};

/// Serves until SIGINT/SIGTERM.
void serveUntilInterrupted(HostContext& context, EmulatedWorld* world, int port, const std::string& bind) {
    ReaderDirectory readers(context.plugins());
    if (world) readers.waitForReaders(static_cast<std::size_t>(world->readerCount()), 5000);
    CollectService collect(readers, context.users(), context.config().maxFingersPerUser);
    WebServer server(context, readers, collect);
    if (world)
        server.setEmulation({[world] { return world->describeJson(); },
                             [world](int index, const std::string& action, const std::string& params) {
                                 return world->act(index, action, params);
                             }});
    std::string address = bind.empty() ? context.config().webBind : bind;
    if (!context.config().webHttps && address != "127.0.0.1" && address != "::1")
        throw UserInputError("the web UI serves plain HTTP only on 127.0.0.1 (behind a TLS proxy): set \"web_https\" "
                             "back to true, or bind to 127.0.0.1");
    int bound = server.start(address, port > 0 ? port : context.config().webPort);
    std::cout << "Operator UI: " << server.scheme() << "://" << address << ":" << bound << "/  (Ctrl-C to stop)\n";
    if (server.scheme() == "https")
        std::cout << "Its certificate: " << server.certificateFile().string() << " (trust it in the browser once)\n";
    std::cout << "Allowed addresses: ";
    for (const auto& a : context.config().webAllowedAddresses) std::cout << a << " ";
    std::cout << "(\"web_allowed_addresses\" in the config)" << std::endl;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    // Scheduled password rotation of the door controllers: checked at start, then hourly.
    auto nextRotationCheck = std::chrono::steady_clock::now();
    while (!interrupted) {
        if (std::chrono::steady_clock::now() >= nextRotationCheck) {
            nextRotationCheck += std::chrono::hours(1);
            try {
                rotateDueControllerPasswords(context, std::cout, "schedule", "local");
            } catch (const std::exception& e) {
                std::cout << "Scheduled password rotation failed: " << e.what() << std::endl;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::cout << "Stopping." << std::endl;
    server.stop();
}

void ensureDemoUser(HostContext& context, const char* id, const char* name, const char* type) {
    if (context.users().findUser(id)) return;
    User u;
    u.id = id;
    u.name = name;
    u.type = type;
    context.users().addUser(u);
    context.audit().record("demo", "local", "user.added", std::string("user ") + id, type);
}

void installServeCommands(CLI::App& app, HostContext& context) {
    static ServeArgs args;
    auto* serve = app.add_subcommand("serve", "Serve the operator's browser UI (users, Add User, Collect)");
    setCommandAccess("serve", {true, Permission::RunServices});
    serve->add_option("--port", args.port, "Port (default: web_port from the config, 8443)");
    serve->add_option("--bind", args.bind, "Address to listen on (default 127.0.0.1)");
    addEmulationOptions(*serve, args.emulation);
    serve->callback([&context] {
        auto world = startEmulationIfAsked(args.emulation);
        serveUntilInterrupted(context, world.get(), args.port, args.bind);
    });

    auto* demo = app.add_subcommand("demo", "The whole flow on an emulated reader: enroll a user, then the browser UI");
    setCommandAccess("demo", {true, Permission::RunServices, true});
    demo->add_flag("--once", args.once, "Exit after the scripted part instead of keeping the web UI up");
    demo->add_option("--port", args.port, "Port for the web UI");
    demo->callback([&context] {
        std::cout << "== fpbridge demo ==\n";
        if (!context.accounts().anyAdministrator()) {
            // A fresh demo data folder: the demo's own administrator, with a password nobody else has.
            std::string password = generateStrongPassword();
            context.accounts().create("demo-admin", Role::Administrator, password, "demo", "local");
            context.actor = "demo-admin";
            std::cout << "Administrator of this demo: demo-admin, password " << password
                      << "\n(shown only now; the browser UI asks for it)\n";
        }
        // The emulated bus must exist before the plugin initialises USB.
        EmulationOptions emulation;
        emulation.readers = 1;
        auto world = startEmulationIfAsked(emulation);
        // The door controllers are known before the plugin starts, so it publishes to them at once.
        auto doors = startDemoDoors(context, std::cout);
        auto& loader = context.plugins();
        for (const auto& p : loader.loaded())
            std::cout << "Plugin loaded: " << p->manifest.displayName << " (" << p->manifest.id << " " << p->manifest.version << ")\n";
        for (const auto& r : loader.refused()) std::cout << "Plugin refused: " << r.pluginId << ": " << r.reason << "\n";
        if (loader.loaded().empty()) {
            commandExitStatus() = kExitFailure;
            return;
        }
        ensureDemoUser(context, "1001", "Ada Lovelace", "vip");
        ensureDemoUser(context, "1002", "Alan Turing", "general");

        std::cout << "\nAdd User 1001 (Ada Lovelace) > Fingerprint Info > USB Fingerprint Reader (V2) > Collect\n"
                  << "The person presses once with a dry finger, is told how to fix it, then presses well.\n";
        CollectRequest request;
        request.userId = "1001";
        request.finger = 2;
        request.consentConfirmed = true;
        request.consentOperator = "demo operator";
        auto script = parsePressScript("too_dry finger=1\ngood finger=1\ngood finger=1\ngood finger=1\n", "demo");
        CollectOutcome outcome = runCollect(context, world.get(), request, script, std::cout, true);
        if (!outcome.saved) {
            commandExitStatus() = kExitFailure;
            return;
        }
        std::cout << "\nUser records:\n";
        for (const auto& u : context.users().listUsers()) {
            std::cout << "  " << u.id << "  " << u.name << " (" << u.type << "): ";
            auto fingers = context.users().fingerprintsOf(u.id);
            if (fingers.empty()) std::cout << "no fingerprints";
            for (const auto& f : fingers) std::cout << UserStore::fingerName(f.finger) << " quality " << f.quality << "; ";
            std::cout << "\n";
        }
        if (doors) {
            std::cout << "\nPublishing to the door controllers over ONVIF:\n";
            if (!presentFingersAtDoors(context, *doors, 1, std::cout)) {
                commandExitStatus() = kExitFailure;
                return;
            }
        }
        if (args.once) return;
        std::cout << "\nThe browser UI stays up with the emulation panel: press virtual fingers, unplug the reader.\n";
        serveUntilInterrupted(context, world.get(), args.port, "");
    });
}

} // namespace

FPB_HOST_COMMANDS(installServeCommands);

} // namespace fpb::host
