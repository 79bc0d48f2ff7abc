// SPDX-License-Identifier: GPL-2.0-or-later
// The command line's login: every command runs as a logged-in operator, checked before it starts.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fpb::host {

class HostContext;

/// The command the operator chose, as its path of names ("users add", "controllers audit").
std::string chosenCommandPath(const CLI::App& app);

/// Refuses the command (AccessDenied or UserInputError, with what to do) unless its access rule
/// is met by the session saved by `fpb-host login`; on success the context acts as that operator.
void authoriseCommand(HostContext& context, const std::string& path);

/// Where the command line runs from, for the audit log: the SSH client's address, or "local".
std::string commandLineAddress();

/// A password from the first line of standard input, or typed at the terminal without echo.
std::string readSecret(const std::string& prompt, bool fromStdin);

} // namespace fpb::host
