// The error model is part of the client library's public API: see
// <forkv/status.h> (clients/cpp/include/forkv/status.h).
#pragma once

#include <forkv/status.h>
