// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "collect_service.h"
#include "host_context.h"

namespace fpb::host {

class EmulatedWorld;

/// One line of a press script: how the emulated person presses.
struct ScriptedPress {
    std::string mode = "good";  ///< good, a wrong mode (too_dry, ...), or hold_too_long
    int finger = 0;             ///< synthetic finger; 0 = the reader's own
    int holdMs = 0;
};

/// Reads a press script (one press per line: MODE [finger=N] [hold=MS]; # comments).
std::vector<ScriptedPress> loadPressScript(const std::string& path);
std::vector<ScriptedPress> parsePressScript(const std::string& text, const std::string& nameForErrors);

struct CollectOutcome {
    bool saved = false;
    std::string failure;
    std::vector<int> prompts;  ///< every prompt code shown, in order
};

/// Runs Collect in the terminal: prints prompts and progress; with `autoFinish` saves at the end
/// (Finish), otherwise asks. Queues `script` presses on emulated reader 0 when given.
CollectOutcome runCollect(HostContext& context, EmulatedWorld* world, const CollectRequest& request,
                          const std::vector<ScriptedPress>& script, std::ostream& out, bool autoFinish);

} // namespace fpb::host
