// SPDX-License-Identifier: GPL-2.0-or-later
// A TLS identity for a local service (the simulated door controllers, fpb-host's web UI): a
// self-signed certificate generated once with OpenSSL and kept in a directory (key file mode 0600).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace fpb::tls {

class CertificateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CertificateFiles {
    std::filesystem::path certificate;  ///< PEM; clients trust it as their CA file
    std::filesystem::path key;          ///< PEM, mode 0600
    std::string sha256;                 ///< lowercase hex SHA-256 of the DER certificate
};

/// Reuses `<stem>certificate.pem` and `<stem>key.pem` in `directory` or generates them, valid for
/// `subjectAltNames` (OpenSSL syntax, e.g. "DNS:localhost,IP:127.0.0.1"). `expired` makes one whose
/// validity ended yesterday (for tests). Throws CertificateError.
CertificateFiles ensureSelfSigned(const std::filesystem::path& directory, const std::string& stem, bool expired,
                                  const std::string& subjectAltNames = "DNS:localhost,IP:127.0.0.1");

} // namespace fpb::tls
