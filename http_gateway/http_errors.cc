#include "http_gateway/http_errors.h"

#include <nlohmann/json.hpp>

namespace forkv::http {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kInvalidArgument:
    case StatusCode::kMalformed:
      return 400;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnavailable:
    case StatusCode::kIoError:
    case StatusCode::kMoved:
    case StatusCode::kFailed:  // 503, but without Retry-After: it will not come back by itself
      return 503;
    case StatusCode::kTimeout:
      return 504;
    case StatusCode::kConditionFailed:
      return 412;
    case StatusCode::kUnknownOp:
      return 501;
    case StatusCode::kVersionMismatch:
      return 502;
    case StatusCode::kInternal:
      break;
  }
  return 500;
}

int RetryAfterSecondsFor(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kIoError ||
                 code == StatusCode::kMoved
             ? 1
             : 0;
}

std::string ErrorJson(int http_status, std::string_view status_name, std::string_view message) {
  // The CLI's --json shape (ok, code, message), plus the HTTP status.
  nlohmann::ordered_json j = {
      {"ok", false}, {"code", status_name}, {"message", message}, {"http_status", http_status}};
  // Messages may quote user bytes (a key, a name): never fail on bad UTF-8.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ErrorJson(const Status& status) {
  return ErrorJson(HttpStatusFor(status.code()), StatusCodeName(status.code()), status.message());
}

}  // namespace forkv::http
