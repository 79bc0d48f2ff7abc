// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-tool's subcommands register themselves: each <area>_commands.cpp in this folder defines an
// installer and registers it with FPB_TOOL_COMMANDS(installer), so areas stay in their own files.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace fpb::tool {

using CommandInstaller = void (*)(CLI::App& app);

inline std::vector<CommandInstaller>& commandInstallers() {
    static std::vector<CommandInstaller> installers;
    return installers;
}

struct CommandRegistration {
    explicit CommandRegistration(CommandInstaller installer) { commandInstallers().push_back(installer); }
};

/// Exit status for a command that failed on bad input (after printing a clear error).
constexpr int kExitBadInput = 2;

} // namespace fpb::tool

#define FPB_TOOL_COMMANDS(installer) \
    static const ::fpb::tool::CommandRegistration fpbToolRegistration_##installer{installer}
