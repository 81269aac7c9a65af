// The Prometheus text exposition format 0.0.4: metric families with HELP and TYPE, escaped
// label values, histograms, and the standard process_* metrics read from /proc. Plain values;
// an Exposition is not thread-safe (build and render it on one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace gantry::telemetry {

enum class MetricType { Counter, Gauge, Histogram };

// Label name -> value. Rendered sorted by name, so the order given does not matter.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One histogram series: cumulative buckets (observations <= bound), the +Inf bucket (count)
// and the sum of all observations.
struct HistogramSample {
  std::vector<double> bounds;             // finite upper bounds, ascending
  std::vector<std::uint64_t> cumulative;  // one per bound, non-decreasing, each <= count
  std::uint64_t count = 0;                // every observation (le="+Inf", _count)
  double sum = 0;                         // _sum

  HistogramSample() = default;
  explicit HistogramSample(std::vector<double> upper_bounds)
      : bounds(std::move(upper_bounds)), cumulative(bounds.size(), 0) {}
  // Counts one value in every bucket whose bound is >= value.
  void observe(double value);
};

// Cumulative buckets from a histogram of adjacent bins, bin i holding the values in
// [edge(i-1), edge(i)) in integer units (edge(-1) = 0): bounds are given in the same units and
// must each be an exact bin edge (or lie outside the bins), so that no bin is split and every
// bucket counts exactly the values below its bound. The rendered bounds and sum are divided by
// unit_divisor (1e6 for microseconds -> seconds). Invalid when a bound falls inside a bin.
Result<HistogramSample> cumulate_bins(std::span<const std::uint64_t> bounds,
                                      std::span<const std::uint64_t> bin_counts,
                                      const std::function<std::uint64_t(std::size_t)>& edge,
                                      std::uint64_t sum, double unit_divisor);

// A set of metric families, rendered in the text format: families sorted by name, series
// sorted by their labels, so two renders of the same numbers are byte-identical. Invalid names
// and mismatched types are programming errors: the first one is kept in status() and the
// offending sample is dropped.
class Exposition {
 public:
  // Declares a family. Declaring it again with the same type is harmless.
  void declare(const std::string& name, MetricType type, std::string help);
  // Sets the sample with these labels of a counter or gauge (replacing an earlier value).
  void set(const std::string& name, Labels labels, double value);
  // Adds to the sample with these labels of a counter or gauge (0 when it did not exist).
  void add(const std::string& name, Labels labels, double value);
  // Sets one series of a histogram family.
  void set_histogram(const std::string& name, Labels labels, HistogramSample sample);

  // The value of a counter or gauge sample, 0 when absent (tests, derived numbers).
  double value(const std::string& name, const Labels& labels) const;

  Status status() const;
  std::string text() const;

 private:
  struct Family {
    MetricType type = MetricType::Gauge;
    std::string help;
    std::map<Labels, double> values;  // counters and gauges, labels sorted
    std::map<Labels, HistogramSample> histograms;
  };
  // The declared family `name` of the right kind, with labels sorted and checked; nullptr (and
  // an error kept) otherwise.
  Family* family_for(const std::string& name, bool histogram, Labels& labels);
  void fail(std::string message);

  std::map<std::string, Family> families_;
  std::string first_error_;
};

// A metric value in the text format: integers without exponent, "+Inf", "-Inf", "NaN",
// otherwise the shortest text that reads back as the same double.
std::string format_value(double value);
// A label value escaped for the text format: \ " and newline as \\ \" \n.
std::string escape_label_value(const std::string& value);
// HELP text escaped: \ and newline as \\ and \n.
std::string escape_help(const std::string& help);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(const std::string& name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool valid_label_name(const std::string& name);

// The daemon process as Prometheus' client libraries describe a process.
struct ProcessMetrics {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_memory_bytes = 0;
  std::uint64_t virtual_memory_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;      // the soft RLIMIT_NOFILE
  double start_time_seconds = 0;  // since the Unix epoch
};

// Reads proc_dir/stat, proc_dir/fd, proc_dir/limits and /proc/stat (btime); proc_dir is
// "/proc/self" for this process or "/proc/PID" for another.
Result<ProcessMetrics> read_process_metrics(const std::string& proc_dir = "/proc/self");
// Declares and sets process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds.
void add_process_metrics(Exposition& out, const ProcessMetrics& process);

}  // namespace gantry::telemetry
