// The Notifier end to end within the module: a real SQLite store, real HTTP receivers on
// 127.0.0.1, real signatures checked with libsodium; retries, give-up, filters, and an outbox
// that outlives its notifier.
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <mutex>
#include <set>

#include "notify/notify_fixture.h"
#include "notify/receiver.h"

namespace gantry::notify::testing {
namespace {

using gantry::testing::ReceivedRequest;
using gantry::testing::Receiver;
using gantry::testing::signature_valid;

TEST_F(NotifierTest, SignsAWebhookDeliveryThatTheReceiverVerifies) {
  ASSERT_GE(sodium_init(), 0);
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  const auto& d = deployment_;
  const auto e = append("deployment.rolled_back", {{"reason", d.rollback_reason}});
  SinkConfig sink = webhook("ops", receiver.url("/gantry?team=pay"));
  sink.secret = "a long, random shared secret";
  sink.headers["X-Team"] = "payments";
  auto n = start(options({sink}));

  auto delivered =
      wait_item("ops", e.id, [](const store::OutboxItem& i) { return i.status == "delivered"; });
  ASSERT_TRUE(delivered) << "nothing delivered";
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/gantry?team=pay");
  EXPECT_TRUE(signature_valid(r, "a long, random shared secret")) << r.header("x-gantry-signature");
  EXPECT_FALSE(signature_valid(r, "another secret"));
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("user-agent"), "gantry/test");
  EXPECT_EQ(r.header("x-gantry-event"), "deployment.rolled_back");
  EXPECT_EQ(r.header("x-gantry-delivery"), std::to_string(delivered->id));
  EXPECT_EQ(r.header("x-team"), "payments");
  const long long ts = std::stoll(r.header("x-gantry-timestamp"));
  EXPECT_LE(std::llabs(ts - now_unix_ms() / 1000), 60);

  const json body = json::parse(r.body);
  EXPECT_EQ(body["delivery"], std::to_string(delivered->id));
  EXPECT_EQ(body["project"], "shop");
  EXPECT_EQ(body["event"]["id"], e.id);
  EXPECT_EQ(body["event"]["type"], "deployment.rolled_back");
  EXPECT_EQ(body["event"]["deployment"], "d-000001");
  EXPECT_EQ(body["event"]["data"]["reason"], d.rollback_reason);
  const json& dep = body["deployment"];
  EXPECT_EQ(dep["service"], "api");
  EXPECT_EQ(dep["environment"], "production");
  EXPECT_EQ(dep["version"], "v3");
  EXPECT_EQ(dep["commit"], "abc1234");
  EXPECT_EQ(dep["triggered_by"], "cli:alice");
  EXPECT_EQ(dep["status"], "rolled_back");
  EXPECT_EQ(dep["duration_ms"], 42'000);
  EXPECT_DOUBLE_EQ(dep["health_score"].get<double>(), 0.4);
  EXPECT_EQ(dep["rollback_reason"], d.rollback_reason);
  EXPECT_EQ(delivered->attempts, 1);
  EXPECT_TRUE(delivered->done_at_ms.has_value());
}

TEST_F(NotifierTest, SendsNoSignatureWithoutASecret) {
  Receiver receiver([](const ReceivedRequest&, int) { return 204; });
  const auto e = append("replica.exited", {{"index", 0}}, "");
  auto n = start(options({webhook("plain", receiver.url())}));
  ASSERT_TRUE(wait_item("plain", e.id, [](const auto& i) { return i.status == "delivered"; }));
  const auto r = receiver.requests().at(0);
  EXPECT_EQ(r.header("x-gantry-signature"), "");
  const json body = json::parse(r.body);
  EXPECT_TRUE(body["deployment"].is_null()) << body.dump();
  EXPECT_EQ(body["event"]["type"], "replica.exited");
}

TEST_F(NotifierTest, RetriesUntilAcceptedWithTheSameDeliveryIdAndDeliversOnce) {
  Receiver receiver([](const ReceivedRequest&, int n) { return n < 2 ? 500 : 200; });
  const auto e = append("deployment.rolled_back");
  auto n = start(options({webhook("ops", receiver.url())}));

  auto done = wait_item("ops", e.id, [](const auto& i) { return i.status == "delivered"; });
  ASSERT_TRUE(done) << "never delivered";
  EXPECT_EQ(done->attempts, 3);
  EXPECT_EQ(done->last_error, "");
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::set<std::string> ids;
  for (const auto& r : requests) ids.insert(r.header("x-gantry-delivery"));
  EXPECT_EQ(ids, (std::set<std::string>{std::to_string(done->id)}));
}

TEST_F(NotifierTest, KeepsTheLastErrorAndTheNextAttemptWhileItRetries) {
  Receiver receiver([](const ReceivedRequest&, int) { return 503; });
  const auto e = append("deployment.failed");
  SinkConfig sink = webhook("ops", receiver.url());
  sink.backoff = {1h, 1h};  // one attempt, then a long wait
  auto n = start(options({sink}));
  auto pending = wait_item("ops", e.id, [](const auto& i) { return i.attempts >= 1; });
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->status, "pending");
  EXPECT_EQ(pending->last_error, "HTTP 503: not now");
  EXPECT_LE(pending->next_attempt_at_ms, now_unix_ms() + 3'600'000);
  EXPECT_GE(pending->next_attempt_at_ms, pending->created_at_ms);
}

TEST_F(NotifierTest, GivesUpAfterMaxAgeAndRecordsNotificationFailed) {
  Receiver receiver([](const ReceivedRequest&, int) { return 500; });
  const auto e = append("deployment.rolled_back");
  SinkConfig sink = webhook("ops", receiver.url());
  sink.max_age = 300ms;
  NotifierOptions o = options({sink});
  std::mutex mu;
  std::vector<store::DeploymentEvent> told;
  o.on_event_written = [&](const store::DeploymentEvent& w) {
    std::lock_guard<std::mutex> lock(mu);
    told.push_back(w);
  };
  auto n = start(std::move(o));

  auto given_up = wait_item("ops", e.id, [](const auto& i) { return i.status == "given_up"; });
  ASSERT_TRUE(given_up);
  EXPECT_GE(given_up->attempts, 1);
  EXPECT_NE(given_up->last_error.find("HTTP 500"), std::string::npos) << given_up->last_error;
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !told.empty();
  }));
  store::DeploymentEvent failed;
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(told.size(), 1u);
    failed = told[0];
  }
  EXPECT_EQ(failed.type, "notification.failed");
  EXPECT_EQ(failed.deployment_id, "d-000001");
  const json data = json::parse(failed.data_json);
  EXPECT_EQ(data["sink"], "ops");
  EXPECT_EQ(data["event_id"], e.id);
  EXPECT_EQ(data["attempts"], given_up->attempts);
  EXPECT_EQ(data["last_error"], given_up->last_error);
  // It is in the store's stream too, and the failing sink is not told about itself.
  auto stored = store_->list_events("d-000001", e.id);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0], failed);
  ASSERT_TRUE(wait_cursor(failed.id));
  EXPECT_FALSE(item("ops", failed.id).has_value());
}

