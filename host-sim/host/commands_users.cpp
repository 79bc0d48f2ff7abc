// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host users add|list|show|delete
#include <iomanip>
#include <iostream>
#include <random>
#include <nlohmann/json.hpp>

#include "host_context.h"
#include "host_main.h"
#include "template/fingerprint_template.h"

namespace fpb::host {

namespace {

nlohmann::json userJson(const User& u, const std::vector<Fingerprint>& fingers) {
    nlohmann::json fps = nlohmann::json::array();
    for (const auto& f : fingers)  // never the template itself
        fps.push_back({{"finger", f.finger},
                       {"finger_name", UserStore::fingerName(f.finger)},
                       {"duress", f.duress},
                       {"quality", f.quality},
                       {"template_bytes", f.isoTemplate.size()},
                       {"consent_time", f.consentTime},
                       {"consent_operator", f.consentOperator},
                       {"enrolled_at", f.createdAt}});
    return {{"id", u.id},
            {"name", u.name},
            {"type", u.type},
            {"valid_from", u.validFrom ? nlohmann::json(*u.validFrom) : nlohmann::json(nullptr)},
            {"valid_until", u.validUntil ? nlohmann::json(*u.validUntil) : nlohmann::json(nullptr)},
            {"created_at", u.createdAt},
            {"fingerprints", fps}};
}

struct GenerateArgs {
    int count = 100;
    std::string prefix = "load-";
    unsigned seed = 1;
};

std::vector<std::uint8_t> generatedTemplate(std::mt19937& random) {
    tmpl::Template t;
    t.width = 388;
    t.height = 374;
    t.fingerPosition = 2;
    t.quality = 80;
    std::uniform_int_distribution<int> count(28, 48), x(20, 368), y(20, 354), quality(40, 100);
    std::uniform_real_distribution<double> angle(0, 6.2831);
    for (int i = 0, n = count(random); i < n; ++i) {
        tmpl::Minutia m;
        m.x = x(random);
        m.y = y(random);
        m.angle = angle(random);
        m.type = (i % 2) ? tmpl::MinutiaType::Ending : tmpl::MinutiaType::Bifurcation;
        m.quality = quality(random);
        t.minutiae.push_back(m);
    }
    return tmpl::writeIsoRecord(t);
}

struct UserArgs {
    User user;
    std::string validFrom, validUntil;
    std::string id;
    bool json = false;
};

void installUserCommands(CLI::App& app, HostContext& context) {
    auto* users = app.add_subcommand("users", "User records");
    users->require_subcommand(1);
    static UserArgs argsStorage;
    UserArgs* args = &argsStorage;

    auto* add = users->add_subcommand("add", "Add a user");
    setCommandAccess("users add", {true, Permission::ManageUsers});
    add->add_option("--id", args->user.id, "User id (1-32 letters, digits, . _ -)")->required();
    add->add_option("--name", args->user.name, "Full name")->required();
    add->add_option("--type", args->user.type, "general, guest or vip")->capture_default_str();
    add->add_option("--valid-from", args->validFrom, "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
    add->add_option("--valid-until", args->validUntil, "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
    add->callback([&context, args] {
        if (!args->validFrom.empty()) args->user.validFrom = args->validFrom;
        if (!args->validUntil.empty()) args->user.validUntil = args->validUntil;
        context.users().addUser(args->user);
        context.audit().record(context.actor, context.actorAddress, "user.added", "user " + args->user.id, args->user.type);
        std::cout << "Added user " << args->user.id << " (" << args->user.name << ")\n";
    });

    auto* list = users->add_subcommand("list", "List users");
    setCommandAccess("users list", {true, Permission::View});
    list->add_flag("--json", args->json, "Print JSON");
    list->callback([&context, args] {
        auto all = context.users().listUsers();
        if (args->json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& u : all) out.push_back(userJson(u, context.users().fingerprintsOf(u.id)));
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::cout << "Users: " << all.size() << "\n";
        if (all.empty()) return;
        std::cout << "  " << std::left << std::setw(12) << "ID" << std::setw(28) << "NAME" << std::setw(9) << "TYPE"
                  << std::setw(24) << "VALID" << "FINGERS\n";
        for (const auto& u : all) {
            std::string valid = u.validFrom.value_or("...") + " - " + u.validUntil.value_or("...");
            std::cout << "  " << std::setw(12) << u.id << std::setw(28) << u.name << std::setw(9) << u.type
                      << std::setw(24) << valid << context.users().fingerprintsOf(u.id).size() << "\n";
        }
    });

    auto* show = users->add_subcommand("show", "Show one user and their fingerprints");
    setCommandAccess("users show", {true, Permission::View});
    show->add_option("ID", args->id, "User id")->required();
    show->add_flag("--json", args->json, "Print JSON");
    show->callback([&context, args] {
        auto user = context.users().findUser(args->id);
        if (!user) throw UserInputError("no user with id " + args->id + "; see `fpb-host users list`");
        auto fingers = context.users().fingerprintsOf(user->id);
        if (args->json) {
            std::cout << userJson(*user, fingers).dump(2) << "\n";
            return;
        }
        std::cout << "User " << user->id << "\n  name: " << user->name << "\n  type: " << user->type
                  << "\n  valid: " << user->validFrom.value_or("(open)") << " - " << user->validUntil.value_or("(open)")
                  << "\n  fingerprints: " << fingers.size() << "\n";
        for (const auto& f : fingers)
            std::cout << "    " << UserStore::fingerName(f.finger) << (f.duress ? " (duress)" : "") << ", quality "
                      << f.quality << ", enrolled " << f.createdAt << ", consent " << f.consentTime << " by "
                      << f.consentOperator << "\n";
    });

    auto* del = users->add_subcommand("delete", "Delete a user and erase their fingerprints everywhere");
    setCommandAccess("users delete", {true, Permission::ManageUsers});
    del->add_option("ID", args->id, "User id")->required();
    del->callback([&context, args] {
        if (!context.users().deleteUser(args->id))
            throw UserInputError("no user with id " + args->id + "; nothing was deleted");
        context.audit().record(context.actor, context.actorAddress, "user.deleted", "user " + args->id, "");
        context.notifyUserChanged(args->id, true);
        std::cout << "Deleted user " << args->id << " and erased their fingerprints\n";
    });

    static GenerateArgs generateArgs;
    // Load tests: enrolling thousands of people through a reader is not something a test can wait for.
    auto* generate = users->add_subcommand("generate", "Add users with generated fingerprint templates (load tests)");
    setCommandAccess("users generate", {true, Permission::ManageUsers});
    generate->add_option("--count", generateArgs.count, "How many users")->capture_default_str()->check(CLI::Range(1, 1000000));
    generate->add_option("--prefix", generateArgs.prefix, "User id prefix; ids are PREFIX1, PREFIX2, ...")->capture_default_str();
    generate->add_option("--seed", generateArgs.seed, "Random seed (the same seed gives the same templates)")->capture_default_str();
    generate->callback([&context] {
        std::mt19937 random(generateArgs.seed);
        auto& store = context.users();
        context.database().transaction([&] {
            for (int i = 1; i <= generateArgs.count; ++i) {
                User user;
                user.id = generateArgs.prefix + std::to_string(i);
                user.name = "Generated user " + std::to_string(i);
                store.addUser(user);
                Fingerprint finger;
                finger.userId = user.id;
                finger.finger = 2;
                finger.quality = 80;
                finger.isoTemplate = generatedTemplate(random);
                finger.consentTime = utcNowIso8601();
                finger.consentOperator = "generated";
                store.saveFingerprint(finger);
            }
        });
        context.audit().record(context.actor, context.actorAddress, "users.generated", generateArgs.prefix + "*",
                               std::to_string(generateArgs.count) + " users");
        std::cout << "Added " << generateArgs.count << " users with generated templates (" << generateArgs.prefix << "1 .. " << generateArgs.prefix
                  << generateArgs.count << ")\n";
    });
}

} // namespace

FPB_HOST_COMMANDS(installUserCommands);

} // namespace fpb::host
