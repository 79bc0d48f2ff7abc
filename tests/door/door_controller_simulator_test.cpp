// SPDX-License-Identifier: GPL-2.0-or-later
// The simulated door controller in-process, spoken to with the generated gSOAP client calls:
// both authentication schemes, TLS verification, the credential operations and their faults,
// persistence across restarts, and finger presentation with the project's matcher.
#include <gtest/gtest.h>

#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>
#include <atomic>
#include <chrono>

#include "door_controller_simulator.h"
#include "httpda.h"
#include "image/image_files.h"
#include "onvif/username_token.h"
#include "soapH.h"
#include "template/fingerprint_template.h"

namespace fs = std::filesystem;
using namespace fpb::door;

namespace {

constexpr const char* kPasswordDigestType =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
constexpr const char* kBase64Encoding =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary";

fs::path freshDirectory(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("fpb-door-test-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    return dir;
}

/// A valid one-view ISO record that differs per seed (the fingerprint of a made-up finger).
std::vector<std::uint8_t> syntheticRecord(unsigned seed) {
    std::mt19937 random(seed);
    fpb::tmpl::Template t;
    t.width = 300;
    t.height = 400;
    t.quality = 80;
    t.fingerPosition = 2;
    for (int i = 0; i < 30; ++i) {
        fpb::tmpl::Minutia m;
        m.x = 20 + static_cast<int>(random() % 260);
        m.y = 20 + static_cast<int>(random() % 360);
        m.angle = (random() % 628) / 100.0;
        m.type = (random() % 2) ? fpb::tmpl::MinutiaType::Ending : fpb::tmpl::MinutiaType::Bifurcation;
        t.minutiae.push_back(m);
    }
    return fpb::tmpl::writeIsoRecord(t);
}

/// An ONVIF client on the generated calls, with UsernameToken digest or HTTP digest.
class Client {
public:
    enum class Auth { None, UsernameToken, HttpDigest };

    Client(const DoorControllerSimulator& door, std::string user, std::string password, Auth auth)
        : endpoint_(door.endpoint()), user_(std::move(user)), password_(std::move(password)), auth_(auth) {
        // Keep-alive like the publisher: one TLS handshake per client, not per call.
        soap_ = soap_new1(SOAP_C_UTFSTRING | SOAP_XML_STRICT | SOAP_IO_KEEPALIVE);
        soap_set_namespaces(soap_, namespaces);
        soap_register_plugin(soap_, http_da);
        soap_->connect_timeout = 5;
        soap_->recv_timeout = 10;
        if (!door.caFile().empty()) {
            int rc = soap_ssl_client_context(soap_, SOAP_SSL_DEFAULT, nullptr, nullptr, door.caFile().c_str(), nullptr, nullptr);
            EXPECT_EQ(rc, SOAP_OK);
        }
    }
    ~Client() {
        if (digestSaved_) http_da_release(soap_, &digest_);
        soap_destroy(soap_);
        soap_end(soap_);
        soap_free(soap_);
    }

    soap* raw() { return soap_; }
    /// The next UsernameToken repeats the previous one (nonce and Created): a replay.
    void replayLastToken() { replayLastToken_ = true; }

    /// Runs one call with authentication; an HTTP 401 is answered once with the digest.
    template <class Call>
    int call(Call&& callFunction) {
        prepare();
        int rc = callFunction(soap_, endpoint_.c_str());
        if (rc == 401 && auth_ == Auth::HttpDigest && !digestSaved_) {
            http_da_save(soap_, &digest_, soap_->authrealm, user_.c_str(), password_.c_str());
            digestSaved_ = true;
            prepare();
            rc = callFunction(soap_, endpoint_.c_str());
        }
        return rc;
    }

    /// "ter:InvalidArgVal/ter:NotFound" from the last fault (empty when none).
    std::string faultSubcodes() const {
        std::string out;
        if (!soap_->fault || !soap_->fault->SOAP_ENV__Code) return out;
        for (auto* code = soap_->fault->SOAP_ENV__Code->SOAP_ENV__Subcode; code; code = code->SOAP_ENV__Subcode)
            out += (out.empty() ? "" : "/") + std::string(code->SOAP_ENV__Value ? code->SOAP_ENV__Value : "");
        return out;
    }
    std::string faultCode() const {
        return soap_->fault && soap_->fault->SOAP_ENV__Code && soap_->fault->SOAP_ENV__Code->SOAP_ENV__Value
                   ? soap_->fault->SOAP_ENV__Code->SOAP_ENV__Value
                   : "";
    }

private:
    // Everything stays allocated in the context until the client ends: requests live in it too.
    void prepare() {
        soap_->header = nullptr;
        if (digestSaved_) http_da_restore(soap_, &digest_);
        if (auth_ != Auth::UsernameToken) return;
        std::vector<std::uint8_t> nonce(16);
        RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
        std::string created = fpb::onvif::utcTimestamp(std::time(nullptr));
        if (replayLastToken_ && !lastNonce_.empty()) {
            nonce = lastNonce_;
            created = lastCreated_;
        }
        lastNonce_ = nonce;
        lastCreated_ = created;
        auto* token = soap_new__wsse__UsernameToken(soap_);
        token->Username = user_;
        token->Password = soap_new_wsse__Password(soap_);
        token->Password->__item = fpb::onvif::usernameTokenDigest(nonce, created, password_);
        token->Password->Type = kPasswordDigestType;
        token->Nonce = soap_new_wsse__EncodedString(soap_);
        token->Nonce->__item = fpb::onvif::base64Encode(nonce);
        token->Nonce->EncodingType = kBase64Encoding;
        token->wsu__Created = soap_new_std__string(soap_);
        *token->wsu__Created = created;
        soap_->header = soap_new_SOAP_ENV__Header(soap_);
        soap_->header->wsse__Security = soap_new__wsse__Security(soap_);
        soap_->header->wsse__Security->UsernameToken = token;
    }

    soap* soap_;
    std::string endpoint_, user_, password_;
    Auth auth_;
    http_da_info digest_{};
    bool digestSaved_ = false;
    bool replayLastToken_ = false;
    std::vector<std::uint8_t> lastNonce_;
    std::string lastCreated_;
};

tcr__Credential* newCredential(soap* soap, const std::string& holder,
                               const std::vector<std::tuple<std::string, std::string, std::vector<std::uint8_t>>>& identifiers) {
    auto* c = soap_new_tcr__Credential(soap);
    c->CredentialHolderReference = holder;
    for (const auto& [type, format, value] : identifiers) {
        auto* id = soap_new_tcr__CredentialIdentifier(soap);
        id->Type = soap_new_tcr__CredentialIdentifierType(soap);
        id->Type->Name = type;
        id->Type->FormatType = format;
        id->ExemptedFromAuthentication = false;
        id->Value.__size = static_cast<int>(value.size());
        id->Value.__ptr = static_cast<unsigned char*>(soap_malloc(soap, value.size() + 1));
        std::copy(value.begin(), value.end(), id->Value.__ptr);
        c->CredentialIdentifier.push_back(id);
    }
    return c;
}

class DoorControllerTest : public ::testing::Test {
protected:
    void SetUp() override {
        settings.stateDirectory = freshDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
        settings.users = {{"admin", "door-secret", "Administrator"}, {"viewer", "viewer-secret", "User"}};
    }
    void TearDown() override {
        door.reset();
        fs::remove_all(settings.stateDirectory);
    }
    DoorControllerSimulator& started() {
        door = std::make_unique<DoorControllerSimulator>(settings);
        door->start();
        return *door;
    }
    Client client(Client::Auth auth = Client::Auth::UsernameToken, const std::string& password = "door-secret",
                  const std::string& user = "admin") {
        return Client(*door, user, password, auth);
    }
    std::string create(Client& c, const std::string& holder, const std::vector<std::uint8_t>& record) {
        _tcr__CreateCredential request;
        _tcr__CreateCredentialResponse response;
        request.Credential = newCredential(c.raw(), holder, {{"pt:Fingerprint", "ISO19794-2:2005", record}});
        request.State = soap_new_tcr__CredentialState(c.raw());
        request.State->Enabled = true;
        int rc = c.call([&](soap* s, const char* ep) { return soap_call___tcr__CreateCredential(s, ep, nullptr, &request, response); });
        EXPECT_EQ(rc, SOAP_OK) << c.faultSubcodes();
        return response.Token;
    }

    DoorSettings settings;
    std::unique_ptr<DoorControllerSimulator> door;
};

TEST_F(DoorControllerTest, ClockAndServicesNeedNoLoginAndTlsVerifiesAgainstTheCaFile) {
    auto& d = started();
    EXPECT_EQ(d.endpoint().rfind("https://127.0.0.1:", 0), 0u) << d.endpoint();
    ASSERT_TRUE(fs::exists(d.caFile()));
    EXPECT_EQ(d.certificateSha256().size(), 64u);
    EXPECT_EQ(fs::status(settings.stateDirectory / "tls-key.pem").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    Client c = client(Client::Auth::None);
    _tds__GetSystemDateAndTime request;
    _tds__GetSystemDateAndTimeResponse response;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetSystemDateAndTime(s, ep, nullptr, &request, response); }),
              SOAP_OK);
    ASSERT_NE(response.SystemDateAndTime, nullptr);
    ASSERT_NE(response.SystemDateAndTime->UTCDateTime, nullptr);