TEST_F(NotifierTest, TellsAnotherSinkWhenOneGivesUp) {
  Receiver down([](const ReceivedRequest&, int) { return 500; });
  Receiver up([](const ReceivedRequest&, int) { return 200; });
  const auto e = append("deployment.failed");
  SinkConfig a = webhook("a", down.url());
  a.max_age = 200ms;
  SinkConfig b = webhook("b", up.url());
  b.events = {"notification.failed"};
  auto n = start(options({a, b}));
  ASSERT_TRUE(wait_item("a", e.id, [](const auto& i) { return i.status == "given_up"; }));
  ASSERT_TRUE(wait_until([&] { return up.count() >= 1; }));
  const auto r = up.requests().at(0);
  EXPECT_EQ(r.header("x-gantry-event"), "notification.failed");
  EXPECT_EQ(json::parse(r.body)["event"]["data"]["sink"], "a");
}

TEST_F(NotifierTest, EnqueuesOnlyWhatASinksFiltersWant) {
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  const auto started = append("deployment.started");
  const auto weight = append("weight.changed", {{"weights", {{"v3", 10}}}});
  const auto rollback = append("rollback.started", {{"rule", "crash"}, {"reason", "crashed"}});
  const auto staging = append("deployment.failed", json::object(), "d-000002", "staging");
  const auto done = append("deployment.rolled_back");
  SinkConfig sink = webhook("prod", receiver.url());
  sink.events = {"deployment.*", "rollback.*"};
  sink.environments = {"production"};
  auto n = start(options({sink}));
  ASSERT_TRUE(wait_cursor(done.id));
  std::set<std::int64_t> enqueued;
  for (const auto& i : outbox()) enqueued.insert(i.event_id);
  EXPECT_EQ(enqueued, (std::set<std::int64_t>{started.id, rollback.id, done.id}));
  EXPECT_FALSE(item("prod", weight.id));
  EXPECT_FALSE(item("prod", staging.id));
}

TEST_F(NotifierTest, WakesForEventsWrittenAfterItStarted) {
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  NotifierOptions o = options({webhook("ops", receiver.url())});
  o.poll_interval = 1h;  // only the poke can wake it
  auto n = start(std::move(o));
  const auto e = append("deployment.succeeded");
  n->poke();
  EXPECT_TRUE(wait_item("ops", e.id, [](const auto& i) { return i.status == "delivered"; }));
}

