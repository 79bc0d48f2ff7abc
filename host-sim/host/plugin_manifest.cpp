// SPDX-License-Identifier: GPL-2.0-or-later
#include "plugin_manifest.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace fpb::host {

namespace {

using nlohmann::json;

std::string requireString(const json& j, const char* key) {
    if (!j.contains(key))
        throw ManifestError(std::string("manifest is missing the required field \"") + key + "\"");
    if (!j[key].is_string() || j[key].get<std::string>().empty())
        throw ManifestError(std::string("manifest field \"") + key + "\" must be a non-empty string");
    return j[key].get<std::string>();
}

std::uint16_t parseHexId(const json& v, const char* what) {
    static const std::regex hex(R"(^(0x)?[0-9A-Fa-f]{4}$)");
    if (!v.is_string() || !std::regex_match(v.get<std::string>(), hex))
        throw ManifestError(std::string("manifest usb_ids entry: \"") + what +
                            "\" must be 4 hexadecimal digits such as \"1209\"");
    return static_cast<std::uint16_t>(std::stoul(v.get<std::string>(), nullptr, 16));
}

} // namespace

PluginManifest PluginManifest::parse(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw ManifestError(std::string("manifest is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw ManifestError("manifest must be a JSON object");

    PluginManifest m;
    m.rawJson = text;
    m.id = requireString(j, "id");
    static const std::regex idPattern(R"(^[a-z0-9]+([.-][a-z0-9]+)+$)");
    if (!std::regex_match(m.id, idPattern))
        throw ManifestError("manifest \"id\" \"" + m.id + "\" must be a reverse-DNS name such as org.example.reader");
    m.displayName = requireString(j, "display_name");
    m.vendor = requireString(j, "vendor");
    m.version = requireString(j, "version");
    std::string sdk = requireString(j, "sdk_version");
    static const std::regex sdkPattern(R"(^(\d+)\.(\d+)$)");
    std::smatch match;
    if (!std::regex_match(sdk, match, sdkPattern))
        throw ManifestError("manifest \"sdk_version\" \"" + sdk + "\" must look like \"1.0\" (major.minor)");
    m.sdkMajor = static_cast<unsigned>(std::stoul(match[1]));
    m.sdkMinor = static_cast<unsigned>(std::stoul(match[2]));
    m.library = requireString(j, "library");
    if (m.library.find('/') != std::string::npos || m.library == "." || m.library == "..")
        throw ManifestError("manifest \"library\" must be a file name inside the plugin's folder, not a path");
    m.librarySha256 = requireString(j, "library_sha256");
    static const std::regex shaPattern(R"(^[0-9a-f]{64}$)");
    if (!std::regex_match(m.librarySha256, shaPattern))
        throw ManifestError("manifest \"library_sha256\" must be 64 lowercase hexadecimal digits; it is filled in at "
                            "build/install time (rebuild or reinstall the plugin)");
    m.entrySymbol = requireString(j, "entry_symbol");
    if (j.contains("capabilities")) {
        if (!j["capabilities"].is_array()) throw ManifestError("manifest \"capabilities\" must be an array of strings");
        for (const auto& c : j["capabilities"]) {
            if (!c.is_string()) throw ManifestError("manifest \"capabilities\" must be an array of strings");
            m.capabilities.push_back(c.get<std::string>());
        }
    }
    if (j.contains("usb_ids")) {
        if (!j["usb_ids"].is_array()) throw ManifestError("manifest \"usb_ids\" must be an array of objects");
        for (const auto& u : j["usb_ids"]) {
            if (!u.is_object() || !u.contains("vendor_id") || !u.contains("product_id"))
                throw ManifestError("manifest \"usb_ids\" entries need \"vendor_id\" and \"product_id\"");
            UsbId id{parseHexId(u["vendor_id"], "vendor_id"), parseHexId(u["product_id"], "product_id"),
                     u.value("model", std::string())};
            m.usbIds.push_back(id);
        }
    }
    if (j.contains("min_reader_firmware")) {
        if (!j["min_reader_firmware"].is_string())
            throw ManifestError("manifest \"min_reader_firmware\" must be a version string such as \"1.2.0\"");
        m.minReaderFirmware = j["min_reader_firmware"].get<std::string>();
    }
    return m;
}

PluginManifest PluginManifest::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ManifestError("cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str());
}

std::string sha256File(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer, in.gcount());
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) { out += hex[digest[i] >> 4]; out += hex[digest[i] & 15]; }
    return out;
}

} // namespace fpb::host
