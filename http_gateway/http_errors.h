// How forkv's status codes become HTTP answers. Pure.
//
//   ok 200 | not_found 404 | invalid_argument, malformed 400 | too_large 413
//   unavailable 503 (+ Retry-After) | io_error 503 (+ Retry-After: the batch
//   was not applied, retrying is safe) | timeout 504 | unknown_op 501
//   version_mismatch 502 | internal 500
//
// Error bodies are JSON: {"error": "<message>", "code": <HTTP status>,
// "status": "<forkv status name>"}.
#pragma once

#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv::http {

int HttpStatusFor(StatusCode code);
// Seconds for a Retry-After header, or 0 when the answer should not have one.
int RetryAfterSecondsFor(StatusCode code);
std::string ErrorJson(int http_status, std::string_view status_name, std::string_view message);
// ErrorJson() for a forkv Status (not OK).
std::string ErrorJson(const Status& status);

}  // namespace forkv::http
