#include "shared/status.h"

namespace forkv {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kTooLarge:
      return "too_large";
    case StatusCode::kMalformed:
      return "malformed";
    case StatusCode::kUnknownOp:
      return "unknown_op";
    case StatusCode::kVersionMismatch:
      return "version_mismatch";
    case StatusCode::kIoError:
      return "io_error";
    case StatusCode::kTimeout:
      return "timeout";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kMoved:
      return "moved";
    case StatusCode::kFailed:
      return "failed";
    case StatusCode::kConditionFailed:
      return "condition_failed";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(StatusCodeName(code_));
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace forkv
