// SPDX-License-Identifier: GPL-2.0-or-later
// `controllers audit` and `controllers rotate-password`, added to the controllers command group.
#pragma once
#include <CLI/CLI.hpp>

namespace fpb::host {

class HostContext;
void installControllerSecurityCommands(CLI::App* controllers, HostContext& context);

} // namespace fpb::host
