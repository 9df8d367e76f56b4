#include "http_gateway/http_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace forkv::http {
namespace {

TEST(HttpErrorsTest, EveryForkvCodeHasAnHttpStatus) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kMalformed), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIoError), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTimeout), 504);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnknownOp), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::kVersionMismatch), 502);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(RetryAfterSecondsFor(StatusCode::kUnavailable), 1);
  EXPECT_EQ(RetryAfterSecondsFor(StatusCode::kNotFound), 0);
}

TEST(HttpErrorsTest, ErrorBodyIsJsonEvenWithBinaryInTheMessage) {
  std::string msg = std::string("no such key 'a\xff\0b'", 19);
  auto body = nlohmann::json::parse(ErrorJson(Status::NotFound(msg)));
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["http_status"], 404);
  EXPECT_EQ(body["code"], "not_found");
  EXPECT_TRUE(body["message"].get<std::string>().starts_with("no such key"));
}

}  // namespace
}  // namespace forkv::http
