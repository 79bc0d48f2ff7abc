// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fpb::host {

/// The browser UI's files, compiled into fpb-host (generated from web/ at build time) so an
/// installed fpb-host needs no extra files to serve its UI.
struct WebAsset {
    std::string path;  ///< e.g. "/app.js"
    const char* data;
    std::size_t size;
    const char* contentType;
};

const std::vector<WebAsset>& webAssets();

} // namespace fpb::host
