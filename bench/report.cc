#include "bench/report.h"

#include <cstdarg>
#include <cstdio>

namespace forkv::bench {

std::string Fmt(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  int n = std::vsnprintf(buf, sizeof(buf), format, ap);
  va_end(ap);
  if (n < 0) return "";
  return std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
}

namespace {

double Micros(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

// The latency columns shared by every rendering.
struct Percentiles {
  uint64_t p50, p90, p99, p999, max;
};
Percentiles PercentilesOf(const LatencyHistogram& h) {
  return {h.Percentile(50), h.Percentile(90), h.Percentile(99), h.Percentile(99.9), h.max()};
}

// CSV fields here never contain commas or quotes except error texts, which
// are not in the CSV; names are quoted anyway when they would need it.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JoinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

double TestResult::OpsPerSecond() const {
  if (seconds <= 0) return 0;
  return static_cast<double>(requests) / seconds;
}

std::string FormatLatency(uint64_t ns) {
  if (ns < 1'000'000) return Fmt("%.0f us", Micros(ns));
  if (ns < 1'000'000'000) return Fmt("%.2f ms", static_cast<double>(ns) / 1e6);
  return Fmt("%.2f s", static_cast<double>(ns) / 1e9);
}

std::string FormatMillis(double ms) {
  if (ms < 10) return Fmt("%.2f ms", ms);
  if (ms < 1000) return Fmt("%.0f ms", ms);
  return Fmt("%.2f s", ms / 1000);
}

std::string HumanPreamble(const BenchConfig& c) {
  std::string out = "forkv-bench: ";
  if (c.spawned) {
    out += Fmt("private forkv-manager (--fsync %s, --db-workers %d", c.fsync.c_str(), c.db_workers);
    if (!c.manager_args.empty()) out += ", " + JoinArgs(c.manager_args);
    out += ")";
  } else {
    out += "forkv-manager at " + c.endpoint;
  }
  out += Fmt("\n  %d clients, pipeline %d, %zu-byte values, keyspace %llu per store, %d store%s",
             c.clients, c.pipeline, c.value_bytes, static_cast<unsigned long long>(c.keyspace),
             c.stores, c.stores == 1 ? "" : "s");
  if (c.requests > 0) out += Fmt(", %llu requests", static_cast<unsigned long long>(c.requests));
  if (c.duration_limit_s > 0) out += Fmt(" (at most %.0f s per test)", c.duration_limit_s);
  out += ", " + c.path + " path";
  return out + "\n";
}

std::string HumanTableHeader() {
  return Fmt("%-9s %9s %7s %10s %9s %9s %9s %9s %9s\n", "test", "requests", "errors", "ops/s",
             "p50", "p90", "p99", "p99.9", "max");
}

std::string HumanTestRow(const TestResult& r) {
  Percentiles p = PercentilesOf(r.latency_ns);
  std::string out = Fmt(
      "%-9s %9llu %7llu %10.0f %9s %9s %9s %9s %9s\n", r.name.c_str(),
      static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.errors),
      r.OpsPerSecond(), FormatLatency(p.p50).c_str(), FormatLatency(p.p90).c_str(),
      FormatLatency(p.p99).c_str(), FormatLatency(p.p999).c_str(), FormatLatency(p.max).c_str());
  if (r.not_found > 0) {
    out += Fmt("        not found: %llu (absent keys; not errors)\n",
               static_cast<unsigned long long>(r.not_found));
  }
  if (r.group_commit) {
    const GroupCommit& g = *r.group_commit;
    out += Fmt("        group commit: %.1f writes/batch (%llu writes in %llu batches%s)\n",
               g.WritesPerBatch(), static_cast<unsigned long long>(g.writes),
               static_cast<unsigned long long>(g.batches),
               g.approximate ? "; approximate: stats did not settle" : "");
  }
  if (!r.first_error.empty()) out += "        first error: " + r.first_error + "\n";
  return out;
}

std::string HumanLoad(const LoadResult& r) {
  std::string out;
  out += Fmt("create a store (create op round trip, %zu creates): median %s (min %s, max %s)",
             r.create_ms.count, FormatMillis(r.create_ms.median).c_str(),
             FormatMillis(r.create_ms.min).c_str(), FormatMillis(r.create_ms.max).c_str());
  if (r.create_errors > 0) {
    out += Fmt(", %llu errors", static_cast<unsigned long long>(r.create_errors));
  }
  out += "\n";
  out += Fmt("kill -9 of an empty store to its first reply (%zu kills): median %s (min %s, max %s)",
             r.empty_restart_ms.count, FormatMillis(r.empty_restart_ms.median).c_str(),
             FormatMillis(r.empty_restart_ms.min).c_str(),
             FormatMillis(r.empty_restart_ms.max).c_str());
  if (r.empty_restart_errors > 0) {
    out += Fmt(", %llu errors", static_cast<unsigned long long>(r.empty_restart_errors));
  }
  out += "\n";
  const double fill_rate = r.fill_seconds > 0 ? static_cast<double>(r.keys) / r.fill_seconds : 0;
  out += Fmt("fill %llu keys x %zu-byte values: %.1f s (%.0f puts/s), %llu errors\n",
             static_cast<unsigned long long>(r.keys), r.value_bytes, r.fill_seconds, fill_rate,
             static_cast<unsigned long long>(r.fill_errors));
  if (r.reload_ms) {
    out +=
        Fmt("reload after kill -9 (%llu keys): %s until a get succeeded (%llu gets); "
            "%llu keys after reload\n",
            static_cast<unsigned long long>(r.keys), FormatMillis(*r.reload_ms).c_str(),
            static_cast<unsigned long long>(r.reload_attempts),
            static_cast<unsigned long long>(r.keys_after_reload));
  } else {
    out += Fmt("reload after kill -9 (%llu keys): NO successful get within %g s (%llu gets)\n",
               static_cast<unsigned long long>(r.keys), r.reload_limit_s,
               static_cast<unsigned long long>(r.reload_attempts));
  }
  for (const auto& n : r.notes) out += "  note: " + n + "\n";
  return out;
}

std::string CsvTestHeader() {
  return "test,clients,pipeline,value_bytes,keyspace,stores,fsync,db_workers,requests,ok,"
         "not_found,errors,seconds,ops_per_sec,p50_us,p90_us,p99_us,p999_us,max_us,writes,"
         "batches,writes_per_batch,batch_stats_approximate\n";
}

std::string CsvTestRow(const BenchConfig& c, const TestResult& r) {
  Percentiles p = PercentilesOf(r.latency_ns);
  std::string out = CsvField(r.name);
  out += Fmt(",%d,%d,%zu,%llu,%d,%s,%d", c.clients, c.pipeline, c.value_bytes,
             static_cast<unsigned long long>(c.keyspace), c.stores,
             c.spawned ? c.fsync.c_str() : "", c.db_workers);
  out += Fmt(",%llu,%llu,%llu,%llu,%.3f,%.1f", static_cast<unsigned long long>(r.requests),
             static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.not_found),
             static_cast<unsigned long long>(r.errors), r.seconds, r.OpsPerSecond());
  out += Fmt(",%.1f,%.1f,%.1f,%.1f,%.1f", Micros(p.p50), Micros(p.p90), Micros(p.p99),
             Micros(p.p999), Micros(p.max));
  if (r.group_commit) {
    out += Fmt(",%llu,%llu,%.2f,%d", static_cast<unsigned long long>(r.group_commit->writes),
               static_cast<unsigned long long>(r.group_commit->batches),
               r.group_commit->WritesPerBatch(), r.group_commit->approximate ? 1 : 0);
  } else {
    out += ",,,,";
  }
  return out + "\n";
}

std::string CsvLoad(const BenchConfig& c, const LoadResult& r) {
  std::string out = "metric,value,unit\n";
  auto row = [&out](const char* metric, double value, const char* unit) {
    const bool whole = value == static_cast<double>(static_cast<int64_t>(value));
    out +=
        whole ? Fmt("%s,%.0f,%s\n", metric, value, unit) : Fmt("%s,%.3f,%s\n", metric, value, unit);
  };
  row("db_workers", c.db_workers, "");
  row("keys", static_cast<double>(r.keys), "keys");
  row("value_bytes", static_cast<double>(r.value_bytes), "bytes");
  row("fill_seconds", r.fill_seconds, "s");
  row("fill_errors", static_cast<double>(r.fill_errors), "requests");
  if (r.reload_ms) {
    row("reload_ms", *r.reload_ms, "ms");
  } else {
    out += Fmt("reload_ms,,ms (no successful get within %g s)\n", r.reload_limit_s);
  }
  row("keys_after_reload", static_cast<double>(r.keys_after_reload), "keys");
  row("empty_restart_median_ms", r.empty_restart_ms.median, "ms");
  row("empty_restart_min_ms", r.empty_restart_ms.min, "ms");
  row("empty_restart_max_ms", r.empty_restart_ms.max, "ms");
  row("empty_restart_samples", static_cast<double>(r.empty_restart_ms.count), "");
  row("create_median_ms", r.create_ms.median, "ms");
  row("create_min_ms", r.create_ms.min, "ms");
  row("create_max_ms", r.create_ms.max, "ms");
  row("create_samples", static_cast<double>(r.create_ms.count), "");
  return out;
}

nlohmann::json ConfigJson(const BenchConfig& c) {
  nlohmann::json j = {
      {"endpoint", c.endpoint}, {"spawned", c.spawned},   {"clients", c.clients},
      {"pipeline", c.pipeline}, {"requests", c.requests}, {"value_bytes", c.value_bytes},
      {"keyspace", c.keyspace}, {"stores", c.stores},     {"duration_limit_s", c.duration_limit_s}};
  if (c.spawned) {
    j["fsync"] = c.fsync;
    j["db_workers"] = c.db_workers;
    j["manager_args"] = c.manager_args;
  }
  return j;
}

nlohmann::json TestJson(const TestResult& r) {
  Percentiles p = PercentilesOf(r.latency_ns);
  nlohmann::json j = {
      {"test", r.name},
      {"requests", r.requests},
      {"ok", r.ok},
      {"not_found", r.not_found},
      {"errors", r.errors},
      {"seconds", r.seconds},
      {"ops_per_sec", r.OpsPerSecond()},
      {"latency_us",
       {{"p50", Micros(p.p50)},
        {"p90", Micros(p.p90)},
        {"p99", Micros(p.p99)},
        {"p99.9", Micros(p.p999)},
        {"max", Micros(p.max)},
        {"mean", r.latency_ns.Mean() / 1000.0}}},
  };
  if (r.group_commit) {
    j["group_commit"] = {{"writes", r.group_commit->writes},
                         {"batches", r.group_commit->batches},
                         {"writes_per_batch", r.group_commit->WritesPerBatch()},
                         {"approximate", r.group_commit->approximate}};
  }
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  return j;
}

nlohmann::json LoadJson(const LoadResult& r) {
  auto summary = [](const SampleSummary& s) {
    return nlohmann::json{
        {"samples", s.count}, {"median", s.median}, {"min", s.min}, {"max", s.max}};
  };
  nlohmann::json j = {
      {"keys", r.keys},
      {"value_bytes", r.value_bytes},
      {"fill_seconds", r.fill_seconds},
      {"fill_errors", r.fill_errors},
      {"reload_ms", r.reload_ms ? nlohmann::json(*r.reload_ms) : nlohmann::json(nullptr)},
      {"reload_limit_s", r.reload_limit_s},
      {"reload_attempts", r.reload_attempts},
      {"keys_after_reload", r.keys_after_reload},
      {"empty_restart_ms", summary(r.empty_restart_ms)},
      {"empty_restart_errors", r.empty_restart_errors},
      {"create_ms", summary(r.create_ms)},
      {"create_errors", r.create_errors},
      {"notes", r.notes},
  };
  return j;
}

}  // namespace forkv::bench