    _tds__GetServices servicesRequest;
    _tds__GetServicesResponse services;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetServices(s, ep, nullptr, &servicesRequest, services); }),
              SOAP_OK);
    ASSERT_EQ(services.Service.size(), 4u);
    for (auto* service : services.Service) EXPECT_EQ(service->XAddr, d.endpoint());

    // Without credentials: digest challenge.
    _tds__GetDeviceInformation infoRequest;
    _tds__GetDeviceInformationResponse info;
    EXPECT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &infoRequest, info); }),
              401);
}

TEST_F(DoorControllerTest, TlsClientRefusesAnUntrustedCertificate) {
    auto& d = started();
    soap* s = soap_new1(SOAP_C_UTFSTRING);
    soap_set_namespaces(s, namespaces);
    fs::path other = settings.stateDirectory / "other-ca.pem";
    {
        // Any other certificate: the simulator's own expired one.
        DoorSettings otherSettings = settings;
        otherSettings.stateDirectory = settings.stateDirectory / "other";
        otherSettings.faults.expiredCertificate = true;
        DoorControllerSimulator otherDoor(otherSettings);
        otherDoor.start();
        fs::copy_file(otherDoor.caFile(), other);
    }
    ASSERT_EQ(soap_ssl_client_context(s, SOAP_SSL_DEFAULT, nullptr, nullptr, other.c_str(), nullptr, nullptr), SOAP_OK);
    _tds__GetSystemDateAndTime request;
    _tds__GetSystemDateAndTimeResponse response;
    EXPECT_NE(soap_call___tds__GetSystemDateAndTime(s, d.endpoint().c_str(), nullptr, &request, response), SOAP_OK);
    EXPECT_EQ(s->error, SOAP_SSL_ERROR);
    soap_destroy(s);
    soap_end(s);
    soap_free(s);
}

