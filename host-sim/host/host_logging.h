// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <filesystem>
#include <string>

namespace fpb::host {

/// Console (stderr) plus a rotating file <logDir>/fpb-host.log (5 files of 5 MiB).
/// Never log templates, images or passwords.
void setUpLogging(const std::filesystem::path& logDir, const std::string& level);

} // namespace fpb::host
