// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host collect: the Collect dialog in the terminal (prompts, progress, Finish).
#include <fstream>
#include <iostream>
#include <sstream>

#include "collect_runner.h"
#include "emulated_reader.h"
#include "emulated_world.h"
#include "host_context.h"
#include "host_main.h"

namespace fpb::host {

namespace {

struct CollectArgs {
    std::string user;
    int finger = 2;
    bool duress = false;
    unsigned presses = 3;
    std::string script;
    std::string operatorName;  // default: the logged-in operator
    bool consent = false;
    std::string device;
    EmulationOptions emulation;
};

void installCollectCommand(CLI::App& app, HostContext& context) {
    static CollectArgs args;
    auto* collect = app.add_subcommand("collect", "Enroll a finger of a user on a reader, with prompts (the Collect dialog)");
    setCommandAccess("collect", {true, Permission::Enroll});
    collect->add_option("--user", args.user, "User id")->required();
    collect->add_option("--finger", args.finger, "Finger position 1-10 (1 right thumb, 2 right index, ... 6 left thumb ...)")
        ->capture_default_str();
    collect->add_flag("--duress", args.duress, "Mark this finger as the user's duress finger");
    collect->add_option("--count", args.presses, "Good presses needed")->capture_default_str();
    collect->add_option("--presses", args.script,
                        "Press script for the emulated reader (lines: MODE [finger=N] [hold=MS]); runs unattended");
    collect->add_option("--operator", args.operatorName, "Operator confirming the consent (default: you)");
    collect->add_flag("--consent", args.consent, "The person has read the privacy notice and consents");
    collect->add_option("--device", args.device, "Reader id (default: the first reader)");
    addEmulationOptions(*collect, args.emulation);
    collect->callback([&context] {
        auto world = startEmulationIfAsked(args.emulation);
        std::vector<ScriptedPress> script;
        if (!args.script.empty()) {
            if (!world) throw UserInputError("--presses needs --emulated-reader: a script drives the emulated finger");
            script = loadPressScript(args.script);
        }
        std::cout << "Privacy notice: " << context.config().privacyNotice << "\n";
        if (!args.consent) {
            if (!script.empty())
                throw UserInputError("an unattended Collect needs --consent: the operator must confirm the person consents");
            std::cout << "Does the person consent? [y/N] " << std::flush;
            std::string answer;
            std::getline(std::cin, answer);
            if (answer != "y" && answer != "Y" && answer != "yes")
                throw UserInputError("the person did not consent: nothing was collected");
        }
        CollectRequest request;
        request.userId = args.user;
        request.finger = args.finger;
        request.duress = args.duress;
        request.presses = args.presses;
        request.deviceId = args.device;
        request.consentConfirmed = true;
        request.consentOperator = args.operatorName.empty() ? context.actor : args.operatorName;
        CollectOutcome outcome = runCollect(context, world.get(), request, script, std::cout, !script.empty());
        commandExitStatus() = outcome.saved ? kExitOk : kExitFailure;
    });
}

} // namespace

FPB_HOST_COMMANDS(installCollectCommand);

} // namespace fpb::host
