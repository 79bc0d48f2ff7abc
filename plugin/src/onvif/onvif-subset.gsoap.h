// SPDX-License-Identifier: GPL-2.0-or-later
// The ONVIF subset fpbridge speaks, written by hand for soapcpp2 (which generates the client calls
// for the plugin and the server skeleton for the door-controller simulator at build time).
// Namespaces, element names, element order and SOAP actions follow the official ONVIF WSDLs
// (device management, credential, door control, access control); only what we use is declared.
// Unknown elements in responses are skipped by gSOAP, so devices that send more still parse.


//gsoap tt schema namespace: http://www.onvif.org/ver10/schema
//gsoap tt schema elementForm: qualified
//gsoap tt schema attributeForm: unqualified
//gsoap pt schema namespace: http://www.onvif.org/ver10/pacs
//gsoap pt schema elementForm: qualified
//gsoap pt schema attributeForm: unqualified
//gsoap ter schema namespace: http://www.onvif.org/ver10/error
//gsoap wsse schema namespace: http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd
//gsoap wsse schema elementForm: qualified
//gsoap wsse schema attributeForm: unqualified
//gsoap wsu schema namespace: http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd
//gsoap wsu schema elementForm: qualified
//gsoap wsu schema attributeForm: qualified

//gsoap tds schema namespace: http://www.onvif.org/ver10/device/wsdl
//gsoap tds schema elementForm: qualified
//gsoap tds schema attributeForm: unqualified
//gsoap tcr schema namespace: http://www.onvif.org/ver10/credential/wsdl
//gsoap tcr schema elementForm: qualified
//gsoap tcr schema attributeForm: unqualified
//gsoap tdc schema namespace: http://www.onvif.org/ver10/doorcontrol/wsdl
//gsoap tdc schema elementForm: qualified
//gsoap tdc schema attributeForm: unqualified
//gsoap tac schema namespace: http://www.onvif.org/ver10/accesscontrol/wsdl
//gsoap tac schema elementForm: qualified
//gsoap tac schema attributeForm: unqualified

#import "stlvector.h"

// ---- Simple types --------------------------------------------------------------------------
typedef std::string pt__Name 0:64;
typedef std::string pt__ReferenceToken 0:64;
typedef std::string pt__Description 0:1024;
typedef std::string ter__FaultSubcode;  // keeps "ter" in the namespace table for fault subcodes

class xsd__hexBinary {
public:
    unsigned char* __ptr;
    int __size;
};

// ---- WS-Security UsernameToken (OASIS WSS 1.0), only what a UsernameToken digest needs -------
class wsse__Password {
public:
    std::string __item;
    @std::string Type 0;
};
class wsse__EncodedString {
public:
    std::string __item;
    @std::string EncodingType 0;
};
class _wsse__UsernameToken {
public:
    std::string Username 1;
    wsse__Password* Password 0;
    wsse__EncodedString* Nonce 0;
    std::string* wsu__Created 0;
};
class _wsse__Security {
public:
    _wsse__UsernameToken* UsernameToken 0;
};
struct SOAP_ENV__Header {
    mustUnderstand _wsse__Security* wsse__Security 0;
};

// ---- Device management types (tt) -----------------------------------------------------------
class tt__Time { public: int Hour 1; int Minute 1; int Second 1; };
class tt__Date { public: int Year 1; int Month 1; int Day 1; };
class tt__DateTime { public: tt__Time* Time 1; tt__Date* Date 1; };
class tt__TimeZone { public: std::string TZ 1; };
class tt__SystemDateTime {
public:
    std::string DateTimeType 1;   // "Manual" or "NTP"
    bool DaylightSavings 1;
    tt__TimeZone* TimeZone 0;
    tt__DateTime* UTCDateTime 0;
    tt__DateTime* LocalDateTime 0;
};
class tt__OnvifVersion { public: int Major 1; int Minor 1; };
class tt__NetworkProtocol {
public:
    std::string Name 1;           // HTTP, HTTPS, RTSP
    bool Enabled 1;
    std::vector<int> Port 1;
};
class tt__PrefixedIPv4Address { public: std::string Address 1; int PrefixLength 1; };
class tt__PrefixedIPv6Address { public: std::string Address 1; int PrefixLength 1; };
class tt__IPAddressFilter {
public:
    std::string Type 1;           // Allow or Deny
    std::vector<tt__PrefixedIPv4Address*> IPv4Address 0;
    std::vector<tt__PrefixedIPv6Address*> IPv6Address 0;
};
class tt__User {
public:
    std::string Username 1;
    std::string* Password 0;
    std::string UserLevel 1;      // Administrator, Operator, User, Anonymous, Extended
};

