// The analysis of one rollout (internal to src/rollout): every tick it takes the proxy's numbers
// for the stable and canary versions, judges the interval so far early (sequential looks), and at
// each interval's end judges it in full with the deep health of the new replicas and the custom
// HTTP checks; each verdict becomes an event with its numbers. Control-plane thread only.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis.h"
#include "proxy/stats.h"
#include "rollout/rollout.h"
#include "spec/model.h"

namespace gantry::rollout {

// What one tick of the analysis found.
struct AnalysisTick {
  std::vector<std::pair<std::string, nlohmann::json>> events;  // to record, in order
  bool judged = false;    // an interval ended with a conclusive verdict
  bool passed = false;    // ... that passed
  bool failed = false;    // ... that failed
  bool fail_now = false;  // an early look (or a rule that needs no repeat) failed: roll back now
  std::string rule;       // the failed check, e.g. "judge_errors", "success_rate"
  std::string reason;     // its detail
  std::int64_t new_errors = 0;  // canary errors seen since the last tick
};

// spec -> the judge's criteria.
analysis::Criteria to_criteria(const spec::Analysis& analysis);
// A window of the proxy's numbers -> the judge's sample.
analysis::Sample to_sample(const proxy::StatsSnapshot& window);

class AnalysisLoop {
 public:
  AnalysisLoop(boost::asio::io_context& io, const std::optional<spec::Analysis>& analysis);

  bool configured() const { return config_.has_value(); }
  int failure_limit() const { return config_ ? config_->failure_limit : 0; }
  spec::Analysis::Inconclusive on_low_traffic() const {
    return config_ ? config_->on_inconclusive : spec::Analysis::Inconclusive::Extend;
  }
  // Forget the current window (the canary took no traffic); the next tick starts a new one.
  void reset() { window_.reset(); }

  // no_baseline: the canary takes all traffic (blue-green after the switch); only absolute
  // thresholds apply.
  AnalysisTick tick(Fleet& fleet, const std::string& stable_version,
                    const std::string& canary_version, const VersionHealth& canary_health,
                    bool no_baseline, std::chrono::milliseconds tick_period);

 private:
  struct Window {
    std::chrono::steady_clock::time_point started;
    proxy::StatsSnapshot stable_start, canary_start;
    std::uint64_t canary_errors_seen = 0;
    int number = 0;
  };
  struct CheckResults {
    int pending = 0;
    std::vector<std::pair<std::string, std::string>> failures;  // (check, detail)
    int ran = 0;
  };
  void start_checks(const VersionHealth& canary_health);

  boost::asio::io_context& io_;
  std::optional<spec::Analysis> config_;
  analysis::Criteria criteria_;
  std::optional<Window> window_;
  int interval_number_ = 0;
  std::shared_ptr<CheckResults> checks_;
};

}  // namespace gantry::rollout
