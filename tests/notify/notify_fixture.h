// The notifier tests' fixture: a real SQLite store in a temp dir (the test's own connection;
// each Notifier opens its own), a deployment and its events, and polling helpers over the
// outbox. One test thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/units.h"
#include "notify/notify.h"
#include "store/store.h"
#include "support/poll.h"
#include "support/temp_dir.h"

namespace gantry::notify::testing {

using namespace std::chrono_literals;
using gantry::testing::TempDir;
using gantry::testing::wait_until;
using nlohmann::json;

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite(db_path());
    ASSERT_TRUE(s) << s.error().str();
    store_ = std::move(*s);
    for (const char* id : {"api-r3", "api-r4"}) {
      store::Revision r;
      r.id = id;
      r.service = "api";
      r.number = id[5] - '0';
      r.version = id[5] == '3' ? "v3" : "v4";
      r.spec_hash = id;
      r.created_at_ms = now_unix_ms();
      ASSERT_TRUE(store_->put_revision(r));
    }
    deployment_ = rolled_back_deployment();
    ASSERT_TRUE(store_->put_deployment(deployment_));
    store::Deployment staging = deployment_;
    staging.id = "d-000002";
    staging.environment = "staging";
    staging.revision_id = "api-r4";
    staging.version = "v4";
    staging.status = store::DeploymentStatus::Failed;
    ASSERT_TRUE(store_->put_deployment(staging));
  }

  std::string db_path() const { return dir_ / "state.db"; }

  // d-000001 (SetUp stores it): api v3 in production, rolled back after 42 s. d-000002 is
  // api v4 in staging, failed.
  static store::Deployment rolled_back_deployment() {
    store::Deployment d;
    d.id = "d-000001";
    d.service = "api";
    d.environment = "production";
    d.revision_id = "api-r3";
    d.strategy = "canary";
    d.version = "v3";
    d.commit_sha = "abc1234";
    d.triggered_by = "cli:alice";
    d.started_at_ms = now_unix_ms() - 42'000;
    d.completed_at_ms = now_unix_ms();
    d.status = store::DeploymentStatus::RolledBack;
    d.health_score = 0.4;
    d.rollback_reason = "error_rate: 12% of requests failed (max 1%)";
    return d;
  }

  store::DeploymentEvent append(const std::string& type, const json& data = json::object(),
                                const std::string& deployment_id = "d-000001",
                                const std::string& environment = "production") {
    store::DeploymentEvent e;
    e.deployment_id = deployment_id;
    e.at_ms = now_unix_ms();
    e.type = type;
    e.data_json = data.dump();
    e.service = deployment_id.empty() ? "" : "api";
    e.environment = environment;
    e.version = deployment_id.empty() ? "" : "v3";
    auto w = store_->append_event(e);
    EXPECT_TRUE(w) << w.error().str();
    return w ? *w : e;
  }

  static SinkConfig webhook(const std::string& name, const std::string& url) {
    SinkConfig s;
    s.name = name;
    s.kind = SinkKind::Webhook;
    s.url = url;
    s.backoff = {10ms, 40ms};
    return s;
  }

  NotifierOptions options(std::vector<SinkConfig> sinks) {
    NotifierOptions o;
    o.db_path = db_path();
    o.project = "shop";
    o.environment = "production";
    o.sinks = std::move(sinks);
    o.poll_interval = 50ms;
    o.user_agent = "gantry/test";
    o.log = [](const std::string&) {};  // quiet; the outbox is what tests look at
    return o;
  }

  std::unique_ptr<Notifier> start(NotifierOptions o) {
    auto n = Notifier::start(std::move(o));
    EXPECT_TRUE(n) << n.error().str();
    return n ? std::move(*n) : nullptr;
  }

  // The outbox item of (sink, event), if there is one.
  std::optional<store::OutboxItem> item(const std::string& sink, std::int64_t event_id) {
    auto all = store_->list_outbox(0);
    if (!all) return std::nullopt;
    for (const auto& i : *all) {
      if (i.sink == sink && i.event_id == event_id) return i;
    }
    return std::nullopt;
  }

  std::vector<store::OutboxItem> outbox() {
    auto all = store_->list_outbox(0);
    return all ? *all : std::vector<store::OutboxItem>{};
  }

  // Waits until the item exists and pred holds for it; the item as last seen.
  std::optional<store::OutboxItem> wait_item(
      const std::string& sink, std::int64_t event_id,
      const std::function<bool(const store::OutboxItem&)>& pred) {
    std::optional<store::OutboxItem> seen;
    wait_until([&] {
      seen = item(sink, event_id);
      return seen && pred(*seen);
    });
    return seen;
  }

  // Waits until the notifier's cursor is at or past event_id.
  bool wait_cursor(std::int64_t event_id) {
    return wait_until([&] {
      auto c = store_->get_cursor("notify");
      return c && *c >= event_id;
    });
  }

  TempDir dir_{"gantry-notify"};
  std::unique_ptr<store::Store> store_;
  store::Deployment deployment_;
};

}  // namespace gantry::notify::testing
