#include "bench/figures_report.h"

#include <cstdarg>
#include <cstdio>

#include "bench/report.h"

namespace forkv::bench {
namespace {

std::string FormatValue(double v, const std::string& unit) {
  if (unit == "ms") return FormatMillis(v);
  if (unit == "s") return Fmt("%.2f s", v);
  if (unit == "KiB") return FormatKib(v);
  return Fmt("%g %s", v, unit.c_str());
}

}  // namespace

std::string FormatKib(double kib) {
  if (kib < 1024) return Fmt("%.0f KiB", kib);
  if (kib < 1024.0 * 1024) return Fmt("%.2f MiB", kib / 1024);
  return Fmt("%.2f GiB", kib / (1024.0 * 1024));
}

std::string HumanFigures(const FigureSet& set) {
  std::string out = Fmt("%-58s %7s %6s %10s %10s %10s %10s %10s\n", "figure", "samples", "errors",
                        "median", "p99", "min", "max", "mean");
  for (const auto& f : set.figures) {
    const SampleSummary& s = f.summary;
    if (s.count == 0) {
      out += Fmt("%-58s %7zu %6llu %10s\n", f.what.c_str(), s.count,
                 static_cast<unsigned long long>(f.errors), "-");
      continue;
    }
    out += Fmt("%-58s %7zu %6llu %10s %10s %10s %10s %10s\n", f.what.c_str(), s.count,
               static_cast<unsigned long long>(f.errors), FormatValue(s.median, f.unit).c_str(),
               FormatValue(s.p99, f.unit).c_str(), FormatValue(s.min, f.unit).c_str(),
               FormatValue(s.max, f.unit).c_str(), FormatValue(s.mean, f.unit).c_str());
  }
  for (const auto& n : set.notes) out += "  note: " + n + "\n";
  return out;
}

std::string CsvFigures(const FigureSet& set) {
  std::string out = "mode,figure,unit,samples,errors,median,p99,min,max,mean\n";
  for (const auto& f : set.figures) {
    const SampleSummary& s = f.summary;
    out += Fmt("%s,%s,%s,%zu,%llu", set.mode.c_str(), f.name.c_str(), f.unit.c_str(), s.count,
               static_cast<unsigned long long>(f.errors));
    if (s.count == 0) {
      out += ",,,,,\n";
    } else {
      out += Fmt(",%.3f,%.3f,%.3f,%.3f,%.3f\n", s.median, s.p99, s.min, s.max, s.mean);
    }
  }
  return out;
}

nlohmann::json FiguresJson(const BenchConfig& config, const FigureSet& set) {
  nlohmann::json figures = nlohmann::json::array();
  for (const auto& f : set.figures) {
    const SampleSummary& s = f.summary;
    nlohmann::json j = {{"figure", f.name},
                        {"what", f.what},
                        {"unit", f.unit},
                        {"samples", s.count},
                        {"errors", f.errors}};
    if (s.count > 0) {
      j["median"] = s.median;
      j["p99"] = s.p99;
      j["min"] = s.min;
      j["max"] = s.max;
      j["mean"] = s.mean;
    }
    figures.push_back(std::move(j));
  }
  return {{"config", ConfigJson(config)},
          {"mode", set.mode},
          {"figures", figures},
          {"notes", set.notes}};
}

}  // namespace forkv::bench
