// The event bus over a real SQLite store: store first, subscribers in id order, catch_up of
// events written in the caller's own transaction, subscribers that leave or publish while they
// are told; type patterns, reader filters and the JSON form of an event.
#include "telemetry/events.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/temp_dir.h"

namespace gantry::telemetry {
namespace {

using nlohmann::json;

Event event(const std::string& type, const std::string& service = "api") {
  Event e;
  e.type = type;
  e.service = service;
  e.environment = "production";
  e.version = "v2";
  e.at_ms = 1000;
  return e;
}

class EventBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite(dir_ / "state.db");
    ASSERT_TRUE(s) << s.error().str();
    store_ = std::move(*s);
  }

  // Appends straight to the store, as a caller's own transaction does.
  std::int64_t append(const std::string& type) {
    auto e = store_->append_event(event(type));
    EXPECT_TRUE(e) << e.error().str();
    return e ? e->id : 0;
  }

  gantry::testing::TempDir dir_{"gantry-events"};
  std::unique_ptr<store::Store> store_;
};

std::vector<std::int64_t> ids_of(const std::vector<Event>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

TEST_F(EventBusTest, WritesToTheStoreThenTellsEverySubscriberInIdOrder) {
  EventBus bus(*store_);
  std::vector<Event> a, b;
  bus.subscribe([&](const Event& e) { a.push_back(e); });
  bus.subscribe([&](const Event& e) {
    // By the time a subscriber hears of an event, the store holds it.
    auto stored = store_->list_events_since(e.id - 1, 1);
    ASSERT_TRUE(stored && stored->size() == 1u);
    EXPECT_EQ((*stored)[0], e);
    b.push_back(e);
  });
  std::vector<std::int64_t> published;
  for (const char* type : {"deployment.started", "weight.changed", "deployment.succeeded"}) {
    auto e = bus.publish(event(type));
    ASSERT_TRUE(e) << e.error().str();
    EXPECT_GT(e->id, 0);
    published.push_back(e->id);
  }
  EXPECT_EQ(ids_of(a), published);
  EXPECT_EQ(ids_of(b), published);
  EXPECT_EQ(a[1].type, "weight.changed");
  EXPECT_EQ(a[1].service, "api");
  EXPECT_EQ(a[1].version, "v2");
  EXPECT_EQ(bus.last_announced(), published.back());
}

TEST_F(EventBusTest, StampsAnEventWithoutATimeWithNow) {
  EventBus bus(*store_);
  Event e = event("replica.started");
  e.at_ms = 0;
  auto written = bus.publish(e);
  ASSERT_TRUE(written);
  EXPECT_GT(written->at_ms, 1'600'000'000'000);  // a wall-clock time, not 0
  EXPECT_EQ((*store_->list_events_since(0, 0))[0].at_ms, written->at_ms);
}

TEST_F(EventBusTest, TellsOnlyOfEventsWrittenAfterItStarted) {
  append("deployment.started");
  append("deployment.succeeded");
  EventBus bus(*store_);
  std::vector<Event> heard;
  bus.subscribe([&](const Event& e) { heard.push_back(e); });
  bus.catch_up();
  EXPECT_TRUE(heard.empty()) << "the history is the store's, not the bus's";
  auto e = bus.publish(event("replica.started"));
  ASSERT_TRUE(e);
  EXPECT_EQ(ids_of(heard), std::vector<std::int64_t>{e->id});
}

TEST_F(EventBusTest, CatchUpAnnouncesEventsWrittenInTheCallersOwnTransaction) {
  EventBus bus(*store_);
  std::vector<Event> heard;
  bus.subscribe([&](const Event& e) { heard.push_back(e); });
  std::vector<std::int64_t> written;
  ASSERT_TRUE(store_->transaction([&]() -> Status {
    written.push_back(append("phase.changed"));
    written.push_back(append("weight.changed"));
    return {};
  }));
  EXPECT_TRUE(heard.empty()) << "nothing is told before catch_up";
  bus.catch_up();
  EXPECT_EQ(ids_of(heard), written);
  bus.catch_up();  // nothing new: nobody is told twice
  EXPECT_EQ(ids_of(heard), written);

  // Written by hand, then published: both, in order, once.
  written.push_back(append("analysis.sample"));
  auto e = bus.publish(event("analysis.failed"));
  ASSERT_TRUE(e);
  written.push_back(e->id);
  EXPECT_EQ(ids_of(heard), written);
}

TEST_F(EventBusTest, CatchUpCrossesMoreThanOneBatch) {
  EventBus bus(*store_);
  std::vector<Event> heard;
  bus.subscribe([&](const Event& e) { heard.push_back(e); });
  std::vector<std::int64_t> written;
  ASSERT_TRUE(store_->transaction([&]() -> Status {
    for (int i = 0; i < 1203; ++i) written.push_back(append("analysis.sample"));
    return {};
  }));
  bus.catch_up();
  EXPECT_EQ(ids_of(heard), written);
}

TEST_F(EventBusTest, LetsASubscriberUnsubscribeItselfWhileItIsTold) {
  EventBus bus(*store_);
  std::vector<Event> once, always;
  std::uint64_t self = 0;
  self = bus.subscribe([&](const Event& e) {
    once.push_back(e);
    bus.unsubscribe(self);
  });
  bus.subscribe([&](const Event& e) { always.push_back(e); });
  ASSERT_TRUE(bus.publish(event("replica.started")));
  ASSERT_TRUE(bus.publish(event("replica.exited")));
  EXPECT_EQ(once.size(), 1u);
  EXPECT_EQ(always.size(), 2u);
  bus.unsubscribe(self);    // again: ignored
  bus.unsubscribe(987654);  // unknown: ignored
  ASSERT_TRUE(bus.publish(event("replica.started")));
  EXPECT_EQ(always.size(), 3u);
}

TEST_F(EventBusTest, LetsASubscriberUnsubscribeAnotherThatHasNotBeenToldYet) {
  EventBus bus(*store_);
  std::vector<Event> second_heard;
  std::uint64_t second = 0;
  bus.subscribe([&](const Event&) { bus.unsubscribe(second); });
  second = bus.subscribe([&](const Event& e) { second_heard.push_back(e); });
  ASSERT_TRUE(bus.publish(event("replica.started")));
  EXPECT_TRUE(second_heard.empty()) << "a subscriber was told after it left";
}

TEST_F(EventBusTest, DeliversWhatASubscriberPublishesOnceAndInOrder) {
  EventBus bus(*store_);
  std::vector<std::string> first, second;
  int depth = 0, deepest = 0;
  bus.subscribe([&](const Event& e) {
    ++depth;
    deepest = std::max(deepest, depth);
    first.push_back(e.type);
    // A reaction to an event is an event too (the notifier's notification.failed).
    if (e.type == "deployment.failed") {
      auto r = bus.publish(event("notification.failed"));
      EXPECT_TRUE(r) << r.error().str();
    }
    --depth;
  });
  bus.subscribe([&](const Event& e) { second.push_back(e.type); });
  ASSERT_TRUE(bus.publish(event("deployment.failed")));
  const std::vector<std::string> want = {"deployment.failed", "notification.failed"};
  EXPECT_EQ(first, want);
  EXPECT_EQ(second, want);
  EXPECT_EQ(deepest, 1) << "a subscriber was re-entered";
  const auto last = store_->last_event_id();
  ASSERT_TRUE(last);
  EXPECT_EQ(bus.last_announced(), *last);

  // Nothing is left for later: the next publish tells only of itself.
  ASSERT_TRUE(bus.publish(event("replica.started")));
  EXPECT_EQ(second.size(), 3u);
  EXPECT_EQ(second.back(), "replica.started");
}

TEST_F(EventBusTest, CountsItsSubscribers) {
  EventBus bus(*store_);
  EXPECT_EQ(bus.subscriber_count(), 0u);
  const auto a = bus.subscribe([](const Event&) {});
  const auto b = bus.subscribe([](const Event&) {});
  EXPECT_NE(a, b);
  EXPECT_EQ(bus.subscriber_count(), 2u);
  bus.unsubscribe(a);
  EXPECT_EQ(bus.subscriber_count(), 1u);
}

TEST(EventTypeMatches, FollowsStarAndPrefixPatterns) {
  struct Case {
    const char* pattern;
    const char* type;
    bool matches;
  };
  const Case cases[] = {
      {"*", "deployment.started", true},
      {"*", "", true},
      {"deployment.succeeded", "deployment.succeeded", true},
      {"deployment.succeeded", "deployment.succeeded.x", false},
      {"deployment.succeeded", "deployment.failed", false},
      {"rollback.*", "rollback.started", true},
      {"rollback.*", "rollback.a.b", true},
      {"rollback.*", "rollback.", false},
      {"rollback.*", "rollback", false},
      {"rollback.*", "rollbacks.started", false},
      {"rollback.*", "deployment.rolled_back", false},
      {"rollback.*", "x.rollback.started", false},
      {"deploy*", "deployment.started", false},  // only ".*" is a prefix pattern
      {"deploy*", "deploy*", true},
      {"", "", true},
      {"", "replica.started", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(type_matches(c.pattern, c.type), c.matches)
        << "pattern '" << c.pattern << "' type '" << c.type << "'";
  }
}

TEST(EventFilter, MatchesWhenEverySetFieldMatches) {
  Event e;
  e.deployment_id = "d-000007";
  e.type = "weight.changed";
  e.service = "api";
  e.environment = "production";

  struct Case {
    EventFilter filter;
    bool matches;
    const char* why;
  };
  const Case cases[] = {
      {{}, true, "no filter"},
      {{"d-000007", "", "", {}}, true, "deployment"},
      {{"d-000008", "", "", {}}, false, "another deployment"},
      {{"", "api", "", {}}, true, "service"},
      {{"", "web", "", {}}, false, "another service"},
      {{"", "", "production", {}}, true, "environment"},
      {{"", "", "staging", {}}, false, "another environment"},
      {{"", "", "", {"weight.changed"}}, true, "type"},
      {{"", "", "", {"deployment.*", "weight.*"}}, true, "any of the types"},
      {{"", "", "", {"deployment.*", "rollback.*"}}, false, "none of the types"},
      {{"d-000007", "api", "production", {"*"}}, true, "all of them"},
      {{"d-000007", "web", "production", {"*"}}, false, "all but the service"},
  };
  for (const auto& c : cases) EXPECT_EQ(c.filter.matches(e), c.matches) << c.why;

  Event replica;  // no deployment
  replica.type = "replica.started";
  replica.service = "api";
  EXPECT_FALSE((EventFilter{"d-000007", "", "", {}}).matches(replica));
  EXPECT_TRUE((EventFilter{"", "api", "", {"replica.*"}}).matches(replica));
}

TEST(EventJson, CarriesEveryFieldWithAnRfc3339Time) {
  Event e{42,           "d-000007", 1'764'640'000'123, "weight.changed", "{\"weight\":10}", "api",
          "production", "v2"};
  const json j = json::parse(event_json(e));
  EXPECT_EQ(j["id"], 42);
  EXPECT_EQ(j["at"], "2025-12-02T01:46:40.123Z");
  EXPECT_EQ(j["type"], "weight.changed");
  EXPECT_EQ(j["deployment"], "d-000007");
  EXPECT_EQ(j["service"], "api");
  EXPECT_EQ(j["environment"], "production");
  EXPECT_EQ(j["version"], "v2");
  EXPECT_EQ(j["data"], json({{"weight", 10}}));
  EXPECT_EQ(j.size(), 8u);
  EXPECT_EQ(event_json(e).find('\n'), std::string::npos) << "one line";
}

TEST(EventJson, CarriesDataThatIsNotJsonAsAString) {
  Event e{1, "", 0, "replica.exited", "exit status 3 {", "worker", "", ""};
  const json j = json::parse(event_json(e));
  EXPECT_EQ(j["data"], "exit status 3 {");
  EXPECT_EQ(j["deployment"], "");
  e.data_json = "";
  EXPECT_EQ(json::parse(event_json(e))["data"], json::object());
  e.data_json = "{\"line\":\"\xff\xfe bad utf-8\"}";
  EXPECT_TRUE(json::accept(event_json(e))) << "invalid UTF-8 is replaced, not thrown";
}

}  // namespace
}  // namespace gantry::telemetry