class tds__Service {
public:
    std::string Namespace 1;
    std::string XAddr 1;
    tt__OnvifVersion* Version 1;
};

class _tds__GetSystemDateAndTime { public: };
class _tds__GetSystemDateAndTimeResponse { public: tt__SystemDateTime* SystemDateAndTime 1; };
class _tds__GetServices { public: bool IncludeCapability 1; };
class _tds__GetServicesResponse { public: std::vector<tds__Service*> Service 1; };
class _tds__GetDeviceInformation { public: };
class _tds__GetDeviceInformationResponse {
public:
    std::string Manufacturer 1;
    std::string Model 1;
    std::string FirmwareVersion 1;
    std::string SerialNumber 1;
    std::string HardwareId 1;
};
class _tds__GetNetworkProtocols { public: };
class _tds__GetNetworkProtocolsResponse { public: std::vector<tt__NetworkProtocol*> NetworkProtocols 0; };
class _tds__GetDiscoveryMode { public: };
class _tds__GetDiscoveryModeResponse { public: std::string DiscoveryMode 1; };
class _tds__GetIPAddressFilter { public: };
class _tds__GetIPAddressFilterResponse { public: tt__IPAddressFilter* IPAddressFilter 1; };
class _tds__GetUsers { public: };
class _tds__GetUsersResponse { public: std::vector<tt__User*> User 0; };
class _tds__SetUser { public: std::vector<tt__User*> User 1; };
class _tds__SetUserResponse { public: };

// ---- Credential service (tcr) ---------------------------------------------------------------
class tcr__ServiceCapabilities {
public:
    std::vector<pt__Name> SupportedIdentifierType 1;
    @unsigned int MaxLimit 1;
    @bool CredentialValiditySupported 1;
    @bool CredentialAccessProfileValiditySupported 1;
    @bool ValiditySupportsTimeValue 1;
    @unsigned int MaxCredentials 1;
    @unsigned int MaxAccessProfilesPerCredential 1;
    @bool ResetAntipassbackSupported 1;
    @bool* ClientSuppliedTokenSupported 0;
};
class tcr__CredentialIdentifierType {
public:
    pt__Name Name 1;
    std::string FormatType 1;
};
class tcr__CredentialIdentifier {
public:
    tcr__CredentialIdentifierType* Type 1;
    bool ExemptedFromAuthentication 1;
    xsd__hexBinary Value 1;
};
class pt__DataEntity {
public:
    @pt__ReferenceToken token 1;
};
class tcr__CredentialInfo : public pt__DataEntity {
public:
    pt__Description* Description 0;
    std::string CredentialHolderReference 1;
};
class tcr__Credential : public tcr__CredentialInfo {
public:
    std::vector<tcr__CredentialIdentifier*> CredentialIdentifier 1;
};
class tcr__CredentialState {
public:
    bool Enabled 1;
    pt__Name* Reason 0;
};
class tcr__CredentialIdentifierFormatTypeInfo {
public:
    std::string FormatType 1;
    pt__Description Description 1;
};

class _tcr__GetServiceCapabilities { public: };
class _tcr__GetServiceCapabilitiesResponse { public: tcr__ServiceCapabilities* Capabilities 1; };
class _tcr__GetSupportedFormatTypes { public: std::string CredentialIdentifierTypeName 1; };
class _tcr__GetSupportedFormatTypesResponse {
public:
    std::vector<tcr__CredentialIdentifierFormatTypeInfo*> FormatTypeInfo 1;
};
class _tcr__CreateCredential { public: tcr__Credential* Credential 1; tcr__CredentialState* State 1; };
class _tcr__CreateCredentialResponse { public: pt__ReferenceToken Token 1; };
class _tcr__ModifyCredential { public: tcr__Credential* Credential 1; };
class _tcr__ModifyCredentialResponse { public: };
class _tcr__DeleteCredential { public: pt__ReferenceToken Token 1; };
class _tcr__DeleteCredentialResponse { public: };
class _tcr__GetCredentials { public: std::vector<pt__ReferenceToken> Token 1; };
class _tcr__GetCredentialsResponse { public: std::vector<tcr__Credential*> Credential 0; };
class _tcr__GetCredentialList { public: int* Limit 0; std::string* StartReference 0; };
class _tcr__GetCredentialListResponse {
public:
    std::string* NextStartReference 0;
    std::vector<tcr__Credential*> Credential 0;
};

