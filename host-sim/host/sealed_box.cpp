// SPDX-License-Identifier: GPL-2.0-or-later
#include "sealed_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

namespace fpb::host {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[4] = {'F', 'P', 'E', '1'};
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

bool parseHexKey(const std::string& hex, SealedBox::Key& key) {
    if (hex.size() != 64) return false;
    for (std::size_t i = 0; i < 32; ++i) {
        unsigned value = 0;
        for (int j = 0; j < 2; ++j) {
            char c = hex[2 * i + j];
            value <<= 4;
            if (c >= '0' && c <= '9') value |= c - '0';
            else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
            else return false;
        }
        key[i] = static_cast<std::uint8_t>(value);
    }
    return true;
}

} // namespace

SealedBox SealedBox::fromEnvironmentOrFile(const fs::path& keyFile) {
    Key key{};
    if (const char* env = std::getenv("FPB_MASTER_KEY"); env != nullptr && *env != '\0') {
        if (!parseHexKey(env, key))
            throw CryptoError("FPB_MASTER_KEY must be 64 hexadecimal digits (a 256-bit key); generate one with "
                              "`openssl rand -hex 32`");
        return SealedBox(key);
    }
    if (fs::exists(keyFile)) {
        struct stat st {};
        if (::stat(keyFile.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
            throw CryptoError("key file " + keyFile.string() + " can be read by other users; run `chmod 600 " +
                              keyFile.string() + "`");
        std::ifstream in(keyFile);
        std::string hex;
        in >> hex;
        if (!parseHexKey(hex, key))
            throw CryptoError("key file " + keyFile.string() + " is damaged (expected 64 hexadecimal digits); restore "
                              "it from backup, or the encrypted templates cannot be read");
        return SealedBox(key);
    }
    std::error_code ec;
    fs::create_directories(keyFile.parent_path(), ec);
    fs::permissions(keyFile.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) throw CryptoError("no random numbers for a new key");
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (auto b : key) { hex += digits[b >> 4]; hex += digits[b & 15]; }
    // Create with 0600 from the start so the key is never readable by others, not even briefly.
    mode_t old = ::umask(077);
    {
        std::ofstream out(keyFile, std::ios::trunc);
        out << hex << '\n';
        if (!out) { ::umask(old); throw CryptoError("cannot write key file " + keyFile.string()); }
    }
    ::umask(old);
    return SealedBox(key);
}

std::vector<std::uint8_t> SealedBox::seal(const std::vector<std::uint8_t>& plain, const std::string& context) const {
    std::vector<std::uint8_t> out(sizeof(kMagic) + kNonceSize + plain.size() + kTagSize);
    std::memcpy(out.data(), kMagic, sizeof(kMagic));
    std::uint8_t* nonce = out.data() + sizeof(kMagic);
    if (RAND_bytes(nonce, kNonceSize) != 1) throw CryptoError("no random numbers for a nonce");
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int len = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                          static_cast<int>(context.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nonce + kNonceSize, &len, plain.data(), static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceSize + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, out.data() + out.size() - kTagSize) != 1)
        throw CryptoError("encryption failed");
    return out;
}

std::vector<std::uint8_t> SealedBox::open(const std::vector<std::uint8_t>& sealed, const std::string& context) const {
    if (sealed.size() < sizeof(kMagic) + kNonceSize + kTagSize || std::memcmp(sealed.data(), kMagic, sizeof(kMagic)) != 0)
        throw CryptoError("encrypted record is damaged (bad header)");
    const std::uint8_t* nonce = sealed.data() + sizeof(kMagic);
    std::size_t cipherSize = sealed.size() - sizeof(kMagic) - kNonceSize - kTagSize;
    std::vector<std::uint8_t> plain(cipherSize);
    std::array<std::uint8_t, kTagSize> tag{};
    std::memcpy(tag.data(), sealed.data() + sealed.size() - kTagSize, kTagSize);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int len = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                          static_cast<int>(context.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), plain.data(), &len, nonce + kNonceSize, static_cast<int>(cipherSize)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &len) != 1)
        throw CryptoError("encrypted record does not open: wrong key (FPB_MASTER_KEY / key file) or tampered data");
    return plain;
}

} // namespace fpb::host
