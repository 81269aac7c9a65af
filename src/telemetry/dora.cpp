// The four keys over the deployment registry (dora.h, docs/dora.md): which rows count, the
// window, nearest-rank medians, the bands, and the window's start as users write it.
#include "telemetry/dora.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <tuple>

#include "core/timestamp.h"
#include "core/units.h"

namespace gantry::telemetry {

namespace {

using store::Deployment;
using store::DeploymentStatus;

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kWeekMs = 7 * kDayMs;
constexpr std::int64_t kMonthMs = 30 * kDayMs;  // DORA's "month", as gantry counts it

// dora_from_store reads deployments that started up to this long before the window: one that
// started earlier and ended inside the window is left out (a rollout that long is stuck).
constexpr std::int64_t kLookBehindMs = 7 * kDayMs;

// When a deployment ended: completed_at, or started_at for a row that never recorded its end.
std::int64_t end_of(const Deployment& d) { return d.completed_at_ms.value_or(d.started_at_ms); }

bool is_failure(DeploymentStatus s) {
  return s == DeploymentStatus::Failed || s == DeploymentStatus::RolledBack;
}

// Rows DORA looks at: not the daemon's start-up, of the environment and service asked for,
// ended (a terminal status).
bool counts(const Deployment& d, const DoraOptions& o) {
  if (d.strategy == "up") return false;
  if (d.environment != o.environment) return false;
  if (!o.service.empty() && d.service != o.service) return false;
  return store::is_terminal(d.status);
}

bool in_window(std::int64_t at_ms, const DoraOptions& o) {
  return at_ms >= o.since_ms && at_ms <= o.until_ms;
}

template <class Band>
void summarize(DurationSummary& out, std::vector<std::int64_t> samples, Band band) {
  out.samples = static_cast<int>(samples.size());
  out.median_ms = nearest_rank(samples, 0.5);
  out.p90_ms = nearest_rank(std::move(samples), 0.9);
  out.band = out.median_ms ? band(*out.median_ms) : DoraBand::None;
}

Error since_error(std::string_view text, std::string_view why) {
  return make_error(ErrorCode::Invalid,
                    "since: '" + std::string(text) + "' " + std::string(why) +
                        "; use a duration back from now such as 30d, 12h, 90m or 1h30m, or an "
                        "RFC 3339 time such as 2026-03-01T00:00:00Z");
}

}  // namespace

std::string_view name_of(DoraBand band) {
  switch (band) {
    case DoraBand::Elite:
      return "elite";
    case DoraBand::High:
      return "high";
    case DoraBand::Medium:
      return "medium";
    case DoraBand::Low:
      return "low";
    case DoraBand::None:
      break;
  }
  return "none";
}

// "On demand (multiple deploys per day)" / "between once per day and once per week" / "between
// once per week and once per month" / less often.
DoraBand frequency_band(double per_day) {
  if (per_day > 1) return DoraBand::Elite;
  if (per_day * 7 >= 1) return DoraBand::High;
  if (per_day * 30 >= 1) return DoraBand::Medium;
  return DoraBand::Low;
}

// Less than one day / one week / one month / longer.
DoraBand lead_time_band(std::int64_t median_ms) {
  if (median_ms < kDayMs) return DoraBand::Elite;
  if (median_ms < kWeekMs) return DoraBand::High;
  if (median_ms < kMonthMs) return DoraBand::Medium;
  return DoraBand::Low;
}

// 5%, 10%, 15% (the clusters' rates, read as upper bounds), more.
DoraBand failure_rate_band(double rate) {
  if (rate <= 0.05) return DoraBand::Elite;
  if (rate <= 0.10) return DoraBand::High;
  if (rate <= 0.15) return DoraBand::Medium;
  return DoraBand::Low;
}

// Less than one hour / one day / one week / longer.
DoraBand restore_band(std::int64_t median_ms) {
  if (median_ms < kHourMs) return DoraBand::Elite;
  if (median_ms < kDayMs) return DoraBand::High;
  if (median_ms < kWeekMs) return DoraBand::Medium;
  return DoraBand::Low;
}

std::optional<std::int64_t> nearest_rank(std::vector<std::int64_t> samples, double q) {
  if (samples.empty()) return std::nullopt;
  std::sort(samples.begin(), samples.end());
  // The smallest sample with at least q of all samples at or below it.
  const double rank = std::ceil(q * static_cast<double>(samples.size()) - 1e-9);
  const auto index = static_cast<std::size_t>(std::clamp(rank, 1.0, double(samples.size()))) - 1;
  return samples[index];
}

DoraReport compute_dora(const std::vector<Deployment>& deployments, const DoraOptions& options) {
  DoraReport report;
  report.options = options;
  const std::int64_t span_ms = std::max<std::int64_t>(0, options.until_ms - options.since_ms);
  report.window_days = static_cast<double>(span_ms) / static_cast<double>(kDayMs);

  std::vector<const Deployment*> rows;
  for (const auto& d : deployments) {
    if (counts(d, options)) rows.push_back(&d);
  }
  // Oldest end first; the id breaks ties so the order never depends on the input's.
  auto key = [](const Deployment* d) {
    return std::make_tuple(end_of(*d), d->started_at_ms, std::string_view(d->id));
  };
  std::sort(rows.begin(), rows.end(),
            [&](const Deployment* a, const Deployment* b) { return key(a) < key(b); });

  int in_window_total = 0;
  std::vector<std::int64_t> lead_times;
  auto& cfr = report.change_failure_rate;
  for (const Deployment* d : rows) {
    if (!in_window(end_of(*d), options)) continue;
    ++in_window_total;
    switch (d->status) {
      case DeploymentStatus::Succeeded:
        ++report.frequency.deployments;
        if (d->commit_time_ms) {
          lead_times.push_back(std::max<std::int64_t>(0, end_of(*d) - *d->commit_time_ms));
        } else {
          ++report.lead_time.missing_commit_time;
        }
        break;
      case DeploymentStatus::RolledBack:
        ++cfr.rolled_back;
        ++cfr.failed;
        break;
      case DeploymentStatus::Failed:
        ++cfr.failed;
        break;
      case DeploymentStatus::Aborted:
        ++cfr.aborted;
        break;
      default:
        break;
    }
  }

  auto& freq = report.frequency;
  if (report.window_days > 0) {
    freq.per_day = freq.deployments / report.window_days;
    freq.per_week = freq.per_day * 7;
  }
  freq.band = in_window_total == 0 || report.window_days <= 0 ? DoraBand::None
                                                              : frequency_band(freq.per_day);

  summarize(report.lead_time, std::move(lead_times), lead_time_band);

  cfr.total = freq.deployments + cfr.failed;
  if (cfr.total > 0) {
    cfr.rate = static_cast<double>(cfr.failed) / cfr.total;
    cfr.band = failure_rate_band(*cfr.rate);
  }

  // Time to restore: from a failure's end to the end of the next deployment of the same service
  // (and environment) that succeeded, by the end of the window.
  std::map<std::string, std::vector<const Deployment*>> successes;  // by service, oldest first
  for (const Deployment* d : rows) {
    if (d->status == DeploymentStatus::Succeeded && end_of(*d) <= options.until_ms) {
      successes[d->service].push_back(d);
    }
  }
  std::vector<std::int64_t> restores;
  for (const Deployment* d : rows) {
    if (!is_failure(d->status) || !in_window(end_of(*d), options)) continue;
    const std::int64_t failed_at = end_of(*d);
    const Deployment* fix = nullptr;
    if (auto it = successes.find(d->service); it != successes.end()) {
      auto next = std::find_if(it->second.begin(), it->second.end(), [&](const Deployment* s) {
        return end_of(*s) >= failed_at && s->started_at_ms >= d->started_at_ms;
      });
      if (next != it->second.end()) fix = *next;
    }
    if (fix) {
      restores.push_back(end_of(*fix) - failed_at);
    } else {
      report.time_to_restore.open.push_back({d->id, d->service, failed_at});
    }
  }
  summarize(report.time_to_restore, std::move(restores), restore_band);
  return report;
}

Result<DoraReport> dora_from_store(store::Store& store, const DoraOptions& options) {
  store::DeploymentFilter filter;
  filter.service = options.service;
  filter.environment = options.environment;
  filter.limit = 0;  // every one in the window
  filter.since_ms = options.since_ms - kLookBehindMs;
  auto list = store.list_deployments(filter);
  if (!list) return list.error();
  // The store's "" environment means "all"; compute_dora keeps only options.environment.
  return compute_dora(*list, options);
}

Result<std::int64_t> parse_point_in_time(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorCode::Invalid,
                      "'" + std::string(text) +
                          "' is not a point in time; use RFC 3339 such as 2026-03-01T14:05:00Z "
                          "or 2026-03-01T16:05:00+02:00, or unix seconds such as 1772373900");
  };
  if (text.empty()) return bad();
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    // Up to the year 9999: a bigger number is milliseconds or a typo.
    if (ec != std::errc() || end != text.data() + text.size() || seconds > 253'402'300'799) {
      return bad();
    }
    return seconds * 1000;
  }
  std::string utc(text);
  std::int64_t offset_ms = 0;
  const std::size_t n = utc.size();
  if (n > 6 && (utc[n - 6] == '+' || utc[n - 6] == '-') && utc[n - 3] == ':') {
    int hours = 0, minutes = 0;
    const char* p = utc.data() + n - 5;
    auto h = std::from_chars(p, p + 2, hours);
    auto m = std::from_chars(p + 3, p + 5, minutes);
    if (h.ec != std::errc() || h.ptr != p + 2 || m.ec != std::errc() || m.ptr != p + 5 ||
        hours > 23 || minutes > 59) {
      return bad();
    }
    offset_ms = (hours * 60 + minutes) * 60'000LL * (utc[n - 6] == '-' ? -1 : 1);
    utc = utc.substr(0, n - 6) + "Z";
  }
  auto ms = parse_timestamp(utc);
  if (!ms) return bad();
  return *ms - offset_ms;
}

Result<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms) {
  if (text.empty()) return since_error(text, "is empty");
  const bool looks_like_time = text.size() >= 10 && text[4] == '-';
  if (!looks_like_time) {
    auto d = parse_duration(text);
    if (!d) return since_error(text, "is not a duration");
    if (d->count() <= 0) return since_error(text, "is an empty window");
    return now_ms - d->count();
  }
  auto at = parse_point_in_time(text);
  if (!at) return since_error(text, "is not an RFC 3339 time");
  if (*at >= now_ms) return since_error(text, "is not in the past");
  return *at;
}

}  // namespace gantry::telemetry
