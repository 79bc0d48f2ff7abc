// SPDX-License-Identifier: GPL-2.0-or-later
// The one translation unit that defines gSOAP's global namespace table (all services share it).
#include "soapH.h"
#include "DeviceBinding.nsmap"
