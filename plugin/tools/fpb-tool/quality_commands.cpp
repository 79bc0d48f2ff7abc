// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-tool quality | generate | quality-eval
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "image/image_files.h"
#include "quality/press_quality.h"
#include "synthetic_finger.h"
#include "tool_commands.h"

namespace fs = std::filesystem;
using fpb::quality::QualityReport;
using fpb::quality::Verdict;
using fpb::synth::PressMode;

namespace {

nlohmann::json reportJson(const QualityReport& r) {
    return {{"verdict", fpb::quality::verdictName(r.verdict)},
            {"score", r.score},
            {"move", fpb::quality::directionName(r.move)},
            {"prompt_code", static_cast<int>(r.promptCode())},
            {"prompt", fpb::quality::promptText(r.promptCode())},
            {"contact_area", r.contactArea},
            {"centre_offset_x", r.centreOffsetX},
            {"centre_offset_y", r.centreOffsetY},
            {"ridge_clarity", r.ridgeClarity},
            {"contrast", r.contrast},
            {"darkness", r.darkness},
            {"ridge_share", r.ridgeShare},
            {"blank_patch", r.uniformPatch},
            {"side_asymmetry", r.sideAsymmetry}};
}

struct Confusion {
    std::map<std::string, std::map<std::string, int>> counts;  // expected -> got -> n
    void add(const std::string& expected, const std::string& got) { ++counts[expected][got]; }
    double recall(const std::string& mode) const {
        auto it = counts.find(mode);
        if (it == counts.end()) return 0;
        int total = 0, right = 0;
        for (const auto& [got, n] : it->second) {
            total += n;
            if (got == mode) right += n;
        }
        return total ? static_cast<double>(right) / total : 0;
    }
    double precision(const std::string& verdict) const {
        int called = 0, right = 0;
        for (const auto& [expected, row] : counts) {
            auto it = row.find(verdict);
            if (it == row.end()) continue;
            called += it->second;
            if (expected == verdict) right += it->second;
        }
        return called ? static_cast<double>(right) / called : 0;
    }
    nlohmann::json json() const {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [expected, row] : counts) j[expected] = row;
        return j;
    }
    void print(std::ostream& out) const {
        std::vector<std::string> columns;
        for (Verdict v : fpb::quality::imageVerdicts()) columns.push_back(fpb::quality::verdictName(v));
        out << std::left << std::setw(16) << "pressed \\ got";
        for (const auto& c : columns) out << std::right << std::setw(8) << c.substr(0, 7);
        out << std::setw(9) << "recall" << "\n";
        for (const auto& [expected, row] : counts) {
            out << std::left << std::setw(16) << expected;
            for (const auto& c : columns) {
                auto it = row.find(c);
                out << std::right << std::setw(8) << (it == row.end() ? 0 : it->second);
            }
            out << std::setw(8) << std::fixed << std::setprecision(1) << 100 * recall(expected) << "%\n";
        }
    }
};

struct QualityArgs {
    std::string image;
    int dpi = 0;
    bool json = false;
    // generate
    std::string outDir = ".";
    std::uint64_t finger = 1;
    int impressions = 1;
    std::string mode = "good";
    int width = 388, height = 374;
    // eval
    int perMode = 200;
    int masters = 25;
    std::string fingerprints;
};

int runQuality(QualityArgs& a) {
    fpb::GreyImage image;
    try {
        image = fpb::loadImage(a.image, a.dpi > 0 ? a.dpi : 500);
        if (a.dpi > 0) image.dpi = a.dpi;
    } catch (const fpb::ImageError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return fpb::tool::kExitBadInput;
    }
    QualityReport r = fpb::quality::assessPress(image);
    if (a.json) {
        std::cout << reportJson(r).dump(2) << "\n";
        return 0;
    }
    std::cout << "verdict: " << fpb::quality::verdictName(r.verdict);
    if (r.move != fpb::quality::Direction::None) std::cout << " (move " << fpb::quality::directionName(r.move) << ")";
    std::cout << "\nscore: " << r.score << "\nprompt: " << fpb::quality::promptText(r.promptCode()) << "\n"
              << std::fixed << std::setprecision(3) << "contact area: " << r.contactArea << "\ncentre offset: "
              << r.centreOffsetX << ", " << r.centreOffsetY << "\nridge clarity: " << r.ridgeClarity
              << "\ncontrast: " << r.contrast << "\ndarkness: " << r.darkness << "\n";
    return 0;
}

