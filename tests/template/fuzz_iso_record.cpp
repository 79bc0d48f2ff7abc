// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer: the strict ISO/ANSI parsers reject malformed records without crashing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "template/fingerprint_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto views = fpb::tmpl::parseIsoRecord(data, size);
        if (!views.empty() && views[0].minutiae.size() > 1) fpb::tmpl::compareTemplates(views[0], views[0]);
    } catch (const fpb::tmpl::TemplateError&) {
    }
    try {
        fpb::tmpl::ansiToIso(std::vector<std::uint8_t>(data, data + size));
    } catch (const fpb::tmpl::TemplateError&) {
    }
    return 0;
}
