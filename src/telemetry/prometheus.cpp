// The text exposition format 0.0.4 (escaping, number formatting, ordering) and /proc reading
// for the process_* metrics.
#include "telemetry/prometheus.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace gantry::telemetry {
namespace {

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

// {a="1",b="2"} (labels already sorted), with `extra` (le) last; "" when there are none.
std::string label_text(const Labels& labels, const char* extra_name = nullptr,
                       const std::string& extra_value = {}) {
  if (labels.empty() && !extra_name) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  if (extra_name) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += escape_label_value(extra_value);
    out += '"';
  }
  out += '}';
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void HistogramSample::observe(double value) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) ++cumulative[i];
  }
  ++count;
  sum += value;
}

Result<HistogramSample> cumulate_bins(std::span<const std::uint64_t> bounds,
                                      std::span<const std::uint64_t> bin_counts,
                                      const std::function<std::uint64_t(std::size_t)>& edge,
                                      std::uint64_t sum, double unit_divisor) {
  HistogramSample out;
  out.bounds.reserve(bounds.size());
  out.cumulative.assign(bounds.size(), 0);
  for (std::size_t k = 0; k < bounds.size(); ++k) {
    if (k > 0 && bounds[k] <= bounds[k - 1]) {
      return make_error(ErrorCode::Invalid, "histogram bounds must ascend");
    }
    out.bounds.push_back(static_cast<double>(bounds[k]) / unit_divisor);
  }
  std::size_t k = 0;  // the first bound at or above the current bin's upper edge
  std::uint64_t low = 0;
  std::uint64_t below = 0;  // observations in the bins seen so far
  for (std::size_t i = 0; i < bin_counts.size(); ++i) {
    const std::uint64_t high = edge(i);
    // Bounds at or below this bin's lower edge have seen every bin below them.
    while (k < bounds.size() && bounds[k] <= low) out.cumulative[k++] = below;
    if (k < bounds.size() && bounds[k] < high) {
      return make_error(ErrorCode::Invalid, "histogram bound " + std::to_string(bounds[k]) +
                                                " splits the bin [" + std::to_string(low) + ", " +
                                                std::to_string(high) + ")");
    }
    below += bin_counts[i];
    low = high;
  }
  while (k < bounds.size()) out.cumulative[k++] = below;
  out.count = below;
  out.sum = static_cast<double>(sum) / unit_divisor;
  return out;
}

void Exposition::declare(const std::string& name, MetricType type, std::string help) {
  if (!valid_metric_name(name)) return fail("invalid metric name '" + name + "'");
  auto [it, inserted] = families_.try_emplace(name);
  if (!inserted && it->second.type != type) {
    return fail("metric " + name + " declared again with another type");
  }
  it->second.type = type;
  it->second.help = std::move(help);
}

Exposition::Family* Exposition::family_for(const std::string& name, bool histogram,
                                           Labels& labels) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    fail("metric " + name + " is not declared");
    return nullptr;
  }
  if ((it->second.type == MetricType::Histogram) != histogram) {
    fail("metric " + name + " is a " + type_name(it->second.type));
    return nullptr;
  }
  std::sort(labels.begin(), labels.end());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!valid_label_name(labels[i].first) || (histogram && labels[i].first == "le")) {
      fail("invalid label name '" + labels[i].first + "' on " + name);
      return nullptr;
    }
    if (i > 0 && labels[i].first == labels[i - 1].first) {
      fail("label " + labels[i].first + " given twice on " + name);
      return nullptr;
    }
  }
  return &it->second;
}

void Exposition::set(const std::string& name, Labels labels, double value) {
  if (Family* f = family_for(name, false, labels)) f->values[std::move(labels)] = value;
}

void Exposition::add(const std::string& name, Labels labels, double value) {
  if (Family* f = family_for(name, false, labels)) f->values[std::move(labels)] += value;
}

void Exposition::set_histogram(const std::string& name, Labels labels, HistogramSample sample) {
  Family* f = family_for(name, true, labels);
  if (!f) return;
  if (sample.cumulative.size() != sample.bounds.size()) {
    return fail("histogram " + name + ": one cumulative count per bound is needed");
  }
  for (std::size_t i = 0; i < sample.bounds.size(); ++i) {
    if (!std::isfinite(sample.bounds[i]) || (i > 0 && sample.bounds[i] <= sample.bounds[i - 1])) {
      return fail("histogram " + name + ": bounds must be finite and ascending");
    }
    if ((i > 0 && sample.cumulative[i] < sample.cumulative[i - 1]) ||
        sample.cumulative[i] > sample.count) {
      return fail("histogram " + name + ": buckets must be cumulative");
    }
  }
  f->histograms[std::move(labels)] = std::move(sample);
}

double Exposition::value(const std::string& name, const Labels& labels) const {
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  auto v = it->second.values.find(sorted);
  return v == it->second.values.end() ? 0 : v->second;
}