// ---- Door control (tdc) and access control (tac) --------------------------------------------
class tdc__DoorCapabilities {
public:
    @bool* Access 0;
    @bool* Lock 0;
    @bool* Unlock 0;
    @bool* DoorMonitor 0;
};
class tdc__DoorInfo : public pt__DataEntity {
public:
    pt__Name Name 1;
    pt__Description* Description 0;
    tdc__DoorCapabilities* Capabilities 1;
};
class tdc__DoorState {
public:
    std::string* DoorPhysicalState 0;   // Unknown, Open, Closed, Fault
    std::string DoorMode 1;             // Unknown, Locked, Unlocked, Accessed, ...
};
class _tdc__GetDoorInfoList { public: int* Limit 0; std::string* StartReference 0; };
class _tdc__GetDoorInfoListResponse {
public:
    std::string* NextStartReference 0;
    std::vector<tdc__DoorInfo*> DoorInfo 0;
};
class _tdc__GetDoorState { public: pt__ReferenceToken Token 1; };
class _tdc__GetDoorStateResponse { public: tdc__DoorState* DoorState 1; };

class tac__AccessPointCapabilities {
public:
    @bool DisableAccessPoint 1;
    @bool* Duress 0;
    @std::string* SupportedRecognitionTypes 0;   // pt:StringList, e.g. "pt:Fingerprint"
};
class tac__AccessPointInfo : public pt__DataEntity {
public:
    pt__Name Name 1;
    pt__Description* Description 0;
    pt__ReferenceToken* AreaFrom 0;
    pt__ReferenceToken* AreaTo 0;
    std::string* EntityType 0;
    pt__ReferenceToken Entity 1;
    tac__AccessPointCapabilities* Capabilities 1;
};
class _tac__GetAccessPointInfoList { public: int* Limit 0; std::string* StartReference 0; };
class _tac__GetAccessPointInfoListResponse {
public:
    std::string* NextStartReference 0;
    std::vector<tac__AccessPointInfo*> AccessPointInfo 0;
};

// ---- Operations --------------------------------------------------------------------------
//gsoap tds service name: DeviceBinding
//gsoap tds service style: document
//gsoap tds service encoding: literal
//gsoap tds service method-action: GetSystemDateAndTime http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime
int __tds__GetSystemDateAndTime(_tds__GetSystemDateAndTime* tds__GetSystemDateAndTime, _tds__GetSystemDateAndTimeResponse& tds__GetSystemDateAndTimeResponse);
//gsoap tds service method-action: GetServices http://www.onvif.org/ver10/device/wsdl/GetServices
int __tds__GetServices(_tds__GetServices* tds__GetServices, _tds__GetServicesResponse& tds__GetServicesResponse);
//gsoap tds service method-action: GetDeviceInformation http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation
int __tds__GetDeviceInformation(_tds__GetDeviceInformation* tds__GetDeviceInformation, _tds__GetDeviceInformationResponse& tds__GetDeviceInformationResponse);
//gsoap tds service method-action: GetNetworkProtocols http://www.onvif.org/ver10/device/wsdl/GetNetworkProtocols
int __tds__GetNetworkProtocols(_tds__GetNetworkProtocols* tds__GetNetworkProtocols, _tds__GetNetworkProtocolsResponse& tds__GetNetworkProtocolsResponse);
//gsoap tds service method-action: GetDiscoveryMode http://www.onvif.org/ver10/device/wsdl/GetDiscoveryMode
int __tds__GetDiscoveryMode(_tds__GetDiscoveryMode* tds__GetDiscoveryMode, _tds__GetDiscoveryModeResponse& tds__GetDiscoveryModeResponse);
//gsoap tds service method-action: GetIPAddressFilter http://www.onvif.org/ver10/device/wsdl/GetIPAddressFilter
int __tds__GetIPAddressFilter(_tds__GetIPAddressFilter* tds__GetIPAddressFilter, _tds__GetIPAddressFilterResponse& tds__GetIPAddressFilterResponse);
//gsoap tds service method-action: GetUsers http://www.onvif.org/ver10/device/wsdl/GetUsers
int __tds__GetUsers(_tds__GetUsers* tds__GetUsers, _tds__GetUsersResponse& tds__GetUsersResponse);
//gsoap tds service method-action: SetUser http://www.onvif.org/ver10/device/wsdl/SetUser
int __tds__SetUser(_tds__SetUser* tds__SetUser, _tds__SetUserResponse& tds__SetUserResponse);

