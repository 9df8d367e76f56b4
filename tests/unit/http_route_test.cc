#include <gtest/gtest.h>

#include "http_gateway/route.h"

namespace forkv::http {
namespace {

TEST(HttpRouteTest, FixedPaths) {
  EXPECT_EQ(ParseTarget("/")->kind, RouteKind::kStatusPage);
  EXPECT_EQ(ParseTarget("/healthz")->kind, RouteKind::kHealthz);
  EXPECT_EQ(ParseTarget("/readyz")->kind, RouteKind::kReadyz);
  EXPECT_EQ(ParseTarget("/metrics")->kind, RouteKind::kMetrics);
  EXPECT_EQ(ParseTarget("/v1/status")->kind, RouteKind::kStatus);
  EXPECT_EQ(ParseTarget("/v1/stores")->kind, RouteKind::kStores);
  EXPECT_EQ(ParseTarget("/v1/stores?x=1")->kind, RouteKind::kStores);
  EXPECT_EQ(ParseTarget("/nope")->kind, RouteKind::kUnknown);
  EXPECT_EQ(ParseTarget("/v1/storesX")->kind, RouteKind::kUnknown);
  EXPECT_EQ(ParseTarget("/v1/stores/a/other")->kind, RouteKind::kUnknown);
}

TEST(HttpRouteTest, StoreAndKeyArePercentDecoded) {
  auto r = ParseTarget("/v1/stores/users/keys/a%2Fb%00c+d");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, RouteKind::kKey);
  EXPECT_EQ(r->store, "users");
  EXPECT_EQ(r->key, std::string("a/b\0c+d", 7));  // '+' is literal in a path

  auto store = ParseTarget("/v1/stores/my%2Dstore");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->kind, RouteKind::kStore);
  EXPECT_EQ(store->store, "my-store");
}

TEST(HttpRouteTest, KeyIsTheRestOfThePath) {
  auto r = ParseTarget("/v1/stores/s/keys/a/b/c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, RouteKind::kKey);
  EXPECT_EQ(r->key, "a/b/c");
  // An empty key segment is a key route with an empty key (rejected later).
  auto empty = ParseTarget("/v1/stores/s/keys/");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->kind, RouteKind::kStoreKeys);
}

TEST(HttpRouteTest, KeyListingQuery) {
  auto r = ParseTarget("/v1/stores/s/keys?prefix=user%3A+1&limit=25&other=x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, RouteKind::kStoreKeys);
  EXPECT_EQ(r->prefix, "user: 1");  // '+' is a space in a query
  EXPECT_EQ(r->limit, 25u);
  auto none = ParseTarget("/v1/stores/s/keys");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->prefix, "");
  EXPECT_EQ(none->limit, 0u);
}

TEST(HttpRouteTest, StoresPageQuery) {
  auto r = ParseTarget("/v1/stores?limit=7&after=s09&state=hibernating");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, RouteKind::kStores);
  EXPECT_EQ(r->limit, 7u);
  EXPECT_EQ(r->after, "s09");
  EXPECT_EQ(r->state, "hibernating");
  auto none = ParseTarget("/v1/stores");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->limit, 0u);  // absent: the manager's default page
  EXPECT_EQ(none->after, "");
  EXPECT_EQ(none->state, "");
  EXPECT_TRUE(ParseTarget("/v1/stores?limit=10000").ok());
  for (const char* t : {"/v1/stores?limit=0", "/v1/stores?limit=10001", "/v1/stores?limit=x",
                        "/v1/stores?state=asleep", "/v1/stores?after=%zz"}) {
    auto bad = ParseTarget(t);
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << t;
  }
  auto state = ParseTarget("/v1/stores?state=asleep");
  EXPECT_NE(state.status().message().find("hibernating"), std::string::npos)
      << state.status().message();
  EXPECT_FALSE(ParseTarget("/v1/stores?after=" + std::string(129, 'a')).ok());
}

TEST(HttpRouteTest, BadInputIsInvalidArgument) {
  for (const char* t :
       {"/v1/stores/s/keys/%", "/v1/stores/s/keys/%4", "/v1/stores/s/keys/%zz", "/v1/stores/%G1",
        "/v1/stores/s/keys?limit=-1", "/v1/stores/s/keys?limit=abc", "/v1/stores/s/keys?limit=",
        "/v1/stores/s/keys?limit=99999999999999999999999", "/v1/stores/s/keys?prefix=%"}) {
    auto r = ParseTarget(t);
    EXPECT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << t;
  }
}

