// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-tool extract | match | identify | eval | bench
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "image/image_files.h"
#include "template/error_rates.h"
#include "template/fingerprint_template.h"
#include "finger_folder.h"
#include "tool_commands.h"

namespace fs = std::filesystem;
using fpb::tmpl::Template;
using fpb::tool::loadViews;

namespace {

struct TemplateArgs {
    std::string input, output, a, b, probe, gallery, dir, scoresFile;
    int dpi = 500;
    bool json = false;
};

int runEval(const TemplateArgs& a) {
    fpb::tool::FingerFolder folder = fpb::tool::readFingerFolder(a.dir, a.dpi);
    auto& fingers = folder.fingers;
    const int failures = folder.failures, files = folder.files;
    const double extractMs = folder.loadMs;
    if (files == 0) {
        std::cerr << "error: no <finger>_<impression> images or templates in " << a.dir << "\n";
        return fpb::tool::kExitBadInput;
    }
    std::vector<int> genuine, impostor;
    std::vector<std::pair<std::string, fpb::tmpl::PreparedTemplate>> all;
    std::vector<std::string> names;
    for (auto& [finger, list] : fingers)
        for (auto& [imp, t] : list) {
            all.emplace_back(finger, fpb::tmpl::PreparedTemplate(t));
            names.push_back(finger + "_" + std::to_string(imp));
        }
    std::ofstream scores;
    if (!a.scoresFile.empty()) scores.open(a.scoresFile);
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j) {
            int s = fpb::tmpl::compareSymmetric(all[i].second, all[j].second);
            bool mate = all[i].first == all[j].first;
            (mate ? genuine : impostor).push_back(s);
            if (scores.is_open()) scores << names[i] << " " << names[j] << " " << s << (mate ? " genuine\n" : " impostor\n");
        }
    const fpb::tmpl::ScoreRates rates(genuine, impostor);
    const fpb::tmpl::ErrorRates equal = rates.equalErrorRate();
    const auto at1 = rates.atFmr(0.01), at0 = rates.atFmr(0.0), at1e3 = rates.atFmr(0.001), at1e4 = rates.atFmr(0.0001);
    int maxImpostor = impostor.empty() ? 0 : *std::max_element(impostor.begin(), impostor.end());
    nlohmann::json out = {{"eer", equal.eer},
                          {"eer_low", equal.eerLow},
                          {"eer_high", equal.eerHigh},
                          {"eer_threshold", equal.eerThreshold},
                          {"fnmr_at_fmr_1pct", at1.fnmr},
                          {"zero_fmr", at0.fnmr},
                          {"zero_fmr_threshold", at0.threshold},
                          {"max_impostor_score", maxImpostor},
                          {"threshold_fmr_1e3", at1e3.threshold},
                          {"fnmr_at_fmr_1e3", at1e3.fnmr},
                          {"threshold_fmr_1e4", at1e4.threshold},
                          {"fnmr_at_fmr_1e4", at1e4.fnmr},
                          {"genuine_pairs", genuine.size()},
                          {"impostor_pairs", impostor.size()},
                          {"failures_to_extract", failures},
                          {"mean_extract_or_load_ms", files ? extractMs / files : 0}};
    if (a.json) std::cout << out.dump(2) << "\n";
    else
        std::cout << "EER " << 100 * equal.eer << "% (between " << 100 * equal.eerLow << "% and " << 100 * equal.eerHigh << "%, threshold "
                  << equal.eerThreshold << "), FNMR at FMR 1% " << 100 * at1.fnmr << "%, ZeroFMR " << 100 * at0.fnmr << "%\ngenuine pairs " << genuine.size() << ", impostor pairs "
                  << impostor.size() << ", failures to extract " << failures << "\n";
    return 0;
}

