#include "client_cli/transfer.h"

#include <forkv/client.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "client_cli/export_format.h"
#include "client_cli/format.h"
#include "shared/names.h"

namespace forkv::cli {
namespace {

constexpr size_t kBatchRecords = 1024;
constexpr size_t kBatchBytes = 8 << 20;
constexpr size_t kWindow = 256;
// The longest line a valid export can hold: every byte of a maximal key
// and value escaped as \xHH, a TAB and a little room.
constexpr size_t kMaxLineBytes = 4 * (kMaxKeyBytes + kMaxValueBytes) + 64;

Client MakeClient(const TransferOptions& o) {
  return Client(
      ClientOptions{.endpoint = o.endpoint, .timeout = o.timeout, .attempts = o.attempts});
}

int Fail(const Status& status, const TransferOptions& o, FILE* out, FILE* err) {
  Output e = RenderError(status, RenderOptions{.json = o.json});
  std::fputs(e.out.c_str(), out);
  std::fputs(e.err.c_str(), err);
  return e.exit_code;
}

bool Write(FILE* f, const std::string& s) {
  return s.empty() || std::fwrite(s.data(), 1, s.size(), f) == s.size();
}

// One line without its '\n'; false at the end of the input. `*cut` is set
// when the last line has no '\n' (a file cut short).
class LineReader {
 public:
  explicit LineReader(FILE* in) : in_(in) {}
  Result<bool> Next(std::string* line) {
    line->clear();
    for (int c; (c = std::getc(in_)) != EOF;) {
      if (c == '\n') return true;
      line->push_back(static_cast<char>(c));
      if (line->size() > kMaxLineBytes) {
        return Status::TooLarge("a line longer than any valid record (" +
                                std::to_string(kMaxLineBytes) + " bytes)");
      }
    }
    if (std::ferror(in_)) return Status::IoError(std::string("read: ") + std::strerror(errno));
    if (!line->empty()) return Status::Malformed("the last line has no newline: cut short?");
    return false;
  }

 private:
  FILE* in_;
};

// Reads and checks the whole input; `on_record` gets each record, in order
// (nullptr: check only). OK once the trailer matched and nothing followed.
template <typename OnRecord>
Status ReadExport(FILE* in, const std::string& name, OnRecord&& on_record, uint64_t* records) {
  LineReader reader(in);
  std::string line;
  uint64_t line_no = 0;
  bool trailer = false;
  *records = 0;
  auto at = [&](const Status& s) {
    return Status(s.code(), name + ":" + std::to_string(line_no) + ": " + s.message());
  };
  while (true) {
    auto more = reader.Next(&line);
    ++line_no;
    if (!more.ok()) return at(more.status());
    if (!*more) break;
    if (trailer) return at(Status::Malformed("a line after the trailer"));
    auto parsed = ParseExportLine(line);
    if (line_no == 1) {
      if (!parsed.ok() || parsed->kind != ExportLine::Kind::kHeader) {
        return at(Status::Malformed("not a forkv export (the first line is not \"" +
                                    std::string(kExportHeader) + "\")"));
      }
      continue;
    }
    if (!parsed.ok()) return at(parsed.status());
    switch (parsed->kind) {
      case ExportLine::Kind::kHeader:
        return at(Status::Malformed("a second header"));
      case ExportLine::Kind::kTrailer:
        if (parsed->records != *records) {
          return at(Status::Malformed("the trailer counts " + std::to_string(parsed->records) +
                                      " records, the file holds " + std::to_string(*records)));
        }
        trailer = true;
        break;
      case ExportLine::Kind::kRecord: {
        if (Status s = ValidateKey(parsed->key); !s.ok()) return at(s);
        if (Status s = ValidateValue(parsed->value); !s.ok()) return at(s);
        ++*records;
        if (Status s = on_record(std::move(parsed->key), std::move(parsed->value)); !s.ok()) {
          return s;
        }
        break;
      }
    }
  }
  if (line_no == 1) return Status::Malformed(name + ": empty input, not a forkv export");
  if (!trailer) {
    return Status::Malformed(name + ": ends without its \"end N\" trailer: cut short?");
  }
  return Status::Ok();
}

}  // namespace

int RunExport(const TransferOptions& o, FILE* out, FILE* err) {
  Client client = MakeClient(o);
  ScanQuery query{.prefix = o.prefix};
  uint64_t records = 0;
  bool header = false;
  while (true) {
    auto page = client.Scan(o.store, query);
    if (!page.ok()) return Fail(page.status(), TransferOptions{}, out, err);
    std::string chunk;
    if (!header) chunk = std::string(kExportHeader) + "\n";
    header = true;
    for (const auto& [key, value] : page->pairs) chunk += FormatRecord(key, value);
    records += page->pairs.size();
    if (!page->more) chunk += FormatTrailer(records);
    if (!Write(out, chunk) || std::fflush(out) != 0) {
      return Fail(Status::IoError(std::string("write: ") + std::strerror(errno)), {}, out, err);
    }
    if (!page->more) return kExitOk;
    query.after = std::move(page->next_after);
  }
}

int RunImport(const TransferOptions& o, FILE* in, const std::string& in_name, FILE* out,
              FILE* err) {
  struct stat st;
  uint64_t records = 0;
  // A regular file is checked whole first: a malformed one changes nothing.
  if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) {
    Status checked = ReadExport(
        in, in_name, [](std::string&&, std::string&&) { return Status::Ok(); }, &records);
    if (!checked.ok()) return Fail(checked, o, out, err);
    if (std::fseek(in, 0, SEEK_SET) != 0) {
      return Fail(Status::IoError("seek " + in_name + ": " + std::strerror(errno)), o, out, err);
    }
  }
  Client client = MakeClient(o);
  Pipeline pipeline = client.MakePipeline();
  size_t batch_records = 0;
  size_t batch_bytes = 0;
  uint64_t imported = 0;
  auto flush = [&]() -> Status {
    std::vector<Pipeline::Outcome> outcomes = pipeline.Run(kWindow);
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i].status.ok()) {
        const Status& s = outcomes[i].status;
        return Status(s.code(), "put of key " + std::to_string(imported + i + 1) +
                                    " failed: " + s.message() + " (" +
                                    std::to_string(imported + i) + " keys imported before it)");
      }
    }
    imported += outcomes.size();
    batch_records = 0;
    batch_bytes = 0;
    return Status::Ok();
  };
  // From a pipe, records are held until their batch is complete, so a bad
  // line in a batch sends none of it.
  Status read = ReadExport(
      in, in_name,
      [&](std::string&& key, std::string&& value) {
        batch_bytes += key.size() + value.size();
        pipeline.Put(o.store, key, value);
        if (++batch_records >= kBatchRecords || batch_bytes >= kBatchBytes) return flush();
        return Status::Ok();
      },
      &records);
  if (read.ok() && pipeline.size() > 0) read = flush();
  if (!read.ok()) {
    if (imported > 0 && read.message().find("imported") == std::string::npos) {
      read = Status(read.code(), read.message() + " (" + std::to_string(imported) +
                                     " keys were imported before it)");
    }
    return Fail(read, o, out, err);
  }
  std::string summary =
      o.json ? DumpJson({{"ok", true}, {"store", o.store}, {"imported", imported}}) + "\n"
             : "imported " + std::to_string(imported) + " keys into " + o.store + "\n";
  Write(out, summary);
  return kExitOk;
}

}  // namespace forkv::cli
