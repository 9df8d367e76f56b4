// The figure modes' results (figures.h) and their renderings: a human table,
// CSV (--csv) and JSON (--json). Pure: builds strings, prints nothing.
//
// Every figure is a summary of samples (SampleSummary): kill -> first get
// times over the trials, create times, memory of each idle store. A single
// measurement (the manager's memory) is a summary of one sample.
// CSV: "mode,figure,unit,samples,errors,median,p99,min,max,mean", one line
// per figure; JSON: {"config", "mode", "figures": [...], "notes": [...]}.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/latency_histogram.h"
#include "bench/report.h"

namespace forkv::bench {

struct Figure {
  std::string name;  // machine name: "recovery_empty", "store_pss", ...
  std::string what;  // human description
  std::string unit;  // "ms", "s" or "KiB"
  SampleSummary summary;
  uint64_t errors = 0;  // trials that produced no sample
};

struct FigureSet {
  std::string mode;  // "recovery", "create", "memory"
  std::vector<Figure> figures;
  std::vector<std::string> notes;  // findings: failures, unexpected states
};

// "850 KiB", "1.25 MiB", "12.3 GiB".
std::string FormatKib(double kib);

std::string HumanFigures(const FigureSet& set);
std::string CsvFigures(const FigureSet& set);
nlohmann::json FiguresJson(const BenchConfig& config, const FigureSet& set);

}  // namespace forkv::bench