void installTemplateCommands(CLI::App& app) {
    static TemplateArgs args;
    auto* extract = app.add_subcommand("extract", "Extract an ISO/IEC 19794-2 template from an image");
    extract->add_option("IMAGE", args.input)->required();
    extract->add_option("-o,--out", args.output, "Template file to write")->required();
    extract->add_option("--dpi", args.dpi)->capture_default_str();
    extract->callback([] {
        try {
            auto t = fpb::tmpl::extractTemplate(fpb::loadImage(args.input, args.dpi));
            auto bytes = fpb::tmpl::writeIsoRecord(t);
            std::ofstream(args.output, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                               static_cast<std::streamsize>(bytes.size()));
            std::cout << args.output << ": " << t.minutiae.size() << " minutiae, quality " << t.quality << ", "
                      << bytes.size() << " bytes\n";
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            std::exit(fpb::tool::kExitBadInput);
        }
    });

    auto* match = app.add_subcommand("match", "Compare two fingerprints (images or templates)");
    match->add_option("A", args.a)->required();
    match->add_option("B", args.b)->required();
    match->add_option("--dpi", args.dpi)->capture_default_str();
    match->add_flag("--json", args.json);
    match->callback([] {
        try {
            // Records may hold several views (an enrollment's presses): the best pair of views decides.
            const auto viewsA = loadViews(args.a, args.dpi), viewsB = loadViews(args.b, args.dpi);
            int score = 0;
            for (const auto& ta : viewsA)
                for (const auto& tb : viewsB) score = std::max(score, fpb::tmpl::compareSymmetric(ta, tb));
            // FMR 1e-4 over all the pairs of views compared (each is a chance): kThresholdFmr1e4 for one.
            const std::size_t pairs = viewsA.size() * viewsB.size();
            const int threshold = fpb::tmpl::thresholdForSearch(pairs, 1e-4);
            const bool isMatch = score >= threshold;
            if (args.json)
                std::cout << nlohmann::json{{"score", score}, {"match", isMatch}, {"threshold", threshold}, {"view_pairs", pairs}}.dump() << "\n";
            else
                std::cout << "score " << score << ": " << (isMatch ? "match" : "no match") << " (threshold " << threshold << ", FMR 1e-4"
                          << (pairs > 1 ? " over " + std::to_string(pairs) + " pairs of views" : std::string()) << ")\n";
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            std::exit(fpb::tool::kExitBadInput);
        }
    });

    auto* identify = app.add_subcommand("identify", "Search a gallery folder for a probe");
    identify->add_option("PROBE", args.probe)->required();
    identify->add_option("GALLERY_DIR", args.gallery)->required();
    identify->add_option("--dpi", args.dpi)->capture_default_str();
    identify->callback([] {
        try {
            const auto probeViews = loadViews(args.probe, args.dpi);
            // The plugin's own search: two stages on every core (exhaustive for small folders),
            // every view of every file an entry under the file's name.
            fpb::tmpl::Identifier gallery;
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(args.gallery)) files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                try {
                    for (auto& view : loadViews(f, args.dpi)) gallery.add(f.filename().string(), std::move(view));
                } catch (const std::exception&) {
                }
            }
            // Each probe view searches; a file is ranked by its best score.
            std::map<std::string, int> best;
            for (const auto& view : probeViews)
                for (const auto& c : gallery.identify(view, 0, 5)) best[c.key] = std::max(best[c.key], c.score);
            std::vector<std::pair<std::string, int>> ranked(best.begin(), best.end());
            std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
            if (ranked.size() > 5) ranked.resize(5);
            // A match at the duplicate check's threshold for this many comparisons (it grows with them).
            const std::size_t comparisons = gallery.size() * probeViews.size();
            const int threshold = fpb::tmpl::thresholdForSearch(comparisons, fpb::tmpl::kDuplicateCheckFalseMatches);
            for (const auto& [key, score] : ranked) std::cout << key << " " << score << (score >= threshold ? "  match" : "") << "\n";
            std::cout << "(match: at least " << threshold << ", the threshold for " << gallery.size() << " views searched by "
                      << probeViews.size() << " that expects a chance match in at most 1 search in 100)\n";
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            std::exit(fpb::tool::kExitBadInput);
        }
    });

    auto* eval = app.add_subcommand("eval", "FVC protocol on a folder of <finger>_<impression> images or templates");
    eval->add_option("DIR", args.dir)->required();
    eval->add_option("--dpi", args.dpi, "Resolution of the images (FVC2002 DB2: 569)")->capture_default_str();
    eval->add_flag("--json", args.json);
    eval->add_option("--scores", args.scoresFile, "Also write every comparison (names, score, genuine or impostor) to this file");
    eval->callback([] { std::exit(runEval(args)); });
}

} // namespace

FPB_TOOL_COMMANDS(installTemplateCommands);
