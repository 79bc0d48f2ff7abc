// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-tool eval-tail: false-match rates far below what a folder's own impostor pairs can show
// (FVC2002's 2,880 pairs per set stop at about 1e-3), for choosing 1:N thresholds. Each finger's
// presses and 3-press enrollments (their best press, which searches) are compared with a gallery
// generated from the other fingers only, so every comparison is between different fingers. The
// same finger's scores are a probe's best against an enrollment's views.
#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "finger_folder.h"
#include "template/fingerprint_template.h"
#include "tool_commands.h"

using fpb::tmpl::PreparedTemplate;
using fpb::tmpl::Template;

namespace {

struct TailArgs {
    std::string dir;
    int dpi = 500;
    std::size_t gallery = 100000;
    std::uint64_t seed = 1;
    bool json = false;
};

/// How many comparisons scored each value (0..1000).
using Histogram = std::array<std::uint64_t, 1001>;

std::uint64_t atOrAbove(const Histogram& h, int score) {
    std::uint64_t n = 0;
    for (int s = std::max(0, score); s <= 1000; ++s) n += h[static_cast<std::size_t>(s)];
    return n;
}

std::uint64_t total(const Histogram& h) { return atOrAbove(h, 0); }

/// The lowest score whose false-match rate is at most `fmr`, or -1 when the comparisons are too
/// few to show it (fewer than 3 expected false matches at that rate).
int thresholdFor(const Histogram& impostors, double fmr) {
    const double n = static_cast<double>(total(impostors));
    if (n * fmr < 3) return -1;
    for (int s = 0; s <= 1000; ++s)
        if (static_cast<double>(atOrAbove(impostors, s)) <= fmr * n) return s;
    return -1;
}

// Enrollments made of three presses; the pairs (0,1), (2,3), (4,5) share no press.
constexpr std::array<std::array<int, 3>, 6> kEnrollmentPresses{{{0, 1, 2}, {3, 4, 5}, {0, 2, 4}, {1, 3, 5}, {0, 1, 7}, {4, 5, 6}}};

/// Runs work(worker, from, to) on every core, each over its share of [0, count).
template <typename Work>
void onEveryCore(std::size_t count, const Work& work) {
    const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w) threads.emplace_back([&, w] { work(w, count * w / workers, count * (w + 1) / workers); });
    for (auto& t : threads) t.join();
}

/// Scores every probe against every entry on all cores, into `into`.
void scoreAll(const std::vector<PreparedTemplate>& probes, const std::vector<PreparedTemplate>& entries, Histogram& into) {
    std::vector<Histogram> partial(std::max(1u, std::thread::hardware_concurrency()), Histogram{});
    onEveryCore(entries.size(), [&](unsigned w, std::size_t from, std::size_t to) {
        for (const auto& probe : probes)
            for (std::size_t e = from; e < to; ++e) ++partial[w][static_cast<std::size_t>(fpb::tmpl::compareTemplates(probe, entries[e]))];
    });
    for (const auto& h : partial)
        for (std::size_t s = 0; s < h.size(); ++s) into[s] += h[s];
}

std::vector<PreparedTemplate> prepareAll(const std::vector<Template>& templates) {
    std::vector<PreparedTemplate> out(templates.size());
    onEveryCore(templates.size(), [&](unsigned, std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) out[i] = PreparedTemplate(templates[i]);
    });
    return out;
}

