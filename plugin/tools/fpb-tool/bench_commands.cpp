// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-tool bench identify: 1:N identification over a large generated gallery, two stages against
// exhaustive full matching in the same run; bench duplicate-check: the check at Finish for a new
// finger; bench compare: 1:1 comparisons per second.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>
#include <unordered_map>

#include "finger_folder.h"
#include "image/image_files.h"
#include "synthetic_finger.h"
#include "template/fingerprint_template.h"
#include "tool_commands.h"

namespace fs = std::filesystem;
using fpb::tmpl::Identifier;
using fpb::tmpl::Template;

namespace {

struct BenchArgs {
    std::string dir;
    int dpi = 500;
    std::size_t gallery = 100000;
    int synthetic = 4;
    std::size_t exhaustiveProbes = 70;
    std::size_t shortlist = Identifier::kDefaultShortlist;
    unsigned threads = 0;
    int mateImpression = 2;
    std::uint64_t seed = 1;
    bool fast = false;
    bool atDuplicateCheckThreshold = false;
    int rounds = 3;
    bool json = false;
};

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

int runBenchIdentify(const BenchArgs& a) {
    // Real prints: impression `mateImpression` of each finger joins the gallery, the others probe.
    std::regex name(R"((\d+)_(\d+)\.(tif|png|pgm))");
    std::vector<fs::path> paths;
    if (fs::is_directory(a.dir))
        for (const auto& e : fs::directory_iterator(a.dir)) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    std::vector<Template> bases;
    std::vector<std::pair<std::string, Template>> mates, probes;
    for (const auto& p : paths) {
        std::smatch m;
        std::string fn = p.filename().string();
        if (!std::regex_match(fn, m, name)) continue;
        try {
            Template t = fpb::tmpl::extractTemplate(fpb::loadImage(p.string(), a.dpi));
            bases.push_back(t);
            (std::stoi(m[2]) == a.mateImpression ? mates : probes).emplace_back(m[1], std::move(t));
        } catch (const std::exception& e) {
            std::cerr << fn << ": " << e.what() << "\n";
        }
    }
    if (mates.empty() || probes.empty()) {
        std::cerr << "error: no <finger>_<impression> images in " << a.dir << "\n";
        return fpb::tool::kExitBadInput;
    }
    // Synthetic fingers widen the pool the generated gallery is made from.
    for (int f = 0; f < a.synthetic; ++f)
        for (int imp = 1; imp <= 2; ++imp) {
            try {
                bases.push_back(fpb::tmpl::extractTemplate(
                    fpb::synth::generatePress(static_cast<std::uint64_t>(9000 + f), imp, fpb::synth::PressMode::Good)));
            } catch (const std::exception&) {
            }
        }
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Template> generated = fpb::tmpl::generateGallery(bases, a.gallery, a.seed);
    Identifier id;
    id.setShortlist(a.shortlist);
    id.setThreads(a.threads);
    id.setThorough(!a.fast);
    // The real prints are spread through the gallery.
    std::size_t next = 0;
    for (std::size_t g = 0; g < generated.size(); ++g) {
        if (next < mates.size() && g == next * generated.size() / mates.size()) {
            id.add(mates[next].first, mates[next].second);
            ++next;
        }
        id.add("generated/" + std::to_string(g), std::move(generated[g]));
    }
    for (; next < mates.size(); ++next) id.add(mates[next].first, mates[next].second);
    id.shrinkToFit();
    double buildMs = msSince(t0);
    double meanMinutiae = 0;
    for (std::size_t i = 0; i < id.size(); ++i) meanMinutiae += static_cast<double>(id.entry(i).minutiae.size());
    meanMinutiae /= static_cast<double>(id.size());

    // Without a threshold the best candidate, however weak, must be the exhaustive search's; with
    // the duplicate check's, the answer the operator sees (a candidate at or above it, or none).
    const int threshold = a.atDuplicateCheckThreshold ? fpb::tmpl::thresholdForSearch(id.size(), fpb::tmpl::kDuplicateCheckFalseMatches) : 0;
    std::vector<double> twoStageMs, firstStageMs, exhaustiveMs, mateRanks;
    std::size_t checked = 0, same = 0, exhaustiveMate = 0, twoStageMate = 0, mateInShortlist = 0;
    std::size_t aboveThreshold = 0, sameAboveThreshold = 0, sameWhenExhaustiveIsMate = 0, exhaustiveFindsNone = 0;
    std::unordered_map<std::string, std::size_t> indexOfKey;
    for (std::size_t i = 0; i < id.size(); ++i)
        indexOfKey[id.key(i)] = i;
    int bestImpostorExhaustive = 0;
    std::map<int, std::size_t> worstRankOfMateScoring{{100, 0}, {125, 0}, {150, 0}, {175, 0}, {200, 0}};
    std::map<int, std::size_t> worstRankOfEntryScoring{{150, 0}, {175, 0}, {190, 0}, {205, 0}};
    for (std::size_t p = 0; p < probes.size(); ++p) {
        const auto& [finger, probe] = probes[p];
        auto s0 = std::chrono::steady_clock::now();
        auto firstScores = id.firstStageScores(probe);
        firstStageMs.push_back(msSince(s0));
        // An entry's place in the first stage's order (ties to the entry added first, as there).
        auto firstStageRank = [&](std::size_t entry) {
            std::size_t ahead = 0;
            for (std::size_t i = 0; i < firstScores.size(); ++i)
                ahead += firstScores[i] > firstScores[entry] || (firstScores[i] == firstScores[entry] && i < entry);
            return ahead;
        };
        const std::size_t mateEntry = indexOfKey.at(finger);
        const std::size_t rank = firstStageRank(mateEntry);
        mateInShortlist += rank < a.shortlist;
        mateRanks.push_back(static_cast<double>(rank));
        // How far down the first stage puts a mate of a given exact score: what a search may skip.
        const int mateScore = fpb::tmpl::compareTemplates(fpb::tmpl::PreparedTemplate(probe), fpb::tmpl::PreparedTemplate(id.entry(mateEntry)));
        for (auto& [atLeast, worst] : worstRankOfMateScoring)
            if (mateScore >= atLeast) worst = std::max(worst, rank);

        s0 = std::chrono::steady_clock::now();
        auto two = id.identify(probe, threshold, 1);
        twoStageMs.push_back(msSince(s0));
        twoStageMate += !two.empty() && two[0].key == finger;
        // Progress (the exhaustive searches are slow) and the per-probe outcome; where the two
        // differ, also where the first stage ranked the exhaustive best.
        std::cerr << "probe " << p + 1 << "/" << probes.size() << " " << finger << ": two-stage "
                  << (two.empty() ? "-" : two[0].key + " " + std::to_string(two[0].score)) << " in "
                  << static_cast<int>(twoStageMs.back()) << " ms, mate's first-stage rank " << rank << " (exact score " << mateScore << ")";
        if (p < a.exhaustiveProbes) {
            s0 = std::chrono::steady_clock::now();
            auto all = id.identifyExhaustive(probe, 0, 64);
            exhaustiveMs.push_back(msSince(s0));
            // Where the first stage puts every entry that scores well: how far a search must reach.
            for (const auto& c : all) {
                const std::size_t entryRank = firstStageRank(indexOfKey.at(c.key));
                for (auto& [atLeast, worst] : worstRankOfEntryScoring)
                    if (c.score >= atLeast) worst = std::max(worst, entryRank);
                if (c.score >= 150) std::cerr << " [strong " << c.key << " " << c.score << " rank " << entryRank << "]";
            }
            all.resize(!all.empty() && all[0].score >= threshold ? 1 : 0);
            ++checked;
            bool agree = two.empty() && all.empty();
            agree |= !two.empty() && !all.empty() && two[0].key == all[0].key && two[0].score == all[0].score;
            exhaustiveFindsNone += all.empty();
            same += agree;
            bool isMate = !all.empty() && all[0].key == finger;
            exhaustiveMate += isMate;
            sameWhenExhaustiveIsMate += isMate && agree;
            if (!all.empty() && all[0].score >= fpb::tmpl::kThresholdFmr1e3) {
                ++aboveThreshold;
                sameAboveThreshold += agree;
            }
            if (!isMate && !all.empty()) bestImpostorExhaustive = std::max(bestImpostorExhaustive, all[0].score);
            std::cerr << "; exhaustive " << (all.empty() ? "-" : all[0].key + " " + std::to_string(all[0].score));
            if (!agree && !all.empty())
                std::cerr << " (the first stage ranked it " << firstStageRank(indexOfKey.at(all[0].key)) << ")  DIFFERENT";
        }
        std::cerr << "\n";
    }
    auto frac = [](std::size_t n, std::size_t d) { return d ? static_cast<double>(n) / static_cast<double>(d) : 0.0; };
    unsigned cores = a.threads ? a.threads : std::thread::hardware_concurrency();
    nlohmann::json out = {
        {"gallery_templates", id.size()},
        {"generated_templates", a.gallery},
        {"real_templates_in_gallery", mates.size()},
        {"probes", probes.size()},
        {"threads", cores},
        {"shortlist", a.shortlist},
        {"search", a.fast ? "fast" : "thorough"},
        {"threshold", threshold},
        {"mean_minutiae_per_template", meanMinutiae},
        {"gallery_bytes", id.memoryBytes()},
        {"bytes_per_template", static_cast<double>(id.memoryBytes()) / static_cast<double>(id.size())},
        {"build_ms", buildMs},
        {"two_stage_ms_median", percentile(twoStageMs, 0.5)},
        {"two_stage_ms_p95", percentile(twoStageMs, 0.95)},
        {"two_stage_ms_max", percentile(twoStageMs, 1.0)},
        {"first_stage_ms_median", percentile(firstStageMs, 0.5)},
        {"exhaustive_ms_median", percentile(exhaustiveMs, 0.5)},
        {"speedup_over_exhaustive", percentile(twoStageMs, 0.5) > 0 ? percentile(exhaustiveMs, 0.5) / percentile(twoStageMs, 0.5) : 0},
        {"mate_in_shortlist", frac(mateInShortlist, probes.size())},
        {"mate_first_stage_rank", {{"median", percentile(mateRanks, 0.5)}, {"p90", percentile(mateRanks, 0.9)},
                                   {"p95", percentile(mateRanks, 0.95)}, {"max", percentile(mateRanks, 1.0)}}},
        {"two_stage_best_is_mate", frac(twoStageMate, probes.size())},
        {"checked_against_exhaustive", checked},
        {"same_best_as_exhaustive", frac(same, checked)},
        {"exhaustive_finds_no_candidate", frac(exhaustiveFindsNone, checked)},
        {"exhaustive_best_is_mate", frac(exhaustiveMate, checked)},
        {"same_best_when_exhaustive_best_is_mate", frac(sameWhenExhaustiveIsMate, exhaustiveMate)},
        {"exhaustive_best_at_or_above_fmr_1e3_threshold", aboveThreshold},
        {"same_best_when_exhaustive_best_is_at_or_above_fmr_1e3_threshold", frac(sameAboveThreshold, aboveThreshold)},
        {"highest_exhaustive_best_that_is_not_the_mate", bestImpostorExhaustive}};
    for (const auto& [atLeast, worst] : worstRankOfMateScoring)
        out["worst_first_stage_rank_of_a_mate_scoring_at_least"][std::to_string(atLeast)] = worst;
    // Over every entry of the exhaustive searches' best 64 (mates and chance impostors alike).
    for (const auto& [atLeast, worst] : worstRankOfEntryScoring)
        out["worst_first_stage_rank_of_an_entry_scoring_at_least"][std::to_string(atLeast)] = worst;
    if (a.json) {
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << std::fixed << std::setprecision(1) << "gallery " << id.size() << " templates (" << mates.size()
              << " real), " << out["bytes_per_template"].get<double>() << " bytes per template, " << cores << " threads, shortlist "
              << a.shortlist << ", " << (a.fast ? "fast" : "thorough") << " search, threshold " << threshold << "\nidentification: two stages " << out["two_stage_ms_median"].get<double>() << " ms median ("
              << out["two_stage_ms_p95"].get<double>() << " ms p95, " << out["two_stage_ms_max"].get<double>() << " ms max; first stage " << out["first_stage_ms_median"].get<double>()
              << " ms), exhaustive " << out["exhaustive_ms_median"].get<double>() << " ms\nmate in the shortlist "
              << 100 * out["mate_in_shortlist"].get<double>() << "% of " << probes.size() << " probes; same best as exhaustive "
              << 100 * out["same_best_as_exhaustive"].get<double>() << "% of " << checked << " (exhaustive best is the mate for "
              << 100 * out["exhaustive_best_is_mate"].get<double>() << "%; same best when it is: "
              << 100 * out["same_best_when_exhaustive_best_is_mate"].get<double>() << "%; when it scores at least "
              << fpb::tmpl::kThresholdFmr1e3 << ": " << 100 * out["same_best_when_exhaustive_best_is_at_or_above_fmr_1e3_threshold"].get<double>()
              << "% of " << aboveThreshold << ")\n";
    return 0;
}

// The duplicate check at Finish for a finger nobody enrolled: a thorough search over `gallery`
// generated entries (three per enrolled finger) at the threshold for that many, on every core.
// Every print of the folder is such a finger; it finds no one unless a chance match beats the
// threshold. The time is what the operator waits after the last press.
int runBenchDuplicateCheck(const BenchArgs& a) {
    fpb::tool::FingerFolder folder = fpb::tool::readFingerFolder(a.dir, a.dpi);
    std::vector<Template> prints;
    for (const auto& [finger, list] : folder.fingers)
        for (const auto& [impression, t] : list) prints.push_back(t);
    if (prints.empty()) {
        std::cerr << "error: no <finger>_<impression> images or templates in " << a.dir << "\n";
        return fpb::tool::kExitBadInput;
    }
    Identifier id;
    id.setThreads(a.threads);
    std::vector<Template> generated = fpb::tmpl::generateGallery(prints, a.gallery, a.seed);
    for (std::size_t g = 0; g < generated.size(); ++g) id.add("generated/" + std::to_string(g / 3), std::move(generated[g]));
    id.shrinkToFit();
    const int threshold = fpb::tmpl::thresholdForSearch(id.size(), fpb::tmpl::kDuplicateCheckFalseMatches);
    std::vector<double> ms;
    std::size_t chanceMatches = 0;
    for (const auto& probe : prints) {
        const auto t0 = std::chrono::steady_clock::now();
        chanceMatches += !id.identify(probe, threshold, 1).empty();
        ms.push_back(msSince(t0));
    }
    const unsigned cores = a.threads ? a.threads : std::thread::hardware_concurrency();
    nlohmann::json out = {{"entries", id.size()},
                          {"threshold", threshold},
                          {"new_fingers", prints.size()},
                          {"told_already_enrolled", chanceMatches},
                          {"threads", cores},
                          {"ms_median", percentile(ms, 0.5)},
                          {"ms_p95", percentile(ms, 0.95)},
                          {"ms_max", percentile(ms, 1.0)}};
    if (a.json) std::cout << out.dump(2) << "\n";
    else
        std::cout << std::fixed << std::setprecision(0) << "duplicate check of " << prints.size() << " new fingers over " << id.size()
                  << " entries (threshold " << threshold << ", " << cores << " threads): " << percentile(ms, 0.5) << " ms median, "
                  << percentile(ms, 0.95) << " ms p95, " << percentile(ms, 1.0) << " ms max; told already enrolled: " << chanceMatches << "\n";
    return 0;
}

// One core: every pair of a folder's templates (images are extracted first), compared from
// prepared templates in turn (the decision score, compareSymmetric), plus the time to prepare one.
int runBenchCompare(const BenchArgs& a) {
    std::vector<Template> templates;
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(a.dir)) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    std::regex name(R"((\d+)_(\d+)\.(tif|png|pgm|iso))");
    for (const auto& p : paths) {
        if (!std::regex_match(p.filename().string(), name)) continue;
        try {
            if (p.extension() == ".iso") {
                std::ifstream in(p, std::ios::binary);
                std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                templates.push_back(fpb::tmpl::parseIsoRecord(bytes).at(0));
            } else {
                templates.push_back(fpb::tmpl::extractTemplate(fpb::loadImage(p.string(), a.dpi)));
            }
        } catch (const std::exception& e) {
            std::cerr << p.filename().string() << ": " << e.what() << "\n";
        }
    }
    if (templates.size() < 2) {
        std::cerr << "error: fewer than two <finger>_<impression> images or templates in " << a.dir << "\n";
        return fpb::tool::kExitBadInput;
    }
    auto t0 = std::chrono::steady_clock::now();
    std::vector<fpb::tmpl::PreparedTemplate> prepared;
    prepared.reserve(templates.size());
    for (const auto& t : templates) prepared.emplace_back(t);
    const double prepareUs = 1000 * msSince(t0) / static_cast<double>(templates.size());
    double minutiae = 0;
    for (const auto& t : templates) minutiae += static_cast<double>(t.minutiae.size());
    std::size_t comparisons = 0;
    long checksum = 0;
    double ms = 0;
    t0 = std::chrono::steady_clock::now();
    for (int round = 0; round < std::max(1, a.rounds); ++round)
        for (std::size_t i = 0; i < prepared.size(); ++i)
            for (std::size_t j = i + 1; j < prepared.size(); ++j) {
                checksum += fpb::tmpl::compareSymmetric(prepared[i], prepared[j]);
                ++comparisons;
            }
    ms = msSince(t0);
    const double perSecond = static_cast<double>(comparisons) / (ms / 1000);
    nlohmann::json out = {{"templates", templates.size()},
                          {"mean_minutiae", minutiae / static_cast<double>(templates.size())},
                          {"comparisons", comparisons},
                          {"comparisons_per_second_one_core", perSecond},
                          {"us_per_comparison", 1000 * ms / static_cast<double>(comparisons)},
                          {"us_to_prepare_one", prepareUs},
                          {"score_checksum", checksum}};
    if (a.json) std::cout << out.dump(2) << "\n";
    else
        std::cout << comparisons << " comparisons of prepared templates on one core: " << std::fixed << std::setprecision(0)
                  << perSecond << " per second (" << std::setprecision(1) << out["us_per_comparison"].get<double>()
                  << " us each; " << out["mean_minutiae"].get<double>() << " minutiae on average); preparing one: " << prepareUs << " us\n";
    return 0;
}

void installBenchCommands(CLI::App& app) {
    static BenchArgs args;
    auto* bench = app.add_subcommand("bench", "Speed measurements");
    bench->require_subcommand(1);
    auto* identify = bench->add_subcommand(
        "identify", "1:N identification over a generated gallery: two stages against exhaustive full matching");
    identify->add_option("DIR", args.dir, "Folder of <finger>_<impression> images (e.g. FVC2002_DB1_B)")->required();
    identify->add_option("--dpi", args.dpi)->capture_default_str();
    identify->add_option("--gallery", args.gallery, "Generated templates in the gallery")->capture_default_str();
    identify->add_option("--synthetic", args.synthetic, "Synthetic fingers added to the pool the gallery is made from")->capture_default_str();
    identify->add_option("--exhaustive-probes", args.exhaustiveProbes, "Probes also searched exhaustively (slow)")->capture_default_str();
    identify->add_option("--shortlist", args.shortlist, "First-stage candidates given the full comparison")->capture_default_str();
    identify->add_option("--threads", args.threads, "Worker threads (0: one per core)")->capture_default_str();
    identify->add_option("--mate-impression", args.mateImpression, "Impression of each finger put in the gallery")->capture_default_str();
    identify->add_option("--seed", args.seed)->capture_default_str();
    identify->add_flag("--fast", args.fast, "Fast search (as at a door): never every entry, however weak the best candidate");
    identify->add_flag("--at-duplicate-check-threshold", args.atDuplicateCheckThreshold,
                       "Search at the duplicate check's threshold for the gallery's size (the answer an operator sees) instead of for the best candidate however weak");
    identify->add_flag("--json", args.json);
    identify->callback([] { std::exit(runBenchIdentify(args)); });
    auto* duplicate = bench->add_subcommand(
        "duplicate-check", "The duplicate check at Finish for fingers nobody enrolled, over a generated gallery (3 entries per finger)");
    duplicate->add_option("DIR", args.dir, "Folder of <finger>_<impression> images or templates (the new fingers)")->required();
    duplicate->add_option("--dpi", args.dpi)->capture_default_str();
    duplicate->add_option("--gallery", args.gallery, "Generated entries in the gallery")->capture_default_str();
    duplicate->add_option("--threads", args.threads, "Worker threads (0: one per core)")->capture_default_str();
    duplicate->add_option("--seed", args.seed)->capture_default_str();
    duplicate->add_flag("--json", args.json);
    duplicate->callback([] { std::exit(runBenchDuplicateCheck(args)); });
    auto* compare = bench->add_subcommand("compare", "1:1 comparisons of prepared templates on one core, every pair of a folder");
    compare->add_option("DIR", args.dir, "Folder of <finger>_<impression> images or .iso templates")->required();
    compare->add_option("--dpi", args.dpi)->capture_default_str();
    compare->add_option("--rounds", args.rounds, "Passes over all pairs")->capture_default_str();
    compare->add_flag("--json", args.json);
    compare->callback([] { std::exit(runBenchCompare(args)); });
}

} // namespace

FPB_TOOL_COMMANDS(installBenchCommands);
