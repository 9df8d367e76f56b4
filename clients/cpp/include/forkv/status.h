// forkv client library: Status and Result<T>, the error model of forkv
// (after leveldb's Status), shared by the server and the client library.
//
// Expected failures (bad request, not found, I/O) are returned as a Status or
// a Result<T>; both are [[nodiscard]]. No exception crosses a module boundary.
// The numeric codes are also the wire error codes (docs/protocol.md), so a
// Status travels to a client unchanged as {code, message}.
//
// Thread-safety: values; a const Status or Result may be read from many
// threads at once.
#pragma once

// Marks what libforkv.so exports (it is built with hidden visibility).
#ifndef FORKV_EXPORT
#define FORKV_EXPORT __attribute__((visibility("default")))
#endif

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace forkv {

// Wire-stable: never renumber, only append.
enum class StatusCode : uint8_t {
  kOk = 0,
  kNotFound = 1,          // key or store absent
  kInvalidArgument = 2,   // bad store name, bad field value
  kUnavailable = 3,       // store restarting, failed, or shutting down
  kTooLarge = 4,          // key, value or frame over the limit
  kMalformed = 5,         // not decodable msgpack / wrong shape
  kUnknownOp = 6,         // op code not known to this server
  kVersionMismatch = 7,   // protocol version not supported
  kIoError = 8,           // disk write or read failed
  kTimeout = 9,           // no answer in time (client side, or upstream)
  kInternal = 10,         // a bug or an unexpected system failure
  kMoved = 11,            // direct path: this process does not serve the store (any more);
                          // not applied: locate the store again and resend
  kFailed = 12,           // the store gave up restarting (restart intensity): it stays
                          // down until `restart`; retrying does not help
  kConditionFailed = 13,  // a conditional write's condition (version, absence) did not
                          // hold: nothing was applied
};
inline constexpr uint8_t kMaxStatusCode = 13;

// Short stable name of a code, e.g. "not_found"; used in logs and --json output.
FORKV_EXPORT std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
  static Status Malformed(std::string m) { return {StatusCode::kMalformed, std::move(m)}; }
  static Status UnknownOp(std::string m) { return {StatusCode::kUnknownOp, std::move(m)}; }
  static Status VersionMismatch(std::string m) {
    return {StatusCode::kVersionMismatch, std::move(m)};
  }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Moved(std::string m) { return {StatusCode::kMoved, std::move(m)}; }
  static Status Failed(std::string m) { return {StatusCode::kFailed, std::move(m)}; }
  static Status ConditionFailed(std::string m) {
    return {StatusCode::kConditionFailed, std::move(m)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsUnavailable() const { return code_ == StatusCode::kUnavailable; }
  bool IsTimeout() const { return code_ == StatusCode::kTimeout; }
  bool IsInvalidArgument() const { return code_ == StatusCode::kInvalidArgument; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: no such key" or "ok".
  FORKV_EXPORT std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace forkv