TEST_F(DoorControllerTest, ExpiredCertificateIsRefusedByAVerifyingClient) {
    settings.faults.expiredCertificate = true;
    auto& d = started();
    Client c = client(Client::Auth::None);
    _tds__GetSystemDateAndTime request;
    _tds__GetSystemDateAndTimeResponse response;
    EXPECT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetSystemDateAndTime(s, ep, nullptr, &request, response); }),
              SOAP_SSL_ERROR);
    (void)d;
}

TEST_F(DoorControllerTest, UsernameTokenAndHttpDigestBothLogIn) {
    started();
    for (auto auth : {Client::Auth::UsernameToken, Client::Auth::HttpDigest}) {
        Client c = client(auth);
        _tds__GetDeviceInformation request;
        _tds__GetDeviceInformationResponse response;
        ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &request, response); }),
                  SOAP_OK)
            << c.faultSubcodes();
        EXPECT_EQ(response.Manufacturer, "fpbridge");
        // A second call on the same client (keep-alive, saved digest).
        _tds__GetUsers usersRequest;
        _tds__GetUsersResponse users;
        ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetUsers(s, ep, nullptr, &usersRequest, users); }), SOAP_OK);
        ASSERT_EQ(users.User.size(), 2u);
        for (auto* u : users.User) EXPECT_EQ(u->Password, nullptr) << "GetUsers must never return a password";
    }
}