int runEvalTail(const TailArgs& a) {
    fpb::tool::FingerFolder folder = fpb::tool::readFingerFolder(a.dir, a.dpi);
    std::vector<std::string> usable;
    for (const auto& [finger, list] : folder.fingers)
        if (list.size() >= 8) usable.push_back(finger);
    if (usable.size() < 2) {
        std::cerr << "error: " << a.dir << " needs at least two fingers with 8 <finger>_<impression> images or templates each\n";
        return fpb::tool::kExitBadInput;
    }
    // The product never holds a template under the extractor's floor; the generator can make one.
    constexpr std::size_t kFewestMinutiae = 6;
    Histogram pressImpostors{}, enrollmentImpostors{}, enrollmentGenuine{}, pressGenuine{};
    std::size_t skipped = 0, entries = 0;
    for (std::size_t f = 0; f < usable.size(); ++f) {
        const auto& own = folder.fingers.at(usable[f]);
        std::vector<Template> bases;
        for (const auto& [finger, list] : folder.fingers)
            if (finger != usable[f])
                for (const auto& [impression, t] : list) bases.push_back(t);
        std::vector<Template> generated = fpb::tmpl::generateGallery(bases, a.gallery, a.seed + f);
        const auto before = generated.size();
        generated.erase(std::remove_if(generated.begin(), generated.end(),
                                       [](const Template& t) { return t.minutiae.size() < kFewestMinutiae; }),
                        generated.end());
        skipped += before - generated.size();
        entries += generated.size();
        const std::vector<PreparedTemplate> gallery = prepareAll(generated);

        std::vector<Template> presses;
        for (const auto& [impression, t] : own) presses.push_back(t);
        // An enrollment's search probe is its best press; as an enrolled finger it offers its best view.
        std::vector<std::vector<PreparedTemplate>> enrolledViews;
        std::vector<PreparedTemplate> enrollmentProbes;
        for (const auto& which : kEnrollmentPresses) {
            const auto views = fpb::tmpl::enrollmentViews({presses[which[0]], presses[which[1]], presses[which[2]]});
            enrolledViews.emplace_back(views.begin(), views.end());
            enrollmentProbes.push_back(enrolledViews.back().front());
        }
        const std::vector<PreparedTemplate> pressProbes(presses.begin(), presses.end());
        scoreAll(pressProbes, gallery, pressImpostors);
        scoreAll(enrollmentProbes, gallery, enrollmentImpostors);
        auto bestView = [](const PreparedTemplate& probe, const std::vector<PreparedTemplate>& views) {
            int best = 0;
            for (const auto& v : views) best = std::max(best, fpb::tmpl::compareSymmetric(probe, v));
            return static_cast<std::size_t>(best);
        };
        // The same finger: enrollments sharing no press, and each enrollment against the presses it was not made from.
        for (std::size_t k = 0; k + 1 < enrolledViews.size(); k += 2) ++enrollmentGenuine[bestView(enrollmentProbes[k], enrolledViews[k + 1])];
        for (std::size_t k = 0; k < enrolledViews.size(); ++k)
            for (std::size_t p = 0; p < 8; ++p)
                if (std::find(kEnrollmentPresses[k].begin(), kEnrollmentPresses[k].end(), static_cast<int>(p)) == kEnrollmentPresses[k].end())
                    ++pressGenuine[bestView(pressProbes[p], enrolledViews[k])];
        std::cerr << "finger " << usable[f] << " (" << f + 1 << "/" << usable.size() << "): " << generated.size() << " generated entries\n";
    }

    const std::array<double, 5> rates{1e-3, 1e-4, 1e-5, 1e-6, 1e-7};
    auto describe = [&](const Histogram& impostors, const Histogram& genuine) {
        nlohmann::json thresholds = nlohmann::json::object();
        for (double r : rates) {
            std::ostringstream key;
            key << std::setprecision(0) << std::scientific << r;
            const int t = thresholdFor(impostors, r);
            if (t < 0) thresholds[key.str()] = nullptr;
            else
                thresholds[key.str()] = {{"score", t},
                                         {"fmr", static_cast<double>(atOrAbove(impostors, t)) / static_cast<double>(total(impostors))},
                                         {"genuine_at_or_above", static_cast<double>(atOrAbove(genuine, t)) / static_cast<double>(total(genuine))}};
        }
        nlohmann::json counts = nlohmann::json::array();
        for (int s = 100; s <= 1000; ++s)
            if (atOrAbove(impostors, s) > 0) counts.push_back({{"score", s}, {"at_or_above", atOrAbove(impostors, s)}});
        int highest = 0;
        for (int s = 0; s <= 1000; ++s)
            if (impostors[static_cast<std::size_t>(s)]) highest = s;
        return nlohmann::json{{"impostor_comparisons", total(impostors)}, {"genuine_comparisons", total(genuine)},
                              {"highest_impostor_score", highest}, {"thresholds", thresholds}, {"impostors_at_or_above", counts}};
    };
    nlohmann::json out = {{"fingers", usable.size()},
                          {"generated_entries_per_finger", a.gallery},
                          {"entries_compared", entries},
                          {"entries_skipped_under_6_minutiae", skipped},
                          {"press", describe(pressImpostors, pressGenuine)},
                          {"enrollment", describe(enrollmentImpostors, enrollmentGenuine)}};
    if (a.json) {
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    for (const char* kind : {"press", "enrollment"}) {
        const auto& k = out[kind];
        std::cout << (std::string(kind) == "press" ? "A press" : "A 3-press enrollment") << " against " << entries
                  << " generated templates of other fingers: " << k["impostor_comparisons"] << " comparisons, highest score "
                  << k["highest_impostor_score"] << "\n";
        for (const auto& [rate, t] : k["thresholds"].items()) {
            std::cout << "  FMR " << rate << ": ";
            if (t.is_null()) std::cout << "too few comparisons to show\n";
            else
                std::cout << "score " << t["score"] << " (measured " << std::setprecision(2) << t["fmr"].get<double>() << "; same finger at or above: "
                          << std::setprecision(3) << 100 * t["genuine_at_or_above"].get<double>() << "% of "
                          << (std::string(kind) == "press" ? "press against enrollment" : "enrollment against enrollment") << ")\n";
        }
    }
    return 0;
}

void installTailCommands(CLI::App& app) {
    static TailArgs args;
    auto* tail = app.add_subcommand(
        "eval-tail", "False-match rates down to 1e-7 for 1:N thresholds: each finger against a gallery generated from the other fingers");
    tail->add_option("DIR", args.dir, "Folder of <finger>_<impression> images or templates, 8 impressions per finger")->required();
    tail->add_option("--dpi", args.dpi, "Resolution of the images (FVC2002 DB2: 569)")->capture_default_str();
    tail->add_option("--gallery", args.gallery, "Generated templates per finger")->capture_default_str();
    tail->add_option("--seed", args.seed)->capture_default_str();
    tail->add_flag("--json", args.json);
    tail->callback([] { std::exit(runEvalTail(args)); });
}

} // namespace

FPB_TOOL_COMMANDS(installTailCommands);
