// SPDX-License-Identifier: GPL-2.0-or-later
#include <algorithm>
#include <thread>

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

void Identifier::add(const std::string& key, Template t) { entries_.emplace_back(key, std::move(t)); }

void Identifier::clear() { entries_.clear(); }

std::vector<Identifier::Candidate> Identifier::identify(const Template& probe, int threshold, std::size_t maxCandidates) const {
    unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                       static_cast<unsigned>(entries_.size() / 16 + 1)));
    std::vector<std::vector<Candidate>> partial(workers);
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
            for (std::size_t i = w; i < entries_.size(); i += workers) {
                const auto& [key, t] = entries_[i];
                int score = std::max(compareTemplates(probe, t), compareTemplates(t, probe));
                if (score >= threshold) partial[w].push_back({key, score});
            }
        });
    for (auto& t : threads) t.join();
    std::vector<Candidate> all;
    for (auto& p : partial) all.insert(all.end(), p.begin(), p.end());
    std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    if (all.size() > maxCandidates) all.resize(maxCandidates);
    return all;
}

} // namespace fpb::tmpl