void Exposition::fail(std::string message) {
  if (first_error_.empty()) first_error_ = std::move(message);
}

Status Exposition::status() const {
  if (first_error_.empty()) return {};
  return make_error(ErrorCode::Internal, first_error_);
}

std::string Exposition::text() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.values.empty() && f.histograms.empty()) continue;
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + type_name(f.type) + "\n";
    for (const auto& [labels, value] : f.values) {
      out += name + label_text(labels) + " " + format_value(value) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) {
      for (std::size_t i = 0; i < h.bounds.size(); ++i) {
        out += name + "_bucket" + label_text(labels, "le", format_value(h.bounds[i])) + " " +
               format_value(static_cast<double>(h.cumulative[i])) + "\n";
      }
      out += name + "_bucket" + label_text(labels, "le", "+Inf") + " " +
             format_value(static_cast<double>(h.count)) + "\n";
      out += name + "_sum" + label_text(labels) + " " + format_value(h.sum) + "\n";
      out += name + "_count" + label_text(labels) + " " +
             format_value(static_cast<double>(h.count)) + "\n";
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {  // 2^53
    return std::to_string(static_cast<std::int64_t>(value));
  }
  // Plain decimals read best ("0.0005", not "5e-04"); the exponent form only where they would
  // be long. Both are the shortest text that reads back as the same double.
  char buf[400];
  auto fixed = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (fixed.ec == std::errc() && fixed.ptr - buf <= 24) return std::string(buf, fixed.ptr);
  auto general = std::to_chars(buf, buf + sizeof buf, value);
  if (general.ec != std::errc()) return "NaN";
  return std::string(buf, general.ptr);
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string& help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool valid_metric_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(const std::string& name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

Result<ProcessMetrics> read_process_metrics(const std::string& proc_dir) {
  const std::string stat = read_all(proc_dir + "/stat");
  // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return make_error(ErrorCode::Io, "cannot read " + proc_dir + "/stat");
  }
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string token; fields >> token;) f.push_back(token);
  auto field = [&](int n) -> double {
    const auto i = static_cast<std::size_t>(n - 3);
    return i < f.size() ? std::strtod(f[i].c_str(), nullptr) : 0.0;
  };
  if (f.size() < 22) return make_error(ErrorCode::Io, proc_dir + "/stat is too short");
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  ProcessMetrics p;
  p.cpu_seconds = (field(14) + field(15)) / ticks;
  p.virtual_memory_bytes = static_cast<std::uint64_t>(field(23));
  p.resident_memory_bytes = static_cast<std::uint64_t>(field(24) * page);

  // Boot time (btime, seconds since the epoch) + the start time in ticks since boot.
  std::istringstream system_stat(read_all("/proc/stat"));
  for (std::string line; std::getline(system_stat, line);) {
    if (line.rfind("btime ", 0) == 0) {
      p.start_time_seconds = std::strtod(line.c_str() + 6, nullptr) + field(22) / ticks;
      break;
    }
  }

  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(proc_dir + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++p.open_fds;
  }
  if (ec) return make_error(ErrorCode::Io, "cannot list " + proc_dir + "/fd: " + ec.message());

  // "Max open files            1024                 1048576              files"
  std::istringstream limits(read_all(proc_dir + "/limits"));
  for (std::string line; std::getline(limits, line);) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream rest(line.substr(14));
    std::string soft;
    rest >> soft;
    p.max_fds = soft == "unlimited" ? std::numeric_limits<std::uint64_t>::max()
                                    : std::strtoull(soft.c_str(), nullptr, 10);
  }
  return p;
}

void add_process_metrics(Exposition& out, const ProcessMetrics& p) {
  out.declare("process_cpu_seconds_total", MetricType::Counter,
              "Total user and system CPU time spent in seconds.");
  out.declare("process_resident_memory_bytes", MetricType::Gauge, "Resident memory size in bytes.");
  out.declare("process_virtual_memory_bytes", MetricType::Gauge, "Virtual memory size in bytes.");
  out.declare("process_open_fds", MetricType::Gauge, "Number of open file descriptors.");
  out.declare("process_max_fds", MetricType::Gauge, "Maximum number of open file descriptors.");
  out.declare("process_start_time_seconds", MetricType::Gauge,
              "Start time of the process since unix epoch in seconds.");
  out.set("process_cpu_seconds_total", {}, p.cpu_seconds);
  out.set("process_resident_memory_bytes", {}, static_cast<double>(p.resident_memory_bytes));
  out.set("process_virtual_memory_bytes", {}, static_cast<double>(p.virtual_memory_bytes));
  out.set("process_open_fds", {}, static_cast<double>(p.open_fds));
  out.set("process_max_fds", {}, static_cast<double>(p.max_fds));
  out.set("process_start_time_seconds", {}, p.start_time_seconds);
}

}  // namespace gantry::telemetry
