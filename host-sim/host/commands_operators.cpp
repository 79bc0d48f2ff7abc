// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host setup | login | logout | operators ... | audit list|export
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command_login.h"
#include "host_context.h"
#include "host_main.h"

namespace fpb::host {

namespace {

struct OperatorArgs {
    std::string name;
    std::string role = "operator";
    bool passwordStdin = false;
    bool json = false;
    int limit = 200;
    std::string action;
    std::string out;
    std::string format = "csv";
};

/// Reads a new password twice at the terminal (once from standard input).
std::string readNewPassword(bool fromStdin, const std::string& whose) {
    std::string password = readSecret("New password for " + whose + ": ", fromStdin);
    if (!fromStdin && readSecret("Repeat it: ", false) != password)
        throw UserInputError("the two passwords differ; nothing was changed");
    return password;
}

/// Writes `text` to `path` with mode 0600, all or nothing.
void writePrivateFile(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    auto temporary = path;
    temporary += ".partial";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw UserInputError("cannot write " + path.string() + ": " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::filesystem::remove(temporary);
        throw UserInputError("cannot write " + path.string() + " (disk full or no permission); nothing was written");
    }
}

void installOperatorCommands(CLI::App& app, HostContext& context) {
    static OperatorArgs args;

    auto* setup = app.add_subcommand("setup", "First run: create the administrator (you choose the password)");
    setup->add_option("--admin", args.name, "The administrator's name (not admin or administrator)")->required();
    setup->add_flag("--password-stdin", args.passwordStdin, "Read the password from the first line of standard input");
    setCommandAccess("setup", {false, Permission::View});
    setup->callback([&context] {
        auto& accounts = context.accounts();
        if (accounts.anyAdministrator())
            throw UserInputError("fpb-host is already set up; log in with `fpb-host login`, and an administrator "
                                 "adds operators with `fpb-host operators add`");
        static const char* kDefaultNames[] = {"admin", "administrator", "root", "guest", "user", "operator"};
        for (const char* name : kDefaultNames)
            if (args.name == name)
                throw UserInputError("'" + args.name + "' is a default account name that attackers try first; choose "
                                     "another (recommendation: a different user name for the security system)");
        accounts.create(args.name, Role::Administrator, readNewPassword(args.passwordStdin, args.name), "setup",
                        context.actorAddress);
        std::cout << "Created administrator " << args.name << ". Log in with `fpb-host login --operator " << args.name
                  << "`.\n";
    });

    auto* login = app.add_subcommand("login", "Log in: later commands run as you until the session ends");
    login->add_option("--operator", args.name, "Operator name (asked for when omitted at a terminal)");
    login->add_flag("--password-stdin", args.passwordStdin, "Read the password from the first line of standard input");
    setCommandAccess("login", {false, Permission::View});
    login->callback([&context] {
        if (args.name.empty()) {
            if (!::isatty(STDIN_FILENO)) throw UserInputError("give the operator name with --operator NAME");
            std::cerr << "Operator: " << std::flush;
            std::getline(std::cin, args.name);
        }
        std::string password = readSecret("Password for " + args.name + ": ", args.passwordStdin);
        Session session;
        try {
            session = context.accounts().login(args.name, password, "cli", context.actorAddress);
        } catch (const LoginRefused& e) {
            throw AccessDenied(e.what());
        }
        auto file = context.config().cliSessionFile();
        std::filesystem::create_directories(file.parent_path());
        std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace);
        writePrivateFile(file, session.token + "\n");
        std::cout << "Logged in as " << session.operatorName << " (" << roleName(session.role)
                  << "). The session ends after " << context.config().sessionIdleSeconds / 60
                  << " minutes unused, or with `fpb-host logout`.\n";
        if (session.passwordExpired)
            std::cout << "Your password is older than " << context.config().passwordMaxAgeDays
                      << " days: change it now with `fpb-host operators passwd`.\n";
    });

    auto* logout = app.add_subcommand("logout", "End the command line's session");
    setCommandAccess("logout", {false, Permission::View});
    logout->callback([&context] {
        auto file = context.config().cliSessionFile();
        std::string token;
        if (std::ifstream in(file); in && std::getline(in, token)) context.accounts().logout(token, context.actorAddress);
        std::filesystem::remove(file);
        std::cout << "Logged out.\n";
    });

    auto* operators = app.add_subcommand("operators", "Operator accounts: who may use fpb-host, and their roles");
    operators->require_subcommand(1);

    auto* list = operators->add_subcommand("list", "List operator accounts");
    list->add_flag("--json", args.json, "Print JSON");
    setCommandAccess("operators list", {true, Permission::ManageOperators});
    list->callback([&context] {
        auto all = context.accounts().list();
        auto now = unixNow();
        int maxAgeDays = context.config().passwordMaxAgeDays;
        if (args.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& a : all)
                out.push_back({{"name", a.name},
                               {"role", roleName(a.role)},
                               {"created_at", isoTime(a.createdAt)},
                               {"password_changed_at", isoTime(a.passwordChangedAt)},
                               {"password_expired", now - a.passwordChangedAt > std::int64_t{maxAgeDays} * 86400},
                               {"locked_until", a.lockedUntil > now ? isoTime(a.lockedUntil) : ""},
                               {"last_login_at", isoTime(a.lastLoginAt)},
                               {"last_login_address", a.lastLoginAddress}});
            std::cout << out.dump(2) << "\n";
            return;
        }
        for (const auto& a : all)
            std::cout << std::left << std::setw(20) << a.name << std::setw(15) << roleName(a.role) << "password "
                      << (now - a.passwordChangedAt) / 86400 << " days old"
                      << (a.lockedUntil > now ? ", LOCKED until " + isoTime(a.lockedUntil) : "")
                      << (a.lastLoginAt ? ", last login " + isoTime(a.lastLoginAt) + " from " + a.lastLoginAddress : "")
                      << "\n";
    });