TEST_F(DoorControllerTest, WrongPasswordIsRefused) {
    started();
    Client wsse = client(Client::Auth::UsernameToken, "wrong");
    _tds__GetDeviceInformation request;
    _tds__GetDeviceInformationResponse response;
    EXPECT_EQ(wsse.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &request, response); }),
              SOAP_CLI_FAULT);
    EXPECT_EQ(wsse.raw()->status, 400);
    EXPECT_EQ(wsse.faultCode(), "SOAP-ENV:Sender");
    EXPECT_EQ(wsse.faultSubcodes(), "ter:NotAuthorized");

    Client digest = client(Client::Auth::HttpDigest, "wrong");
    EXPECT_EQ(digest.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &request, response); }),
              401);
}

TEST_F(DoorControllerTest, ReplayedUsernameTokenIsRefused) {
    started();
    Client c = client(Client::Auth::UsernameToken);
    _tds__GetDeviceInformation request;
    _tds__GetDeviceInformationResponse response;
    auto callOnce = [&] {
        return c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &request, response); });
    };
    ASSERT_EQ(callOnce(), SOAP_OK);
    c.replayLastToken();
    EXPECT_EQ(callOnce(), SOAP_CLI_FAULT);
    EXPECT_EQ(c.faultSubcodes(), "ter:NotAuthorized");
    EXPECT_NE(std::string(*soap_faultstring(c.raw())).find("replay"), std::string::npos);
}

TEST_F(DoorControllerTest, UsernameTokenOutsideTheClockWindowIsRefused) {
    settings.clockOffsetSeconds = 3600;  // the device runs an hour ahead
    started();
    Client c = client(Client::Auth::UsernameToken);
    _tds__GetDeviceInformation request;
    _tds__GetDeviceInformationResponse response;
    EXPECT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &request, response); }),
              SOAP_CLI_FAULT);
    EXPECT_EQ(c.faultSubcodes(), "ter:NotAuthorized");
    EXPECT_NE(std::string(*soap_faultstring(c.raw())).find("GetSystemDateAndTime"), std::string::npos);
}

TEST_F(DoorControllerTest, CredentialsAreCreatedListedModifiedAndDeleted) {
    settings.maxLimit = 2;
    started();
    Client c = client();
    std::vector<std::string> tokens;
    for (unsigned i = 0; i < 5; ++i) tokens.push_back(create(c, "user-" + std::to_string(i), syntheticRecord(i)));
    EXPECT_EQ(door->credentials().size(), 5u);

    // Paging: MaxLimit 2 gives pages of 2, 2, 1.
    std::vector<std::string> listed;
    std::string* start = nullptr;
    std::string startValue;
    for (int page = 0; page < 5; ++page) {
        _tcr__GetCredentialList request;
        _tcr__GetCredentialListResponse response;
        request.StartReference = start;
        ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__GetCredentialList(s, ep, nullptr, &request, response); }),
                  SOAP_OK);
        EXPECT_LE(response.Credential.size(), 2u);
        for (auto* cr : response.Credential) listed.push_back(cr->token);
        if (!response.NextStartReference) break;
        startValue = *response.NextStartReference;
        start = &startValue;
    }
    EXPECT_EQ(listed, tokens);

    // Modify: new holder and a card added.
    {
        _tcr__ModifyCredential request;
        _tcr__ModifyCredentialResponse response;
        request.Credential = newCredential(c.raw(), "user-0-renamed",
                                           {{"pt:Fingerprint", "ISO19794-2:2005", syntheticRecord(100)},
                                            {"pt:Card", "WIEGAND26", {0x01, 0x02, 0x03, 0x04}}});
        request.Credential->token = tokens[0];
        ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__ModifyCredential(s, ep, nullptr, &request, response); }),
                  SOAP_OK)
            << c.faultSubcodes();
    }
    {
        _tcr__GetCredentials request;
        _tcr__GetCredentialsResponse response;
        request.Token = {tokens[0], "no-such-token"};
        ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__GetCredentials(s, ep, nullptr, &request, response); }),
                  SOAP_OK);
        ASSERT_EQ(response.Credential.size(), 1u);
        EXPECT_EQ(response.Credential[0]->CredentialHolderReference, "user-0-renamed");
        EXPECT_EQ(response.Credential[0]->CredentialIdentifier.size(), 2u);
    }
    {
        _tcr__DeleteCredential request;
        _tcr__DeleteCredentialResponse response;
        request.Token = tokens[1];
        ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__DeleteCredential(s, ep, nullptr, &request, response); }),
                  SOAP_OK);
    }
    EXPECT_EQ(door->credentials().size(), 4u);
}

