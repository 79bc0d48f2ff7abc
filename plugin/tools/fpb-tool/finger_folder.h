// SPDX-License-Identifier: GPL-2.0-or-later
// Folders of <finger>_<impression> images or templates (the FVC layout), read for the commands
// that evaluate the matcher.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "template/fingerprint_template.h"

namespace fpb::tool {

/// The finger views of an image (extracted at `dpi`: one) or of an ISO/ANSI record (an
/// enrollment holds one per press). Throws on bad input.
std::vector<tmpl::Template> loadViews(const std::filesystem::path& path, int dpi);
/// The first of them (the FVC layout holds one impression per file).
tmpl::Template loadTemplate(const std::filesystem::path& path, int dpi);

struct FingerFolder {
    /// finger -> (impression, template), impressions in file-name order.
    std::map<std::string, std::vector<std::pair<int, tmpl::Template>>> fingers;
    int files = 0;     ///< files named <finger>_<impression>.<image or template extension>
    int failures = 0;  ///< of them, the ones that could not be read or extracted (each named on stderr)
    double loadMs = 0; ///< time spent reading and extracting
};

/// Reads every <finger>_<impression> file of `dir`; failures are reported on stderr and counted.
FingerFolder readFingerFolder(const std::string& dir, int dpi);

} // namespace fpb::tool
