// SPDX-License-Identifier: GPL-2.0-or-later
#include "finger_folder.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>

#include "image/image_files.h"

namespace fs = std::filesystem;

namespace fpb::tool {
namespace {

bool isTemplateFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && magic[0] == 'F' && magic[1] == 'M' && magic[2] == 'R' && magic[3] == 0;
}

} // namespace

std::vector<tmpl::Template> loadViews(const fs::path& p, int dpi) {
    if (isTemplateFile(p)) {
        std::ifstream in(p, std::ios::binary);
        std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (tmpl::looksLikeAnsi(bytes.data(), bytes.size())) bytes = tmpl::ansiToIso(bytes);
        return tmpl::parseIsoRecord(bytes);
    }
    return {tmpl::extractTemplate(loadImage(p.string(), dpi))};
}

tmpl::Template loadTemplate(const fs::path& p, int dpi) { return loadViews(p, dpi).front(); }

FingerFolder readFingerFolder(const std::string& dir, int dpi) {
    static const std::regex name(R"((\d+)_(\d+)\.(tif|png|pgm|iso|ansi|fmr))");
    FingerFolder folder;
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(dir)) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        std::smatch m;
        const std::string fn = p.filename().string();
        if (!std::regex_match(fn, m, name)) continue;
        ++folder.files;
        const auto t0 = std::chrono::steady_clock::now();
        try {
            folder.fingers[m[1]].emplace_back(std::stoi(m[2]), loadTemplate(p, dpi));
        } catch (const std::exception& e) {
            ++folder.failures;
            std::cerr << fn << ": " << e.what() << "\n";
        }
        folder.loadMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    return folder;
}

} // namespace fpb::tool