TEST_F(DoorControllerTest, CredentialFaultsFollowTheSpecification) {
    settings.maxCredentials = 1;
    settings.identifierTypes = {"pt:Card", "pt:Fingerprint"};
    started();
    Client c = client();
    auto createFault = [&](tcr__Credential* credential) {
        _tcr__CreateCredential request;
        _tcr__CreateCredentialResponse response;
        request.Credential = credential;
        request.State = soap_new_tcr__CredentialState(c.raw());
        request.State->Enabled = true;
        int rc = c.call([&](soap* s, const char* ep) { return soap_call___tcr__CreateCredential(s, ep, nullptr, &request, response); });
        EXPECT_EQ(rc, SOAP_CLI_FAULT);
        EXPECT_EQ(c.faultCode(), "SOAP-ENV:Sender");
        return c.faultSubcodes();
    };
    auto record = syntheticRecord(1);
    EXPECT_EQ(createFault(newCredential(c.raw(), "u", {{"pt:Fingerprint", "ISO19794-2:2005", record},
                                                        {"pt:Fingerprint", "ISO19794-2:2005", record}})),
              "ter:InvalidArgVal/ter:DuplicatedIdentifierType");
    EXPECT_EQ(createFault(newCredential(c.raw(), "u", {{"pt:PIN", "SIMPLE_NUMBER32", {1, 2, 3, 4}}})),
              "ter:CapabilityViolated/ter:SupportedIdentifierType");
    EXPECT_EQ(createFault(newCredential(c.raw(), "u", {{"pt:Fingerprint", "PROPRIETARY-X", record}})),
              "ter:InvalidArgVal/ter:InvalidFormatType");
    EXPECT_EQ(createFault(newCredential(c.raw(), "u", {{"pt:Fingerprint", "ISO19794-2:2005", {1, 2, 3}}})),
              "ter:InvalidArgVal/ter:InvalidIdentifierValue");
    auto* withToken = newCredential(c.raw(), "u", {{"pt:Fingerprint", "ISO19794-2:2005", record}});
    withToken->token = "my-token";
    EXPECT_EQ(createFault(withToken), "ter:InvalidArgVal");

    create(c, "first", record);
    EXPECT_EQ(createFault(newCredential(c.raw(), "second", {{"pt:Fingerprint", "ISO19794-2:2005", syntheticRecord(2)}})),
              "ter:CapabilityViolated/ter:MaxCredentials");

    _tcr__DeleteCredential del;
    _tcr__DeleteCredentialResponse delResponse;
    del.Token = "no-such-token";
    EXPECT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__DeleteCredential(s, ep, nullptr, &del, delResponse); }),
              SOAP_CLI_FAULT);
    EXPECT_EQ(c.faultSubcodes(), "ter:InvalidArgVal/ter:NotFound");
    EXPECT_EQ(c.raw()->status, 400);

    _tcr__GetSupportedFormatTypes formats;
    _tcr__GetSupportedFormatTypesResponse formatsResponse;
    formats.CredentialIdentifierTypeName = "pt:Iris";
    EXPECT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__GetSupportedFormatTypes(s, ep, nullptr, &formats, formatsResponse); }),
              SOAP_CLI_FAULT);
    EXPECT_EQ(c.faultSubcodes(), "ter:InvalidArgVal/ter:NotFound");
}