    auto* add = operators->add_subcommand("add", "Add an operator account");
    add->add_option("NAME", args.name, "Operator name")->required();
    add->add_option("--role", args.role, "administrator, operator or guest")->capture_default_str();
    add->add_flag("--password-stdin", args.passwordStdin, "Read the password from the first line of standard input");
    setCommandAccess("operators add", {true, Permission::ManageOperators});
    add->callback([&context] {
        Role role = parseRole(args.role);
        context.accounts().create(args.name, role, readNewPassword(args.passwordStdin, args.name), context.actor,
                                  context.actorAddress);
        std::cout << "Added " << roleName(role) << " " << args.name << "\n";
    });

    auto* remove = operators->add_subcommand("remove", "Remove an operator account (ends its sessions)");
    remove->add_option("NAME", args.name, "Operator name")->required();
    setCommandAccess("operators remove", {true, Permission::ManageOperators});
    remove->callback([&context] {
        context.accounts().remove(args.name, context.actor, context.actorAddress);
        std::cout << "Removed " << args.name << "\n";
    });

    auto* setRole = operators->add_subcommand("set-role", "Change an operator's role (ends their sessions)");
    setRole->add_option("NAME", args.name, "Operator name")->required();
    setRole->add_option("ROLE", args.role, "administrator, operator or guest")->required();
    setCommandAccess("operators set-role", {true, Permission::ManageOperators});
    setRole->callback([&context] {
        context.accounts().setRole(args.name, parseRole(args.role), context.actor, context.actorAddress);
        std::cout << args.name << " is now " << args.role << "\n";
    });

    auto* unlock = operators->add_subcommand("unlock", "Lift the lockout of an account after failed logins");
    unlock->add_option("NAME", args.name, "Operator name")->required();
    setCommandAccess("operators unlock", {true, Permission::ManageOperators});
    unlock->callback([&context] {
        context.accounts().unlock(args.name, context.actor, context.actorAddress);
        std::cout << "Unlocked " << args.name << "\n";
    });

    auto* passwd = operators->add_subcommand("passwd", "Change your own password (ends your sessions)");
    passwd->add_flag("--password-stdin", args.passwordStdin,
                     "Read the current password, then the new one, from the first two lines of standard input");
    setCommandAccess("operators passwd", {true, Permission::View});
    passwd->callback([&context] {
        std::string current = readSecret("Current password: ", args.passwordStdin);
        std::string fresh = readNewPassword(args.passwordStdin, context.actor);
        context.accounts().changePassword(context.actor, current, fresh, context.actorAddress);
        std::filesystem::remove(context.config().cliSessionFile());
        std::cout << "Password changed; log in again with `fpb-host login`.\n";
    });

    auto* permissions = operators->add_subcommand("permissions", "What each role may do, command by command");
    permissions->add_flag("--json", args.json, "Print JSON");
    setCommandAccess("operators permissions", {true, Permission::View});
    permissions->callback([] {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [path, access] : declaredCommandAccess()) {
            nlohmann::json roles = nlohmann::json::array();
            for (Role r : {Role::Administrator, Role::Operator, Role::Guest})
                if (!access.loginRequired || roleAllows(r, access.permission)) roles.push_back(roleName(r));
            out[path] = roles;
        }
        if (args.json) {
            std::cout << out.dump(2) << "\n";
            return;
        }
        for (const auto& [path, roles] : out.items()) {
            std::string names;
            for (const auto& r : roles) names += (names.empty() ? "" : ", ") + r.get<std::string>();
            std::cout << std::left << std::setw(32) << path << names << "\n";
        }
    });

    auto* audit = app.add_subcommand("audit", "The audit log: logins, user and fingerprint changes, exports, controllers");
    audit->require_subcommand(1);
    auto* show = audit->add_subcommand("list", "Show the latest entries, newest first");
    show->add_option("--limit", args.limit, "How many")->capture_default_str();
    show->add_option("--action", args.action, "Only actions starting with this, e.g. login");
    show->add_flag("--json", args.json, "Print JSON");
    setCommandAccess("audit list", {true, Permission::ReadAuditLog});
    show->callback([&context] {
        auto entries = context.audit().recent(args.limit, args.action);
        if (args.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& e : entries) out.push_back(auditJson(e));
            std::cout << out.dump(2) << "\n";
            return;
        }
        for (const auto& e : entries)
            std::cout << e.at << "  " << std::left << std::setw(16) << e.actor << std::setw(16) << e.address
                      << std::setw(30) << e.action << e.subject << (e.detail.empty() ? "" : "  (" + e.detail + ")") << "\n";
    });

    auto* exportLog = audit->add_subcommand("export", "Write the whole audit log to a file (CSV or JSON)");
    exportLog->add_option("--out", args.out, "File to write (mode 0600)")->required();
    exportLog->add_option("--format", args.format, "csv or json")->check(CLI::IsMember({"csv", "json"}))->capture_default_str();
    setCommandAccess("audit export", {true, Permission::ReadAuditLog});
    exportLog->callback([&context] {
        auto entries = context.audit().all();
        std::string text = auditCsv(entries);
        if (args.format == "json") {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& e : entries) out.push_back(auditJson(e));
            text = out.dump(2) + "\n";
        }
        writePrivateFile(args.out, text);
        context.audit().record(context.actor, context.actorAddress, "audit.exported", args.out,
                               std::to_string(entries.size()) + " entries, " + args.format);
        std::cout << "Wrote " << entries.size() << " entries to " << args.out << "\n";
    });
}

} // namespace

FPB_HOST_COMMANDS(installOperatorCommands);

} // namespace fpb::host
