// SPDX-License-Identifier: GPL-2.0-or-later
// The door controller's TLS identity: a self-signed certificate for localhost and 127.0.0.1,
// generated once with OpenSSL and kept in the state directory (key file mode 0600).
#pragma once

#include <filesystem>
#include <string>

namespace fpb::door {

struct CertificateFiles {
    std::filesystem::path certificate;  ///< PEM; clients trust it as their CA file
    std::filesystem::path key;          ///< PEM, mode 0600
    std::string sha256;                 ///< lowercase hex SHA-256 of the DER certificate
};

/// Reuses the certificate in `directory` or generates it. `expired` selects a separate
/// certificate whose validity ended yesterday. Throws DoorError.
CertificateFiles ensureCertificate(const std::filesystem::path& directory, bool expired);

} // namespace fpb::door