int runGenerate(QualityArgs& a) {
    PressMode mode;
    if (!fpb::synth::parsePressMode(a.mode, mode)) {
        std::cerr << "error: unknown mode \"" << a.mode << "\"; use one of:";
        for (PressMode m : fpb::synth::allPressModes()) std::cerr << " " << fpb::synth::pressModeName(m);
        std::cerr << "\n";
        return fpb::tool::kExitBadInput;
    }
    std::error_code ec;
    fs::create_directories(a.outDir, ec);
    auto master = fpb::synth::makeMasterFinger(a.finger, a.dpi > 0 ? a.dpi : 500);
    for (int i = 1; i <= a.impressions; ++i) {
        fpb::synth::ImpressionOptions o;
        o.width = a.width;
        o.height = a.height;
        o.dpi = a.dpi > 0 ? a.dpi : 500;
        o.mode = mode;
        o.impressionSeed = static_cast<std::uint64_t>(i);
        fs::path file = fs::path(a.outDir) / (std::to_string(a.finger) + "_" + std::to_string(i) + "_" + a.mode + ".png");
        try {
            fpb::savePng(fpb::synth::makeImpression(master, o), file.string());
        } catch (const fpb::ImageError& e) {
            std::cerr << "error: " << e.what() << "\n";
            return 1;
        }
        std::cout << file.string() << "\n";
    }
    return 0;
}

int runEval(QualityArgs& a) {
    nlohmann::json out;
    // (a) generated presses of every mode
    Confusion generated;
    std::vector<fpb::synth::MasterFinger> masters;
    for (int m = 0; m < a.masters; ++m) masters.push_back(fpb::synth::makeMasterFinger(static_cast<std::uint64_t>(1000 + m)));
    for (PressMode mode : fpb::synth::allPressModes())
        for (int i = 0; i < a.perMode; ++i) {
            fpb::synth::ImpressionOptions o;
            o.mode = mode;
            o.impressionSeed = static_cast<std::uint64_t>(i + 1);
            auto r = fpb::quality::assessPress(fpb::synth::makeImpression(masters[static_cast<std::size_t>(i) % masters.size()], o));
            generated.add(fpb::synth::pressModeName(mode), fpb::quality::verdictName(r.verdict));
        }
    out["generated"] = {{"presses_per_mode", a.perMode}, {"confusion", generated.json()}};
    nlohmann::json recalls;
    for (PressMode mode : fpb::synth::allPressModes())
        recalls[fpb::synth::pressModeName(mode)] = generated.recall(fpb::synth::pressModeName(mode));
    out["generated"]["recall"] = recalls;
    out["generated"]["good_precision"] = generated.precision("good");

    // (b), (c): real images, when given
    if (!a.fingerprints.empty()) {
        Confusion real;
        nlohmann::json untouched = nlohmann::json::object();
        for (const char* set : {"FVC2002_DB1_B", "FVC2002_DB2_B"}) {
            fs::path dir = fs::path(a.fingerprints) / set;
            if (!fs::is_directory(dir)) continue;
            int dpi = std::string(set) == "FVC2002_DB2_B" ? 569 : 500;
            std::map<std::string, int> distribution;
            nlohmann::json notGood = nlohmann::json::array();
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(dir))
                if (e.path().extension() == ".tif") files.push_back(e.path());
            std::sort(files.begin(), files.end());
            int index = 0;
            for (const auto& f : files) {
                fpb::GreyImage image = fpb::loadImage(f.string(), dpi);
                auto r = fpb::quality::assessPress(image);
                ++distribution[fpb::quality::verdictName(r.verdict)];
                if (r.verdict != Verdict::Good)
                    notGood.push_back({{"image", f.filename().string()}, {"verdict", fpb::quality::verdictName(r.verdict)},
                                       {"contact_area", r.contactArea}, {"offset_x", r.centreOffsetX},
                                       {"offset_y", r.centreOffsetY}, {"darkness", r.darkness}, {"contrast", r.contrast}});
                if (r.verdict != Verdict::Good) continue;  // modes are applied to presses that were good to begin with
                for (PressMode mode : fpb::synth::allPressModes()) {
                    if (mode == PressMode::Good) continue;
                    auto applied = fpb::synth::applyModeToImage(image, mode, static_cast<std::uint64_t>(++index));
                    real.add(fpb::synth::pressModeName(mode), fpb::quality::verdictName(fpb::quality::assessPress(applied).verdict));
                }
            }
            untouched[set] = {{"images", files.size()}, {"distribution", distribution}, {"not_good", notGood}};
        }
        nlohmann::json realRecalls;
        for (PressMode mode : fpb::synth::allPressModes())
            if (mode != PressMode::Good) realRecalls[fpb::synth::pressModeName(mode)] = real.recall(fpb::synth::pressModeName(mode));
        out["real_with_modes"] = {{"confusion", real.json()}, {"recall", realRecalls}};
        out["real_untouched"] = untouched;
        if (!a.json) {
            std::cout << "Real images (FVC2002) with each wrong mode applied:\n";
            real.print(std::cout);
            for (const auto& [set, info] : untouched.items()) {
                std::cout << "\nUntouched " << set << " (" << info["images"] << " images): " << info["distribution"].dump() << "\n";
                for (const auto& n : info["not_good"])
                    std::cout << "  " << n["image"].get<std::string>() << ": " << n["verdict"].get<std::string>() << "\n";
            }
            std::cout << "\n";
        }
    }
    if (a.json) {
        std::cout << out.dump(2) << "\n";
    } else {
        std::cout << "Generated presses (" << a.perMode << " per mode):\n";
        generated.print(std::cout);
        std::cout << "precision of \"good\": " << std::fixed << std::setprecision(1) << 100 * generated.precision("good") << "%\n";
    }
    return 0;
}

