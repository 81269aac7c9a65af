// DORA's four keys computed from the deployment registry (docs/dora.md): deployment frequency,
// lead time for changes, change failure rate and time to restore, each with its performance
// band. Pure functions of their inputs (dora_from_store reads the store); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace gantry::telemetry {

// The performance levels of the State of DevOps report 2023; None = no samples to judge.
enum class DoraBand { None, Low, Medium, High, Elite };
std::string_view name_of(DoraBand band);  // "none", "low", "medium", "high", "elite"

struct DoraOptions {
  std::string environment;  // only deployments of this environment ("" = the base one)
  std::string service;      // "" = every service
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;  // the window is [since_ms, until_ms]
};

struct DeploymentFrequency {
  int deployments = 0;  // succeeded ones that ended in the window
  double per_day = 0;
  double per_week = 0;
  DoraBand band = DoraBand::None;  // None when the window holds no deployment at all
};

// Median and p90 of a set of durations (nearest rank: each is one of the samples).
struct DurationSummary {
  int samples = 0;
  std::optional<std::int64_t> median_ms;  // nullopt without samples
  std::optional<std::int64_t> p90_ms;
  DoraBand band = DoraBand::None;
};

struct LeadTime : DurationSummary {
  int missing_commit_time = 0;  // succeeded deployments in the window without a commit time
};

struct ChangeFailureRate {
  int failed = 0;              // failed or rolled back (the numerator)
  int rolled_back = 0;         // how many of `failed` were rolled back
  int aborted = 0;             // stopped by a person: in neither part of the rate
  int total = 0;               // succeeded + failed + rolled back
  std::optional<double> rate;  // nullopt when total is 0
  DoraBand band = DoraBand::None;
};

// A failed or rolled back deployment no later deployment of its service has succeeded after.
struct OpenFailure {
  std::string deployment_id;
  std::string service;
  std::int64_t failed_at_ms = 0;  // when it ended
};

struct TimeToRestore : DurationSummary {
  std::vector<OpenFailure> open;  // oldest first
};

struct DoraReport {
  DoraOptions options;
  double window_days = 0;
  DeploymentFrequency frequency;
  LeadTime lead_time;
  ChangeFailureRate change_failure_rate;
  TimeToRestore time_to_restore;
};

// The four keys over `deployments` (any order, any environment: options filter them). Rows of
// strategy "up" (the daemon's own start-up) count for nothing. A deployment belongs to the
// window its end (completed_at, else started_at) falls in.
DoraReport compute_dora(const std::vector<store::Deployment>& deployments,
                        const DoraOptions& options);

// Reads the deployments the window needs from the store, then compute_dora: the one path the
// API, the CLI's offline mode and the tests share.
Result<DoraReport> dora_from_store(store::Store& store, const DoraOptions& options);

// The bands, from the State of DevOps report 2023 (cut-offs in docs/dora.md).
DoraBand frequency_band(double per_day);
DoraBand lead_time_band(std::int64_t median_ms);
DoraBand failure_rate_band(double rate);
DoraBand restore_band(std::int64_t median_ms);

// The nearest-rank q-quantile (0 < q <= 1) of samples (any order); nullopt when empty.
std::optional<std::int64_t> nearest_rank(std::vector<std::int64_t> samples, double q);

// The start of a window ending at now_ms: a duration back from now ("30d", "12h", "90m", "1h30m")
// or a point in time (RFC 3339: "2026-03-01T00:00:00Z", "2026-03-01T02:00:00+02:00"). Invalid
// (with what is valid) otherwise, or when it is not before now.
Result<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms);

// A point in time as a user writes it: RFC 3339 (Z or a +hh:mm offset, milliseconds optional)
// or unix seconds ("1767225600"). Milliseconds since the epoch.
Result<std::int64_t> parse_point_in_time(std::string_view text);

// The report as the JSON object GET /v1/dora serves (dora_json.cpp; docs/dora.md).
std::string dora_json(const DoraReport& report);

}  // namespace gantry::telemetry