TEST_F(DoorControllerTest, SetUserChangesAPasswordOnlyForAdministrators) {
    started();
    Client viewer = client(Client::Auth::UsernameToken, "viewer-secret", "viewer");
    _tds__SetUser request;
    _tds__SetUserResponse response;
    auto* user = soap_new_tt__User(viewer.raw());
    user->Username = "viewer";
    user->Password = soap_new_std__string(viewer.raw());
    *user->Password = "new-viewer-secret";
    user->UserLevel = "User";
    request.User.push_back(user);
    EXPECT_EQ(viewer.call([&](soap* s, const char* ep) { return soap_call___tds__SetUser(s, ep, nullptr, &request, response); }), SOAP_CLI_FAULT);
    EXPECT_EQ(viewer.faultSubcodes(), "ter:NotAuthorized");

    Client admin = client();
    _tds__SetUser adminRequest;
    auto* changed = soap_new_tt__User(admin.raw());
    changed->Username = "viewer";
    changed->Password = soap_new_std__string(admin.raw());
    *changed->Password = "new-viewer-secret";
    changed->UserLevel = "User";
    adminRequest.User.push_back(changed);
    ASSERT_EQ(admin.call([&](soap* s, const char* ep) { return soap_call___tds__SetUser(s, ep, nullptr, &adminRequest, response); }), SOAP_OK);

    // Persisted: after a restart without --user the new password works.
    door->stop();
    settings.users.clear();
    started();
    Client renewed = client(Client::Auth::HttpDigest, "new-viewer-secret", "viewer");
    _tds__GetDiscoveryMode modeRequest;
    _tds__GetDiscoveryModeResponse mode;
    EXPECT_EQ(renewed.call([&](soap* s, const char* ep) { return soap_call___tds__GetDiscoveryMode(s, ep, nullptr, &modeRequest, mode); }),
              SOAP_OK);
}

TEST_F(DoorControllerTest, CredentialsSurviveARestart) {
    started();
    std::string token;
    {
        Client c = client(Client::Auth::HttpDigest);
        token = create(c, "holder-1", syntheticRecord(7));
    }
    door->stop();
    door.reset();
    started();
    auto stored = door->credentials();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].token, token);
    EXPECT_EQ(stored[0].holderReference, "holder-1");
    ASSERT_EQ(stored[0].identifiers.size(), 1u);
    EXPECT_EQ(stored[0].identifiers[0].value, syntheticRecord(7));
    // A new credential never reuses a token.
    Client c = client();
    EXPECT_NE(create(c, "holder-2", syntheticRecord(8)), token);
}

TEST_F(DoorControllerTest, DoorsAndAccessPoints) {
    started();
    Client c = client();
    _tdc__GetDoorInfoList doorsRequest;
    _tdc__GetDoorInfoListResponse doors;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tdc__GetDoorInfoList(s, ep, nullptr, &doorsRequest, doors); }), SOAP_OK);
    ASSERT_EQ(doors.DoorInfo.size(), 2u);
    _tdc__GetDoorState stateRequest;
    _tdc__GetDoorStateResponse state;
    stateRequest.Token = doors.DoorInfo[0]->token;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tdc__GetDoorState(s, ep, nullptr, &stateRequest, state); }), SOAP_OK);
    EXPECT_EQ(state.DoorState->DoorMode, "Locked");
    _tac__GetAccessPointInfoList apRequest;
    _tac__GetAccessPointInfoListResponse aps;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tac__GetAccessPointInfoList(s, ep, nullptr, &apRequest, aps); }), SOAP_OK);
    ASSERT_EQ(aps.AccessPointInfo.size(), 2u);
    ASSERT_NE(aps.AccessPointInfo[0]->Capabilities->SupportedRecognitionTypes, nullptr);
    EXPECT_EQ(*aps.AccessPointInfo[0]->Capabilities->SupportedRecognitionTypes, "pt:Fingerprint");
}

