// The export format (client_cli/export_format.h): every byte round-trips,
// text stays readable, and anything that is not a header, record or trailer
// is refused with what is wrong.
#include "client_cli/export_format.h"

#include <gtest/gtest.h>

namespace forkv::cli {
namespace {

std::string AllBytes() {
  std::string s;
  for (int c = 0; c < 256; ++c) s.push_back(static_cast<char>(c));
  return s;
}

TEST(ExportFormatTest, EveryByteValueRoundTrips) {
  const std::string all = AllBytes();
  std::string line = FormatRecord(all, all + all);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto parsed = ParseExportLine(line);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->kind, ExportLine::Kind::kRecord);
  EXPECT_EQ(parsed->key, all);
  EXPECT_EQ(parsed->value, all + all);
  for (int c = 0; c < 256; ++c) {
    std::string one(1, static_cast<char>(c));
    std::string escaped;
    AppendEscaped(one, &escaped);
    auto back = Unescape(escaped);
    ASSERT_TRUE(back.ok()) << c;
    EXPECT_EQ(*back, one) << c;
  }
}

TEST(ExportFormatTest, TextStaysReadable) {
  EXPECT_EQ(FormatRecord("user:1", "{\"name\": \"Zoë\"}"), "user:1\t{\"name\": \"Zoë\"}\n");
  EXPECT_EQ(FormatRecord("a\tb", "x\ny\\z\r\x01\x7f"), "a\\tb\tx\\ny\\\\z\\r\\x01\\x7f\n");
  EXPECT_EQ(FormatRecord("k", ""), "k\t\n");
  EXPECT_EQ(FormatTrailer(1000000), "end 1000000\n");
}

TEST(ExportFormatTest, HeaderAndTrailerAreKnown) {
  auto header = ParseExportLine("forkv-export 1");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->kind, ExportLine::Kind::kHeader);
  auto trailer = ParseExportLine("end 42");
  ASSERT_TRUE(trailer.ok());
  EXPECT_EQ(trailer->kind, ExportLine::Kind::kTrailer);
  EXPECT_EQ(trailer->records, 42u);
  auto empty_value = ParseExportLine("k\t");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->value, "");
}

TEST(ExportFormatTest, MalformedLinesSayWhatIsWrong) {
  struct Case {
    const char* line;
    const char* says;
  };
  for (const Case& c :
       {Case{"forkv-export 2", "no TAB"}, Case{"end", "no TAB"}, Case{"end 12x", "no TAB"},
        Case{"end -1", "no TAB"}, Case{"a\tb\tc", "more than one TAB"},
        Case{"a\\q\tb", "unknown escape"}, Case{"a\tb\\", "lone"},
        Case{"a\\x4\tb", "two lowercase hex"}, Case{"a\\x4F\tb", "two lowercase hex"},
        Case{"a\r\tb", "raw control"}, Case{"a\tb\x7f", "raw control"}}) {
    auto r = ParseExportLine(c.line);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.status().code(), StatusCode::kMalformed) << c.line;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.line << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace forkv::cli
