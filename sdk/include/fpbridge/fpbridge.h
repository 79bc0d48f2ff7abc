// SPDX-License-Identifier: GPL-2.0-or-later
// The fpbridge plugin SDK: include this one header.
#pragma once

#include "device.h"
#include "error.h"
#include "host_services.h"
#include "plugin.h"
#include "prompts.h"
#include "ref_counted.h"
#include "ref_counted_object.h"
#include "version.h"
