// The Prometheus text format writer: layout, escaping, ordering, histograms, /proc reading, and
// promtool's verdict on what it writes.
#include "telemetry/prometheus.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace gantry::telemetry {
namespace {

TEST(Exposition, WritesHelpTypeAndSamples) {
  Exposition e;
  e.declare("gantry_things_total", MetricType::Counter, "Things counted.");
  e.set("gantry_things_total", {{"service", "api"}}, 3);
  EXPECT_TRUE(e.status().ok());
  EXPECT_EQ(e.text(),
            "# HELP gantry_things_total Things counted.\n"
            "# TYPE gantry_things_total counter\n"
            "gantry_things_total{service=\"api\"} 3\n");
}

TEST(Exposition, SortsFamiliesSeriesAndLabels) {
  Exposition e;
  e.declare("zeta", MetricType::Gauge, "z");
  e.declare("alpha", MetricType::Gauge, "a");
  e.set("zeta", {}, 1);
  e.set("alpha", {{"version", "v2"}, {"service", "api"}}, 2);
  e.set("alpha", {{"service", "api"}, {"version", "v1"}}, 1);
  e.set("alpha", {{"service", ""}, {"version", "v9"}}, 0);
  const std::string text = e.text();
  EXPECT_EQ(text,
            "# HELP alpha a\n# TYPE alpha gauge\n"
            "alpha{service=\"\",version=\"v9\"} 0\n"
            "alpha{service=\"api\",version=\"v1\"} 1\n"
            "alpha{service=\"api\",version=\"v2\"} 2\n"
            "# HELP zeta z\n# TYPE zeta gauge\nzeta 1\n");
  // The same numbers given in another order render byte for byte the same.
  Exposition f;
  f.declare("alpha", MetricType::Gauge, "a");
  f.declare("zeta", MetricType::Gauge, "z");
  f.set("alpha", {{"version", "v1"}, {"service", "api"}}, 1);
  f.set("alpha", {{"version", "v9"}, {"service", ""}}, 0);
  f.set("zeta", {}, 1);
  f.set("alpha", {{"service", "api"}, {"version", "v2"}}, 2);
  EXPECT_EQ(f.text(), text);
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  Exposition e;
  e.declare("m", MetricType::Gauge, "a \\ backslash\nand a second line");
  e.set("m", {{"path", "C:\\dir \"quoted\"\nnext"}}, 1);
  EXPECT_EQ(e.text(),
            "# HELP m a \\\\ backslash\\nand a second line\n"
            "# TYPE m gauge\n"
            "m{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n");
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_help("say \"hi\""), "say \"hi\"");  // quotes stay as they are in HELP
}

TEST(Exposition, AddAccumulatesAndSetReplaces) {
  Exposition e;
  e.declare("c_total", MetricType::Counter, "c");
  e.add("c_total", {{"code", "200"}}, 2);
  e.add("c_total", {{"code", "200"}}, 3);
  e.set("c_total", {{"code", "500"}}, 7);
  e.set("c_total", {{"code", "500"}}, 1);
  EXPECT_EQ(e.value("c_total", {{"code", "200"}}), 5);
  EXPECT_EQ(e.value("c_total", {{"code", "500"}}), 1);
  EXPECT_EQ(e.value("c_total", {{"code", "404"}}), 0);
}

TEST(Exposition, RendersHistogramsCumulativelyWithInfSumAndCount) {
  Exposition e;
  e.declare("d_seconds", MetricType::Histogram, "d");
  HistogramSample h({1, 5, 10});
  for (double v : {0.5, 1.0, 3.0, 7.0, 20.0}) h.observe(v);  // 1.0 counts in le="1"
  e.set_histogram("d_seconds", {{"env", "prod"}}, h);
  EXPECT_TRUE(e.status().ok());
  EXPECT_EQ(e.text(),
            "# HELP d_seconds d\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{env=\"prod\",le=\"1\"} 2\n"
            "d_seconds_bucket{env=\"prod\",le=\"5\"} 3\n"
            "d_seconds_bucket{env=\"prod\",le=\"10\"} 4\n"
            "d_seconds_bucket{env=\"prod\",le=\"+Inf\"} 5\n"
            "d_seconds_sum{env=\"prod\"} 31.5\n"
            "d_seconds_count{env=\"prod\"} 5\n");
}

TEST(Exposition, RefusesBucketsThatAreNotCumulative) {
  Exposition e;
  e.declare("d_seconds", MetricType::Histogram, "d");
  HistogramSample h({1, 2});
  h.cumulative = {3, 2};
  h.count = 3;
  e.set_histogram("d_seconds", {}, h);
  EXPECT_FALSE(e.status().ok());
  EXPECT_EQ(e.text(), "");  // the bad series is dropped, the family has nothing to show
}