void installQualityCommands(CLI::App& app) {
    static QualityArgs args;
    auto* quality = app.add_subcommand("quality", "Judge one press: verdict, score and measurements");
    quality->add_option("IMAGE", args.image, "Image file (PGM, PNG or TIFF)")->required();
    quality->add_option("--dpi", args.dpi, "Resolution when the file has none (default 500)");
    quality->add_flag("--json", args.json, "Print JSON");
    quality->callback([] { std::exit(runQuality(args)); });

    auto* generate = app.add_subcommand("generate", "Write synthetic impressions of a synthetic finger");
    generate->add_option("--out", args.outDir, "Output folder")->capture_default_str();
    generate->add_option("--finger", args.finger, "Finger seed (which synthetic finger)")->capture_default_str();
    generate->add_option("--impressions", args.impressions, "How many impressions")->capture_default_str();
    generate->add_option("--mode", args.mode, "good, not_flat, tip_only, too_low, off_center, foreign_matter, too_moist, too_dry")
        ->capture_default_str();
    generate->add_option("--width", args.width)->capture_default_str();
    generate->add_option("--height", args.height)->capture_default_str();
    generate->add_option("--dpi", args.dpi, "Resolution (default 500)");
    generate->callback([] { std::exit(runGenerate(args)); });

    auto* prompts = app.add_subcommand("prompts", "The prompt message catalogue: code and text, one per line");
    static std::string language = "en";
    prompts->add_option("--language", language, "Language of the texts")->capture_default_str();
    prompts->callback([] {
        for (auto code : fpb::quality::catalogueCodes())
            std::cout << static_cast<int>(code) << "\t" << fpb::quality::promptText(code, language.c_str()) << "\n";
    });

    auto* eval = app.add_subcommand("quality-eval", "Confusion matrices of the press-quality verdicts");
    eval->add_option("--presses", args.perMode, "Generated presses per mode")->capture_default_str();
    eval->add_option("--masters", args.masters, "Synthetic fingers to draw them from")->capture_default_str();
    eval->add_option("--fingerprints", args.fingerprints, "Folder holding FVC2002_DB1_B and FVC2002_DB2_B");
    eval->add_flag("--json", args.json, "Print JSON");
    eval->callback([] { std::exit(runEval(args)); });
}

} // namespace

FPB_TOOL_COMMANDS(installQualityCommands);
