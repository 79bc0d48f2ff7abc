// SPDX-License-Identifier: GPL-2.0-or-later
#include "self_signed_certificate.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <functional>
#include <memory>


namespace fpb::tls {
namespace {

template <class T, void (*Free)(T*)>
struct OpenSslDeleter {
    void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const std::string& what) {
    throw CertificateError("cannot make the TLS certificate: " + what);
}

std::string sha256OfDer(X509* cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!X509_digest(cert, EVP_sha256(), digest, &length)) fail("SHA-256 of the certificate failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

X509Ptr readCertificate(const std::filesystem::path& file) {
    BioPtr bio(BIO_new_file(file.c_str(), "r"));
    if (!bio) return nullptr;
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

void addExtension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) fail("extension " + std::string(value));
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

void writePem(const std::filesystem::path& file, mode_t mode, const std::function<int(BIO*)>& write) {
    // Created with its final mode: the key is never readable by others, not even briefly.
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail("cannot write " + file.string());
    FILE* f = fdopen(fd, "w");
    BioPtr bio(BIO_new_fp(f, BIO_CLOSE));
    if (!bio || write(bio.get()) != 1) fail("cannot write " + file.string());
}

} // namespace

CertificateFiles ensureSelfSigned(const std::filesystem::path& directory, const std::string& stem, bool expired,
                                  const std::string& subjectAltNames) {
    CertificateFiles files;
    files.certificate = directory / (stem + "certificate.pem");
    files.key = directory / (stem + "key.pem");
    if (std::filesystem::exists(files.key)) {
        if (X509Ptr existing = readCertificate(files.certificate)) {
            files.sha256 = sha256OfDer(existing.get());
            return files;
        }
    }

    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("key generation failed");
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    // A random serial: a regenerated certificate must not look like the previous one to clients.
    BIGNUM* serial = BN_new();
    BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
    BN_free(serial);
    constexpr long kDay = 24 * 3600;
    if (expired) {
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -30 * kDay);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), -1 * kDay);
    } else {
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kDay);  // tolerate clients whose clock is behind
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3650 * kDay);
    }
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fpbridge"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    addExtension(cert.get(), NID_subject_alt_name, subjectAltNames.c_str());
    addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    addExtension(cert.get(), NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), NID_subject_key_identifier, "hash");
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) fail("signing failed");

    writePem(files.key, 0600, [&](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    writePem(files.certificate, 0644, [&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
    files.sha256 = sha256OfDer(cert.get());
    return files;
}

} // namespace fpb::tls