//gsoap tcr service name: CredentialBinding
//gsoap tcr service style: document
//gsoap tcr service encoding: literal
//gsoap tcr service method-action: GetServiceCapabilities http://www.onvif.org/ver10/credential/wsdl/GetServiceCapabilities
int __tcr__GetServiceCapabilities(_tcr__GetServiceCapabilities* tcr__GetServiceCapabilities, _tcr__GetServiceCapabilitiesResponse& tcr__GetServiceCapabilitiesResponse);
//gsoap tcr service method-action: GetSupportedFormatTypes http://www.onvif.org/ver10/credential/wsdl/GetSupportedFormatTypes
int __tcr__GetSupportedFormatTypes(_tcr__GetSupportedFormatTypes* tcr__GetSupportedFormatTypes, _tcr__GetSupportedFormatTypesResponse& tcr__GetSupportedFormatTypesResponse);
//gsoap tcr service method-action: CreateCredential http://www.onvif.org/ver10/credential/wsdl/CreateCredential
int __tcr__CreateCredential(_tcr__CreateCredential* tcr__CreateCredential, _tcr__CreateCredentialResponse& tcr__CreateCredentialResponse);
//gsoap tcr service method-action: ModifyCredential http://www.onvif.org/ver10/credential/wsdl/ModifyCredential
int __tcr__ModifyCredential(_tcr__ModifyCredential* tcr__ModifyCredential, _tcr__ModifyCredentialResponse& tcr__ModifyCredentialResponse);
//gsoap tcr service method-action: DeleteCredential http://www.onvif.org/ver10/credential/wsdl/DeleteCredential
int __tcr__DeleteCredential(_tcr__DeleteCredential* tcr__DeleteCredential, _tcr__DeleteCredentialResponse& tcr__DeleteCredentialResponse);
//gsoap tcr service method-action: GetCredentials http://www.onvif.org/ver10/credential/wsdl/GetCredentials
int __tcr__GetCredentials(_tcr__GetCredentials* tcr__GetCredentials, _tcr__GetCredentialsResponse& tcr__GetCredentialsResponse);
//gsoap tcr service method-action: GetCredentialList http://www.onvif.org/ver10/credential/wsdl/GetCredentialList
int __tcr__GetCredentialList(_tcr__GetCredentialList* tcr__GetCredentialList, _tcr__GetCredentialListResponse& tcr__GetCredentialListResponse);

//gsoap tdc service name: DoorControlBinding
//gsoap tdc service style: document
//gsoap tdc service encoding: literal
//gsoap tdc service method-action: GetDoorInfoList http://www.onvif.org/ver10/doorcontrol/wsdl/GetDoorInfoList
int __tdc__GetDoorInfoList(_tdc__GetDoorInfoList* tdc__GetDoorInfoList, _tdc__GetDoorInfoListResponse& tdc__GetDoorInfoListResponse);
//gsoap tdc service method-action: GetDoorState http://www.onvif.org/ver10/doorcontrol/wsdl/GetDoorState
int __tdc__GetDoorState(_tdc__GetDoorState* tdc__GetDoorState, _tdc__GetDoorStateResponse& tdc__GetDoorStateResponse);

//gsoap tac service name: PACSBinding
//gsoap tac service style: document
//gsoap tac service encoding: literal
//gsoap tac service method-action: GetAccessPointInfoList http://www.onvif.org/ver10/accesscontrol/wsdl/GetAccessPointInfoList
int __tac__GetAccessPointInfoList(_tac__GetAccessPointInfoList* tac__GetAccessPointInfoList, _tac__GetAccessPointInfoListResponse& tac__GetAccessPointInfoListResponse);
