// SPDX-License-Identifier: GPL-2.0-or-later
#include "onvif/username_token.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstring>

namespace fpb::onvif {

std::string base64Encode(const std::vector<std::uint8_t>& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

bool base64Decode(const std::string& text, std::vector<std::uint8_t>& out) {
    if (text.size() % 4 != 0) return false;
    out.assign(text.size() / 4 * 3 + 1, 0);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0) return false;
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=') pad = (text.size() > 1 && text[text.size() - 2] == '=') ? 2 : 1;
    out.resize(static_cast<std::size_t>(n) - pad);
    return true;
}

std::string usernameTokenDigest(const std::vector<std::uint8_t>& nonce, const std::string& created,
                                const std::string& password) {
    std::vector<std::uint8_t> input(nonce);
    input.insert(input.end(), created.begin(), created.end());
    input.insert(input.end(), password.begin(), password.end());
    std::vector<std::uint8_t> digest(SHA_DIGEST_LENGTH);
    SHA1(input.data(), input.size(), digest.data());
    return base64Encode(digest);
}

std::string utcTimestamp(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool parseUtcTimestamp(const std::string& text, std::time_t& out) {
    int y, mo, d, h, mi;
    double s;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6) return false;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = static_cast<int>(s);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s >= 61) return false;
    std::time_t t = timegm(&tm);
    const char* rest = text.c_str() + consumed;
    if (*rest == 'Z' && rest[1] == '\0') { out = t; return true; }
    int oh, om;
    char sign;
    if (std::sscanf(rest, "%c%2d:%2d", &sign, &oh, &om) == 3 && (sign == '+' || sign == '-') && std::strlen(rest) == 6) {
        long offset = (oh * 3600L + om * 60L) * (sign == '+' ? 1 : -1);
        out = t - offset;
        return true;
    }
    return false;
}

} // namespace fpb::onvif
