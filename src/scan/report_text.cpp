// The text report: one block per finding, a summary line and a stats footer. Pure; thread-safe.
#include <cstdio>
#include <ctime>
#include <string>

#include "scan/report.h"
#include "scan/scan.h"

namespace gantry::scan {
namespace {

std::string_view colour_of(Severity s) {
  switch (s) {
    case Severity::Critical:
      return "\033[1;31m";
    case Severity::High:
      return "\033[31m";
    case Severity::Medium:
      return "\033[33m";
    case Severity::Low:
      return "\033[36m";
  }
  return "";
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string utc_time(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "512 bytes", "45.6 kB", "2.00 MB", "103.1 MB" (decimal units, as MB/s is).
std::string human_size(std::uint64_t bytes) {
  if (bytes < 10'000) return plural(bytes, "byte");
  if (bytes < 1'000'000) return fixed(static_cast<double>(bytes) / 1e3, 1) + " kB";
  return fixed(static_cast<double>(bytes) / 1e6, bytes < 10'000'000 ? 2 : 1) + " MB";
}

}  // namespace

std::string format_text(const Report& report, bool color) {
  const std::string bold = color ? "\033[1m" : "";
  const std::string dim = color ? "\033[2m" : "";
  const std::string reset = color ? "\033[0m" : "";
  std::string out;
  std::size_t by_severity[4] = {0, 0, 0, 0};
  for (const auto& f : report.findings) {
    ++by_severity[static_cast<int>(f.severity)];
    out += bold + f.path + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + reset;
    out += "  " + f.rule_id + "  ";
    out += (color ? std::string(colour_of(f.severity)) : "") +
           std::string(severity_name(f.severity)) + reset;
    out += "  " + f.description + "  secret=" + redact(f.secret) + "\n";
    if (!f.commit.empty()) {
      out += dim + "  commit " + f.commit.substr(0, 12) + "  " + f.author + "  " +
             utc_time(f.commit_time) + reset + "\n";
    }
    out += "\n";
  }

  const auto& s = report.stats;
  std::string summary = plural(report.findings.size(), "finding");
  if (!report.findings.empty()) {
    std::string parts;
    for (int i = 3; i >= 0; --i) {
      if (by_severity[i] == 0) continue;
      if (!parts.empty()) parts += ", ";
      parts += std::to_string(by_severity[i]) + " " +
               std::string(severity_name(static_cast<Severity>(i)));
    }
    summary += " (" + parts + ")";
  }
  if (report.suppressed > 0)
    summary += "; " + std::to_string(report.suppressed) + " in the baseline";
  out += summary + "\n";

  std::string what;
  switch (report.source) {
    case ScanSource::Tree:
      what = plural(s.files, "file");
      break;
    case ScanSource::GitHistory:
      what = plural(s.commits, "commit") + ", " + plural(s.blobs, "blob");
      break;
    case ScanSource::Staged:
      what = plural(s.blobs, "staged blob");
      break;
  }
  out += dim + "scanned " + what + ", " + human_size(s.bytes) + " in " + fixed(s.seconds, 3) +
         " s (" + fixed(s.mb_per_second(), 1) + " MB/s); skipped " +
         std::to_string(s.skipped_binary) + " binary, " + std::to_string(s.skipped_large) +
         " large, " + std::to_string(s.skipped_ignored) + " ignored" + reset + "\n";
  return out;
}

}  // namespace gantry::scan
