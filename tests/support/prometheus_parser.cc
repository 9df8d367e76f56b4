#include "tests/support/prometheus_parser.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace forkv::testing {
namespace {

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

Status Bad(size_t line_no, const std::string& line, const std::string& why) {
  return Status::Malformed("line " + std::to_string(line_no) + ": " + why + ": " + line);
}

// The family a sample belongs to: histogram samples carry a suffix.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

}  // namespace

std::optional<double> PromExposition::Find(const std::string& name,
                                           const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

double PromExposition::Sum(const std::string& name,
                           const std::map<std::string, std::string>& labels) const {
  double total = 0;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (match) total += s.value;
  }
  return total;
}

Result<PromExposition> ParsePrometheusText(const std::string& text) {
  PromExposition out;
  std::set<std::string> seen_samples_of;  // families whose samples have started
  std::set<std::string> closed;           // families followed by another family's samples
  std::string current;
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  if (!text.empty() && text.back() != '\n') return Status::Malformed("no final newline");
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kind, name, rest;
      ls >> hash >> kind >> name;
      if (kind == "TYPE") {
        ls >> rest;
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.count(rest)) return Bad(n, line, "unknown type");
        if (out.types.count(name)) return Bad(n, line, "second TYPE for a family");
        if (seen_samples_of.count(name)) return Bad(n, line, "TYPE after samples");
        out.types[name] = rest;
      }
      continue;
    }
    PromSample s;
    size_t i = 0;
    if (!IsNameStart(line[0])) return Bad(n, line, "bad metric name");
    while (i < line.size() && IsNameChar(line[i])) ++i;
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t start = i;
        while (i < line.size() && IsNameChar(line[i])) ++i;
        std::string label = line.substr(start, i - start);
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          return Bad(n, line, "bad label");
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            char e = line[i + 1];
            if (e == 'n')
              value.push_back('\n');
            else if (e == '\\' || e == '"')
              value.push_back(e);
            else
              return Bad(n, line, "bad escape");
            i += 2;
          } else {
            value.push_back(line[i++]);
          }
        }
        if (i >= line.size()) return Bad(n, line, "unterminated label value");
        ++i;  // closing quote
        if (s.labels.count(label)) return Bad(n, line, "repeated label");
        s.labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return Bad(n, line, "unterminated label set");
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') return Bad(n, line, "no value");
    std::string value = line.substr(i + 1);
    if (value == "+Inf") {
      s.value = HUGE_VAL;
    } else if (value == "-Inf") {
      s.value = -HUGE_VAL;
    } else {
      char* end = nullptr;
      s.value = std::strtod(value.c_str(), &end);
      if (value.empty() || end == nullptr || *end != '\0') return Bad(n, line, "bad value");
    }
    std::string family = FamilyOf(s.name, out.types);
    if (family != current) {
      if (closed.count(family)) return Bad(n, line, "family's samples are not contiguous");
      if (!current.empty()) closed.insert(current);
      current = family;
    }
    seen_samples_of.insert(family);
    out.samples.push_back(std::move(s));
  }
  // Histograms: cumulative buckets ending in +Inf == _count, per label set.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> series;
    for (const auto& s : out.samples) {
      if (s.name != family + "_bucket") continue;
      auto labels = s.labels;
      auto le = labels.find("le");
      if (le == labels.end()) return Status::Malformed(family + ": bucket without le");
      double bound = le->second == "+Inf" ? HUGE_VAL : std::strtod(le->second.c_str(), nullptr);
      labels.erase(le);
      series[labels].push_back({bound, s.value});
    }
    for (const auto& [labels, buckets] : series) {
      for (size_t i = 1; i < buckets.size(); ++i) {
        if (buckets[i].first <= buckets[i - 1].first || buckets[i].second < buckets[i - 1].second) {
          return Status::Malformed(family + ": buckets not increasing/cumulative");
        }
      }
      if (buckets.empty() || buckets.back().first != HUGE_VAL) {
        return Status::Malformed(family + ": no +Inf bucket");
      }
      auto count = out.Find(family + "_count", labels);
      if (!count || *count != buckets.back().second) {
        return Status::Malformed(family + ": +Inf bucket != _count");
      }
    }
  }
  return out;
}

}  // namespace forkv::testing
