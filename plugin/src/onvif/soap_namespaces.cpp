// SPDX-License-Identifier: GPL-2.0-or-later
// The one translation unit that defines gSOAP's global namespace table (all services share it).
// gSOAP's shared runtime looks the table up by name, so a plugin built with hidden symbols must
// export this one (FPB_EXPORT_SOAP_NAMESPACES).
#ifdef FPB_EXPORT_SOAP_NAMESPACES
#define SOAP_NMAC __attribute__((visibility("default")))
#endif
#include "soapH.h"
#include "DeviceBinding.nsmap"
