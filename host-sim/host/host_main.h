// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

namespace fpb::host {

/// Parses the command line and runs one fpb-host command; returns the exit status.
int runHost(int argc, char** argv);

/// Set by commands to tell runHost the exit status (CLI11 callbacks return void).
int& commandExitStatus();

} // namespace fpb::host
