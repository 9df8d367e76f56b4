// forkv-bench's results and their three renderings: a human table (default),
// CSV (--csv) and JSON (--json). Pure: builds strings, prints nothing.
//
// Units: latencies are recorded in nanoseconds; the table shows them with a
// unit ("85 us", "1.23 ms", "2.05 s"), CSV and JSON in microseconds.
// CSV rows repeat the configuration columns so that the rows of several runs
// can be concatenated into one table (run_persistence_bench.sh does).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/latency_histogram.h"
#include "bench/server_stats.h"

namespace forkv::bench {

// printf into a std::string (at most 511 bytes).
__attribute__((format(printf, 1, 2))) std::string Fmt(const char* format, ...);

enum class OutputFormat { kHuman, kCsv, kJson };

// What a run was pointed at and with which load.
struct BenchConfig {
  std::string endpoint;
  bool spawned = false;                   // a private manager started by forkv-bench
  std::string fsync;                      // spawned only; "" otherwise
  int db_workers = 0;                     // spawned only; 0 otherwise
  std::vector<std::string> manager_args;  // spawned only: extra flags given to it
  int clients = 0;
  int pipeline = 0;
  uint64_t requests = 0;
  size_t value_bytes = 0;
  uint64_t keyspace = 0;
  int stores = 0;
  double duration_limit_s = 0;  // 0 = none
  std::string path = "direct";  // direct | manager (--path)
};

// One test (put, get, del, mixed).
struct TestResult {
  std::string name;
  uint64_t requests = 0;  // requests answered or failed
  uint64_t ok = 0;
  uint64_t not_found = 0;  // get/del of an absent key: an answer, not an error
  uint64_t errors = 0;     // any other code, timeouts and transport failures
  double seconds = 0;      // first send to last reply
  LatencyHistogram latency_ns;
  std::optional<GroupCommit> group_commit;  // tests that write
  std::string first_error;

  double OpsPerSecond() const;
};

// The --load-keys mode.
struct LoadResult {
  uint64_t keys = 0;
  size_t value_bytes = 0;
  double fill_seconds = 0;
  uint64_t fill_errors = 0;
  // Time from SIGKILL of the filled store to the first successful get.
  std::optional<double> reload_ms;  // nullopt: never answered in time
  double reload_limit_s = 0;
  uint64_t keys_after_reload = 0;
  uint64_t reload_attempts = 0;    // gets sent until one succeeded
  SampleSummary empty_restart_ms;  // SIGKILL of an empty store to its first reply
  uint64_t empty_restart_errors = 0;
  SampleSummary create_ms;  // create op round trip of a new store
  uint64_t create_errors = 0;
  std::vector<std::string> notes;  // findings: failures, states, timeouts
};

// "85 us", "1.23 ms", "2.05 s".
std::string FormatLatency(uint64_t ns);
// "1.9 s", "850 ms".
std::string FormatMillis(double ms);

// The human rendering: a description of the run, then a header line and one
// row per test (printed as each test ends), with indented detail lines.
std::string HumanPreamble(const BenchConfig& config);
std::string HumanTableHeader();
std::string HumanTestRow(const TestResult& result);
std::string HumanLoad(const LoadResult& result);

// CSV: a header line, then one line per test.
std::string CsvTestHeader();
std::string CsvTestRow(const BenchConfig& config, const TestResult& result);
// The load mode as "metric,value,unit" lines, header included.
std::string CsvLoad(const BenchConfig& config, const LoadResult& result);

nlohmann::json ConfigJson(const BenchConfig& config);
nlohmann::json TestJson(const TestResult& result);
nlohmann::json LoadJson(const LoadResult& result);

}  // namespace forkv::bench