TEST(HttpRouteTest, PercentEncodeRoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string enc = PercentEncode(all);
  EXPECT_EQ(enc.find('/'), std::string::npos);
  EXPECT_EQ(enc.find('+'), std::string::npos);
  auto dec = PercentDecode(enc, false);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, all);
}

TEST(HttpRouteTest, MethodsPerRoute) {
  EXPECT_TRUE(Allows(RouteKind::kKey, Method::kGet));
  EXPECT_TRUE(Allows(RouteKind::kKey, Method::kHead));
  EXPECT_TRUE(Allows(RouteKind::kKey, Method::kPut));
  EXPECT_TRUE(Allows(RouteKind::kKey, Method::kDelete));
  EXPECT_FALSE(Allows(RouteKind::kKey, Method::kPost));
  EXPECT_TRUE(Allows(RouteKind::kStore, Method::kPut));
  EXPECT_FALSE(Allows(RouteKind::kStores, Method::kPut));
  EXPECT_FALSE(Allows(RouteKind::kMetrics, Method::kDelete));
  EXPECT_FALSE(Allows(RouteKind::kUnknown, Method::kGet));
  EXPECT_EQ(AllowHeader(RouteKind::kKey), "GET, HEAD, PUT, DELETE, OPTIONS");
  EXPECT_EQ(AllowHeader(RouteKind::kHealthz), "GET, HEAD, OPTIONS");
  EXPECT_EQ(ParseMethod("OPTIONS"), Method::kOptions);
  EXPECT_EQ(ParseMethod("PATCH"), Method::kOther);
}

TEST(HttpRouteTest, OpLabels) {
  EXPECT_EQ(OpLabel(RouteKind::kKey, Method::kGet), "get");
  EXPECT_EQ(OpLabel(RouteKind::kKey, Method::kPut), "put");
  EXPECT_EQ(OpLabel(RouteKind::kKey, Method::kDelete), "del");
  EXPECT_EQ(OpLabel(RouteKind::kStore, Method::kPut), "create_store");
  EXPECT_EQ(OpLabel(RouteKind::kStore, Method::kDelete), "drop_store");
  EXPECT_EQ(OpLabel(RouteKind::kStore, Method::kGet), "store_info");
  EXPECT_EQ(OpLabel(RouteKind::kStoreKeys, Method::kGet), "list_keys");
  EXPECT_EQ(OpLabel(RouteKind::kUnknown, Method::kGet), "other");
}

}  // namespace
}  // namespace forkv::http

namespace forkv::http {
namespace {

TEST(HttpRouteTest, KeyConditionsFromIfMatchAndIfNoneMatch) {
  EXPECT_EQ(ETagOf(12), "\"12\"");
  auto none = ParseKeyCondition("", "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto match = ParseKeyCondition(" \"12\" ", "");
  ASSERT_TRUE(match.ok()) << match.status().ToString();
  EXPECT_EQ(**match, 12u);
  auto absent = ParseKeyCondition("", "*");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(**absent, 0u);
  for (auto [if_match, if_none_match] :
       std::vector<std::pair<std::string, std::string>>{{"\"1\"", "*"},
                                                        {"*", ""},
                                                        {"12", ""},
                                                        {"W/\"12\"", ""},
                                                        {"\"1\", \"2\"", ""},
                                                        {"\"0\"", ""},
                                                        {"\"x\"", ""},
                                                        {"\"\"", ""},
                                                        {"\"18446744073709551616\"", ""},
                                                        {"", "\"12\""}}) {
    EXPECT_EQ(ParseKeyCondition(if_match, if_none_match).status().code(),
              StatusCode::kInvalidArgument)
        << "If-Match [" << if_match << "] If-None-Match [" << if_none_match << "]";
  }
}

TEST(HttpRouteTest, KeyListingsTakeAnAfterCursor) {
  auto r = ParseTarget("/v1/stores/s/keys?after=k%2F9&limit=2&prefix=k");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, RouteKind::kStoreKeys);
  EXPECT_EQ(r->after, "k/9");
  EXPECT_EQ(r->limit, 2u);
}

}  // namespace
}  // namespace forkv::http
