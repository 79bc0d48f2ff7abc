// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpb::host {

class CryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// AES-256-GCM encryption of data at rest (fingerprint templates, controller passwords).
/// Each sealed blob is "FPE1" | 12-byte random nonce | ciphertext | 16-byte tag. The `context`
/// (e.g. "fingerprint/42/2") is authenticated, so a blob moved to another row fails to open.
class SealedBox {
public:
    using Key = std::array<std::uint8_t, 32>;
    explicit SealedBox(const Key& key) : key_(key) {}

    /// The key from FPB_MASTER_KEY (64 hex digits) when set, else from `keyFile`, which is created
    /// (mode 0600) on first use. Refuses a key file that others can read.
    static SealedBox fromEnvironmentOrFile(const std::filesystem::path& keyFile);

    std::vector<std::uint8_t> seal(const std::vector<std::uint8_t>& plain, const std::string& context) const;
    /// Throws CryptoError when the blob was tampered with, belongs elsewhere or the key is wrong.
    std::vector<std::uint8_t> open(const std::vector<std::uint8_t>& sealed, const std::string& context) const;

private:
    Key key_;
};

} // namespace fpb::host
