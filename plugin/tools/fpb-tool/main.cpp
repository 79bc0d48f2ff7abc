// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-tool: the biometrics command line (image quality, synthetic fingers, templates, matching).
#include <iostream>

#include "tool_commands.h"

int main(int argc, char** argv) {
    CLI::App app{"fpb-tool: fingerprint image quality, synthetic fingers, templates and matching"};
    app.require_subcommand(1);
    for (auto installer : fpb::tool::commandInstallers()) installer(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return 0;
}