TEST(Exposition, RefusesBadNamesAndMixedTypes) {
  {
    Exposition e;
    e.declare("1bad", MetricType::Gauge, "x");
    EXPECT_FALSE(e.status().ok());
  }
  {
    Exposition e;
    e.declare("g", MetricType::Gauge, "x");
    e.set("g", {{"__reserved", "x"}}, 1);
    EXPECT_FALSE(e.status().ok());
  }
  {
    Exposition e;
    e.declare("h", MetricType::Histogram, "x");
    e.set("h", {}, 1);  // a histogram takes HistogramSamples only
    EXPECT_FALSE(e.status().ok());
  }
  {
    Exposition e;
    e.set("undeclared", {}, 1);
    EXPECT_FALSE(e.status().ok());
  }
  {
    Exposition e;
    e.declare("g", MetricType::Gauge, "x");
    e.set("g", {{"a", "1"}, {"a", "2"}}, 1);
    EXPECT_FALSE(e.status().ok());
  }
  EXPECT_TRUE(valid_metric_name("gantry:rate_5m"));
  EXPECT_FALSE(valid_label_name("with-dash"));
}

TEST(FormatValue, WritesIntegersPlainAndOthersShortest) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.000125), "0.000125");
  EXPECT_EQ(format_value(0.0005), "0.0005");  // not 5e-04
  EXPECT_EQ(format_value(1e-30), "1e-30");    // too long as a plain decimal
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
  EXPECT_EQ(std::stod(format_value(0.1 + 0.2)), 0.1 + 0.2);  // reads back as the same double
}

// Bins like the proxy's: [0,1) [1,2) [2,4) [4,8) [8,16).
std::uint64_t doubling_edge(std::size_t i) { return i == 0 ? 1 : std::uint64_t{1} << i; }

TEST(CumulateBins, CountsEveryBinBelowEachBound) {
  const std::vector<std::uint64_t> bins = {1, 2, 3, 4, 5};
  const std::vector<std::uint64_t> bounds = {2, 8, 100};
  auto h = cumulate_bins(bounds, bins, doubling_edge, 123, 1e3);
  ASSERT_TRUE(h.ok()) << h.error().str();
  EXPECT_EQ(h->bounds, (std::vector<double>{0.002, 0.008, 0.1}));
  EXPECT_EQ(h->cumulative, (std::vector<std::uint64_t>{3, 10, 15}));
  EXPECT_EQ(h->count, 15u);
  EXPECT_DOUBLE_EQ(h->sum, 0.123);
}

TEST(CumulateBins, RefusesABoundInsideABin) {
  const std::vector<std::uint64_t> bins = {1, 2, 3, 4, 5};
  const std::vector<std::uint64_t> bounds = {3};  // inside [2,4): the bin cannot be split
  auto h = cumulate_bins(bounds, bins, doubling_edge, 0, 1);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("splits the bin [2, 4)"), std::string::npos);
}

TEST(ProcessMetrics, ReadsThisProcess) {
  auto before = read_process_metrics();
  ASSERT_TRUE(before.ok()) << before.error().str();
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto after = read_process_metrics();
  for (int fd : fds) ::close(fd);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->open_fds, before->open_fds + 10);

  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  EXPECT_EQ(after->max_fds, lim.rlim_cur);
  EXPECT_GT(after->resident_memory_bytes, 0u);
  EXPECT_GE(after->virtual_memory_bytes, after->resident_memory_bytes);
  EXPECT_GE(after->cpu_seconds, 0);
  // Started before now, and not before the test binary could have been built.
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(after->start_time_seconds, now + 1);
  EXPECT_GT(after->start_time_seconds, now - 24 * 3600);
}

TEST(ProcessMetrics, ReadsAnotherProcessByPid) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  auto p = read_process_metrics("/proc/" + std::to_string(child));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(p.ok()) << p.error().str();
  EXPECT_GT(p->resident_memory_bytes, 0u);
  EXPECT_FALSE(read_process_metrics("/proc/0").ok());
}

// promtool's `check metrics` reads the text on stdin; it prints problems (lint included) and
// exits non-zero on errors. Returns its output; exit status in *code.
std::string promtool_check(const std::string& text, int* code) {
  gantry::testing::TempDir dir("prometheus-test");
  const std::string in = dir / "metrics.txt";
  if (FILE* f = std::fopen(in.c_str(), "w")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  FILE* p = ::popen(("/usr/bin/promtool check metrics < '" + in + "' 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  const int st = p ? ::pclose(p) : -1;
  *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST(Exposition, PassesPromtoolCheckMetrics) {
  ASSERT_EQ(::access("/usr/bin/promtool", X_OK), 0)
      << "promtool is missing: scripts/deps installs Debian's prometheus package";
  Exposition e;
  e.declare("gantry_requests_total", MetricType::Counter, "Requests by \"code\".");
  e.add("gantry_requests_total", {{"code", "200"}, {"path", "a\"b\\c\nd"}}, 7);
  e.declare("gantry_latency_seconds", MetricType::Histogram, "Latency.");
  HistogramSample h({0.001, 0.01, 0.1});
  h.observe(0.0005);
  h.observe(0.05);
  e.set_histogram("gantry_latency_seconds", {{"version", "v1"}}, h);
  auto proc = read_process_metrics();
  ASSERT_TRUE(proc.ok());
  add_process_metrics(e, *proc);
  ASSERT_TRUE(e.status().ok()) << e.status().error().str();
  int code = -1;
  const std::string out = promtool_check(e.text(), &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "") << e.text();  // not even a lint warning
}

}  // namespace
}  // namespace gantry::telemetry