TEST_F(DoorControllerTest, AuditSettingsAndTheDeviceClockAreReported) {
    settings.networkProtocols = {{"HTTP", true, {80}}, {"HTTPS", false, {443}}};
    settings.discoveryMode = "Discoverable";
    settings.ipAddressFilter = {"Allow", {"10.0.0.0/8"}, {}};
    settings.deviceInfo.firmwareVersion = "0.9-old";
    settings.clockOffsetSeconds = 7200;
    started();
    Client c = client(Client::Auth::HttpDigest);  // digest does not depend on the clock
    _tds__GetNetworkProtocols protocolsRequest;
    _tds__GetNetworkProtocolsResponse protocols;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetNetworkProtocols(s, ep, nullptr, &protocolsRequest, protocols); }),
              SOAP_OK);
    ASSERT_EQ(protocols.NetworkProtocols.size(), 2u);
    EXPECT_EQ(protocols.NetworkProtocols[0]->Name, "HTTP");
    EXPECT_TRUE(protocols.NetworkProtocols[0]->Enabled);
    _tds__GetIPAddressFilter filterRequest;
    _tds__GetIPAddressFilterResponse filter;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetIPAddressFilter(s, ep, nullptr, &filterRequest, filter); }),
              SOAP_OK);
    EXPECT_EQ(filter.IPAddressFilter->Type, "Allow");
    ASSERT_EQ(filter.IPAddressFilter->IPv4Address.size(), 1u);
    EXPECT_EQ(filter.IPAddressFilter->IPv4Address[0]->Address, "10.0.0.0");
    EXPECT_EQ(filter.IPAddressFilter->IPv4Address[0]->PrefixLength, 8);
    _tds__GetDeviceInformation infoRequest;
    _tds__GetDeviceInformationResponse info;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &infoRequest, info); }),
              SOAP_OK);
    EXPECT_EQ(info.FirmwareVersion, "0.9-old");

    _tds__GetSystemDateAndTime timeRequest;
    _tds__GetSystemDateAndTimeResponse deviceTime;
    ASSERT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetSystemDateAndTime(s, ep, nullptr, &timeRequest, deviceTime); }),
              SOAP_OK);
    const auto* utc = deviceTime.SystemDateAndTime->UTCDateTime;
    std::tm tm{};
    tm.tm_year = utc->Date->Year - 1900;
    tm.tm_mon = utc->Date->Month - 1;
    tm.tm_mday = utc->Date->Day;
    tm.tm_hour = utc->Time->Hour;
    tm.tm_min = utc->Time->Minute;
    tm.tm_sec = utc->Time->Second;
    EXPECT_NEAR(static_cast<double>(timegm(&tm) - std::time(nullptr)), 7200.0, 5.0);
}

TEST_F(DoorControllerTest, DroppedResponseStillAppliesTheRequest) {
    settings.tls = false;
    settings.faults.dropResponseProbability = 1.0;
    settings.faults.dropResponseOperation = "CreateCredential";
    started();
    Client c = client();
    _tcr__CreateCredential request;
    _tcr__CreateCredentialResponse response;
    request.Credential = newCredential(c.raw(), "dropped", {{"pt:Fingerprint", "ISO19794-2:2005", syntheticRecord(3)}});
    request.State = soap_new_tcr__CredentialState(c.raw());
    request.State->Enabled = true;
    EXPECT_NE(c.call([&](soap* s, const char* ep) { return soap_call___tcr__CreateCredential(s, ep, nullptr, &request, response); }),
              SOAP_OK);
    ASSERT_EQ(door->credentials().size(), 1u);
    EXPECT_EQ(door->credentials()[0].holderReference, "dropped");
}

TEST_F(DoorControllerTest, RefusedConnectionsComeBackWhenTheFaultIsCleared) {
    settings.tls = false;
    auto& d = started();
    Client c = client();
    _tds__GetDeviceInformation request;
    _tds__GetDeviceInformationResponse response;
    auto callOnce = [&] {
        return c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &request, response); });
    };
    FaultInjection refuse;
    refuse.refuseConnections = true;
    d.setFaults(refuse);
    // The port closes within the accept timeout; a connection caught in between is reset (SOAP_EOF).
    int rc = SOAP_OK;
    for (int attempt = 0; attempt < 40 && rc != SOAP_TCP_ERROR; ++attempt) {
        soap_force_closesock(c.raw());  // a new connection each time, not the kept-alive one
        rc = callOnce();
        if (rc != SOAP_TCP_ERROR) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(rc, SOAP_TCP_ERROR);
    d.setFaults({});
    for (int attempt = 0; attempt < 40 && rc != SOAP_OK; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        rc = callOnce();
    }
    EXPECT_EQ(rc, SOAP_OK);
}

TEST_F(DoorControllerTest, InjectedServerErrorsSoapFaultsAndDelays) {
    settings.tls = false;
    settings.faults.http500Probability = 1.0;
    settings.faults.http500Operation = "GetDeviceInformation";
    settings.faults.soapFaultOperation = "CreateCredential";
    settings.faults.delayMs = 300;
    started();
    Client c = client();
    _tds__GetDeviceInformation infoRequest;
    _tds__GetDeviceInformationResponse info;
    auto begin = std::chrono::steady_clock::now();
    EXPECT_NE(c.call([&](soap* s, const char* ep) { return soap_call___tds__GetDeviceInformation(s, ep, nullptr, &infoRequest, info); }),
              SOAP_OK);
    EXPECT_EQ(c.raw()->status, 500);
    EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(300));

    _tcr__CreateCredential request;
    _tcr__CreateCredentialResponse response;
    request.Credential = newCredential(c.raw(), "u", {{"pt:Fingerprint", "ISO19794-2:2005", syntheticRecord(5)}});
    request.State = soap_new_tcr__CredentialState(c.raw());
    request.State->Enabled = true;
    EXPECT_EQ(c.call([&](soap* s, const char* ep) { return soap_call___tcr__CreateCredential(s, ep, nullptr, &request, response); }),
              SOAP_SVR_FAULT);
    EXPECT_EQ(c.faultCode(), "SOAP-ENV:Receiver");
    EXPECT_EQ(c.faultSubcodes(), "ter:Action/ter:Failure");
    EXPECT_TRUE(door->credentials().empty());
}

