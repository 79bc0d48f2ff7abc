// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect_runner.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "emulated_world.h"
#include "reader_directory.h"

namespace fpb::host {

std::vector<ScriptedPress> parsePressScript(const std::string& text, const std::string& name) {
    std::vector<ScriptedPress> presses;
    std::istringstream in(text);
    std::string line;
    int lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream words(line);
        std::string word;
        if (!(words >> word)) continue;
        ScriptedPress press;
        press.mode = word;
        while (words >> word) {
            auto eq = word.find('=');
            std::string key = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
            try {
                if (key == "finger") press.finger = std::stoi(value);
                else if (key == "hold") press.holdMs = std::stoi(value);
                else throw std::invalid_argument(key);
            } catch (const std::exception&) {
                throw UserInputError(name + ":" + std::to_string(lineNumber) + ": \"" + word +
                                     "\" is not understood; write MODE [finger=N] [hold=MS]");
            }
        }
        presses.push_back(press);
    }
    if (presses.empty()) throw UserInputError(name + ": the press script holds no presses");
    return presses;
}

std::vector<ScriptedPress> loadPressScript(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UserInputError("cannot read the press script " + path);
    std::stringstream text;
    text << in.rdbuf();
    return parsePressScript(text.str(), path);
}

CollectOutcome runCollect(HostContext& context, EmulatedWorld* world, const CollectRequest& request,
                          const std::vector<ScriptedPress>& script, std::ostream& out, bool autoFinish) {
    CollectOutcome outcome;
    ReaderDirectory readers(context.plugins());
    if (world) readers.waitForReaders(static_cast<std::size_t>(world->readerCount()), 5000);
    CollectService service(readers, context.users(), context.config().maxFingersPerUser);
    if (world)
        for (const auto& p : script) {
            std::string problem = world->press(0, p.mode, p.finger, p.holdMs);
            if (!problem.empty()) throw UserInputError("press script: " + problem);
        }
    auto session = service.start(request);
    context.audit().record(request.consentOperator, context.actorAddress, "collect.started", "user " + request.userId,
                           std::string(UserStore::fingerName(request.finger)) + ", consent confirmed");
    out << "Collecting the " << UserStore::fingerName(request.finger) << " of user " << request.userId << " on "
        << session->request().deviceId << "\n";
    int last = 0;
    bool ended = false;
    while (!ended) {
        for (const auto& e : session->eventsAfter(last, 1000)) {
            last = e.sequence;
            if (e.kind == "prompt") {
                outcome.prompts.push_back(e.promptCode);
                out << "  [" << e.pressesDone << "/" << e.pressesNeeded << "] " << e.text << (e.tone ? "  (beep)" : "") << "\n";
            } else if (e.kind == "press") {
                out << "      press: quality " << e.quality << (e.accepted ? ", accepted" : ", not counted") << "\n";
            } else if (e.kind == "completed") {
                out << "  " << e.text << "\n";
                ended = true;
            } else if (e.kind == "failed") {
                outcome.failure = e.text;
                out << "  Collect ended: " << e.text << "\n";
                ended = true;
            }
        }
    }
    out << std::flush;
    if (!outcome.failure.empty()) return outcome;
    if (!autoFinish) {
        out << "Finish and save the fingerprint? [Y/n] " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer == "n" || answer == "N") {
            session->cancel();
            out << "Cancelled: nothing was saved.\n";
            return outcome;
        }
    }
    session->finish();
    context.notifyUserChanged(request.userId, false);
    outcome.saved = true;
    out << "Saved: the " << UserStore::fingerName(request.finger) << " of user " << request.userId
        << " is enrolled.\n";
    return outcome;
}

} // namespace fpb::host