TEST_F(NotifierTest, TheOutboxOutlivesANotifierStoppedMidRetry) {
  std::atomic<bool> accept{false};
  Receiver receiver([&](const ReceivedRequest&, int) { return accept ? 200 : 500; });
  const auto e = append("deployment.rolled_back");
  SinkConfig sink = webhook("ops", receiver.url());
  sink.backoff = {200ms, 200ms};
  {
    auto first = start(options({sink}));
    ASSERT_TRUE(wait_item("ops", e.id, [](const auto& i) { return i.attempts >= 1; }));
  }  // destroyed while the item waits for its next attempt
  const auto left = item("ops", e.id);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->status, "pending");
  const std::size_t attempts_before = receiver.count();
  EXPECT_GE(attempts_before, 1u);

  accept = true;
  auto second = start(options({sink}));
  auto done = wait_item("ops", e.id, [](const auto& i) { return i.status == "delivered"; });
  ASSERT_TRUE(done);
  const auto requests = receiver.requests();
  ASSERT_GT(requests.size(), attempts_before);
  for (const auto& r : requests) {
    EXPECT_EQ(r.header("x-gantry-delivery"), std::to_string(done->id));
  }
  EXPECT_EQ(outbox().size(), 1u);  // the second notifier enqueued nothing twice
}

TEST_F(NotifierTest, ASecretItCannotResolveIsRetriedWithTheResolversMessage) {
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  const auto e = append("deployment.succeeded");
  SinkConfig sink = webhook("vaulted", "secret://hook-url");
  sink.backoff = {1h, 1h};
  NotifierOptions o = options({sink});
  o.resolve_secret = [](std::string_view name) -> Result<std::string> {
    return make_error(ErrorCode::Unsupported,
                      "secret://" + std::string(name) + " needs the vault (gantry secrets)");
  };
  auto n = start(std::move(o));
  auto pending = wait_item("vaulted", e.id, [](const auto& i) { return i.attempts >= 1; });
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->status, "pending");
  EXPECT_EQ(pending->last_error, "url: secret://hook-url needs the vault (gantry secrets)");
  EXPECT_EQ(receiver.count(), 0u);
}

TEST_F(NotifierTest, ResolvesSecretReferencesInUrlSecretAndHeaders) {
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  const auto e = append("deployment.succeeded");
  SinkConfig sink = webhook("vaulted", "secret://hook-url");
  sink.secret = "secret://hook-key";
  sink.headers["Authorization"] = "secret://hook-auth";
  NotifierOptions o = options({sink});
  const std::string url = receiver.url();
  o.resolve_secret = [url](std::string_view name) -> Result<std::string> {
    if (name == "hook-url") return url;
    if (name == "hook-key") return std::string("k3y");
    if (name == "hook-auth") return std::string("Bearer t0ken");
    return make_error(ErrorCode::NotFound, "no secret " + std::string(name));
  };
  auto n = start(std::move(o));
  ASSERT_TRUE(wait_item("vaulted", e.id, [](const auto& i) { return i.status == "delivered"; }));
  const auto r = receiver.requests().at(0);
  EXPECT_TRUE(signature_valid(r, "k3y"));
  EXPECT_EQ(r.header("authorization"), "Bearer t0ken");
}

TEST_F(NotifierTest, PostsBlockKitToASlackWebhook) {
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  const auto e = append("deployment.rolled_back");
  SinkConfig sink = webhook("slack", receiver.url("/services/T0/B0/x"));
  sink.kind = SinkKind::Slack;
  sink.channel = "#deploys";
  auto n = start(options({sink}));
  ASSERT_TRUE(wait_item("slack", e.id, [](const auto& i) { return i.status == "delivered"; }));
  const auto r = receiver.requests().at(0);
  EXPECT_EQ(r.target, "/services/T0/B0/x");
  EXPECT_EQ(r.header("content-type"), "application/json");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["channel"], "#deploys");
  EXPECT_EQ(body["text"].get<std::string>().rfind("⏪ api v3 rolled back", 0), 0u) << body["text"];
  EXPECT_EQ(body["blocks"][0]["type"], "header");
}

TEST_F(NotifierTest, OnlyTheSinksOfThisNotifierAreTried) {
  Receiver receiver([](const ReceivedRequest&, int) { return 200; });
  const auto e = append("deployment.succeeded");
  // An item of a sink the spec no longer has (renamed or removed) is given up, not retried.
  store::OutboxItem orphan;
  orphan.sink = "gone";
  orphan.event_id = e.id;
  orphan.created_at_ms = now_unix_ms();
  orphan.next_attempt_at_ms = now_unix_ms();
  ASSERT_TRUE(store_->enqueue_outbox(orphan));
  auto n = start(options({webhook("ops", receiver.url())}));
  auto gone = wait_item("gone", e.id, [](const auto& i) { return i.status == "given_up"; });
  ASSERT_TRUE(gone);
  EXPECT_NE(gone->last_error.find("no sink named 'gone'"), std::string::npos) << gone->last_error;
  EXPECT_TRUE(wait_item("ops", e.id, [](const auto& i) { return i.status == "delivered"; }));
  EXPECT_EQ(receiver.count(), 1u);
}

TEST_F(NotifierTest, RefusesTwoSinksWithOneName) {
  auto n = Notifier::start(
      options({webhook("a", "http://127.0.0.1:1/"), webhook("a", "http://127.0.0.1:2/")}));
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message.find("two notify sinks are named 'a'"), std::string::npos);
}

}  // namespace
}  // namespace gantry::notify::testing