TEST_F(DoorControllerTest, ManyClientsAtOnce) {
    started();
    std::vector<std::thread> threads;
    std::atomic<int> created{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            Client c = client(t % 2 ? Client::Auth::HttpDigest : Client::Auth::UsernameToken);
            for (int i = 0; i < 10; ++i) {
                _tcr__CreateCredential request;
                _tcr__CreateCredentialResponse response;
                request.Credential = newCredential(c.raw(), "user-" + std::to_string(t) + "-" + std::to_string(i),
                                                   {{"pt:Fingerprint", "ISO19794-2:2005", syntheticRecord(1000 + t * 100 + i)}});
                request.State = soap_new_tcr__CredentialState(c.raw());
                request.State->Enabled = true;
                if (c.call([&](soap* s, const char* ep) { return soap_call___tcr__CreateCredential(s, ep, nullptr, &request, response); }) ==
                    SOAP_OK)
                    ++created;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(created, 80);
    EXPECT_EQ(door->credentials().size(), 80u);
}

TEST_F(DoorControllerTest, CapturedRequestsAreWrittenPerOperation) {
    settings.tls = false;
    settings.captureDirectory = settings.stateDirectory / "capture";
    started();
    Client c = client();
    create(c, "captured", syntheticRecord(4));
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(settings.captureDirectory)) names.push_back(entry.path().filename().string());
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "000001-CreateCredential.xml");
    std::ifstream in(settings.captureDirectory / names[0]);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("CreateCredential"), std::string::npos);
    EXPECT_EQ(text.rfind("<?xml", 0), 0u);
}

TEST_F(DoorControllerTest, PresentedFingerIsGrantedForItsHolderAndAnotherFingerDenied) {
    fs::path db = fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB1_B";
    if (!fs::exists(db / "101_1.tif"))
        GTEST_SKIP() << "shared fingerprints not found in " << db << " (set FPB_SHARED_DIR to the shared data folder)";
    auto recordOf = [](const fs::path& image) {
        return fpb::tmpl::writeIsoRecord(fpb::tmpl::extractTemplate(fpb::loadImage(image.string())));
    };
    auto bytesOf = [](const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    started();
    Client c = client();
    std::string token = create(c, "alice", recordOf(db / "101_1.tif"));
    create(c, "bob", recordOf(db / "103_1.tif"));

    AccessResult same = door->present(DoorControllerSimulator::kDefaultAccessPoint, bytesOf(db / "101_2.tif"));
    EXPECT_TRUE(same.granted) << "score " << same.score;
    EXPECT_EQ(same.event, DoorControllerSimulator::kGrantedTopic);
    EXPECT_EQ(same.holder, "alice");
    EXPECT_EQ(same.credentialToken, token);

    AccessResult other = door->present("access-point-2", bytesOf(db / "102_1.tif"));
    EXPECT_FALSE(other.granted) << "score " << other.score;
    EXPECT_EQ(other.event, DoorControllerSimulator::kDeniedTopic);

    auto events = door->events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].holder, "alice");
    EXPECT_EQ(events[1].accessPoint, "access-point-2");
    EXPECT_THROW(door->present("no-such-access-point", bytesOf(db / "101_2.tif")), DoorError);
}

TEST(DoorControllerSettings, StartWithoutAnyUserIsRefused) {
    DoorSettings settings;
    settings.stateDirectory = freshDirectory("no-user");
    DoorControllerSimulator door(settings);
    EXPECT_THROW(door.start(), DoorError);
    fs::remove_all(settings.stateDirectory);
}

} // namespace
