// SPDX-License-Identifier: GPL-2.0-or-later
#include "command_login.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "host_context.h"

namespace fpb::host {

std::string chosenCommandPath(const CLI::App& app) {
    std::string path;
    const CLI::App* level = &app;
    while (true) {
        auto chosen = level->get_subcommands();
        if (chosen.empty()) break;
        level = chosen.front();
        path += (path.empty() ? "" : " ") + level->get_name();
    }
    return path;
}

std::string commandLineAddress() {
    if (const char* ssh = std::getenv("SSH_CLIENT"); ssh != nullptr && *ssh != '\0') {
        std::string s = ssh;
        return s.substr(0, s.find(' '));
    }
    return "local";
}

std::string readSecret(const std::string& prompt, bool fromStdin) {
    std::string secret;
    if (fromStdin || !::isatty(STDIN_FILENO)) {
        if (!fromStdin)
            throw UserInputError("standard input is not a terminal: pass --password-stdin and give the password on "
                                 "standard input");
        if (!std::getline(std::cin, secret)) throw UserInputError("no password on standard input");
    } else {
        std::cerr << prompt << std::flush;
        termios saved{};
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        std::getline(std::cin, secret);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << "\n";
    }
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
    return secret;
}

void authoriseCommand(HostContext& context, const std::string& path) {
    CommandAccess access = commandAccess(path);
    context.actorAddress = commandLineAddress();
    if (!access.loginRequired) return;
    auto& accounts = context.accounts();
    if (!accounts.anyAdministrator()) {
        if (access.allowedBeforeSetup) return;
        throw AccessDenied("no administrator account exists yet: create one with `fpb-host setup --admin NAME` "
                           "(you choose the password; there is no default)");
    }
    std::string token;
    std::ifstream in(context.config().cliSessionFile());
    bool hadSession = static_cast<bool>(in) && std::getline(in, token) && !token.empty();
    auto session = accounts.resume(token);
    if (!session) {
        if (hadSession) std::filesystem::remove(context.config().cliSessionFile());
        throw AccessDenied(std::string(hadSession ? "your session has ended (unused for " +
                                                        std::to_string(context.config().sessionIdleSeconds / 60) +
                                                        " minutes, or logged out elsewhere)"
                                                  : "`fpb-host " + path + "` needs a login") +
                           ": run `fpb-host login` first");
    }
    context.actor = session->operatorName;
    context.actorRole = session->role;
    if (session->passwordExpired && path != "operators passwd" && path != "logout")
        throw AccessDenied("the password of " + session->operatorName + " is older than " +
                           std::to_string(context.config().passwordMaxAgeDays) +
                           " days: set a new one with `fpb-host operators passwd` before anything else");
    if (!roleAllows(session->role, access.permission)) {
        context.audit().record(session->operatorName, context.actorAddress, "access.denied", "command " + path,
                               roleName(session->role));
        throw AccessDenied(refusalFor(session->role, access.permission));
    }
}

} // namespace fpb::host
