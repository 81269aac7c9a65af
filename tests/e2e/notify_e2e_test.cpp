// Notifications across a daemon crash: a real daemon with a signed webhook sink whose receiver
// is down, a deploy that rolls back, kill -9 while deliveries wait in the outbox, the receiver
// up again, `gantry up` again: the rollback's notification arrives, signed, with the delivery
// id the outbox gave it before the crash.
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/rollout_fixture.h"
#include "notify/receiver.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "e2e-shared-secret";

class NotifyE2e : public RolloutE2e {
 protected:
  // The outbox as GET /v1/notifications shows it.
  json notifications(const std::string& query = "") {
    const json body = api("/v1/notifications?limit=100" + query);
    return body.is_object() && body["notifications"].is_array() ? body["notifications"]
                                                                : json::array();
  }

  // The pending item of the event type, once it was tried at least once; null until then.
  json tried_pending(const std::string& type) {
    for (const auto& n : notifications("&status=pending")) {
      if (n.value("event_type", "") == type && n.value("attempts", 0) > 0) return n;
    }
    return json();
  }
};

TEST_F(NotifyE2e, ARollbackNotificationSurvivesKillNineAndArrivesSigned) {
  ASSERT_GE(sodium_init(), 0);
  // A port where nothing listens yet: the receiver is down until after the crash.
  int hook_port = 0;
  {
    Receiver probe([](const ReceivedRequest&, int) { return 200; });
    hook_port = probe.port();
  }
  ASSERT_GT(hook_port, 0);
  const std::string notify =
      "notify:\n"
      "  - name: ops\n"
      "    webhook:\n"
      "      url: http://127.0.0.1:" +
      std::to_string(hook_port) +
      "/gantry\n"
      "      secret: " +
      kSecret +
      "\n"
      "      events: [deployment.*, rollback.*]\n"
      "      backoff: { initial: 100ms, max: 300ms }\n";
  write_spec(2,
             "    strategy:\n"
             "      canary:\n"
             "        steps: [ {weight: 50}, {pause: 30s}, {weight: 100} ]\n",
             "", notify);
  up_and_ready(2);

  auto r = deploy({"--version", "v2", "--set", "APP_CRASH_AFTER=300ms", "--format", "json"});
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  const json out = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(out.is_object() && out["deployments"].size() == 1) << r.out;
  const std::string id = out["deployments"][0].value("id", "");
  ASSERT_EQ(out["deployments"][0]["status"], "rolled_back") << event_lines(id);

  // The rollback's notification waits in the outbox, tried and failed (nothing listens).
  json waiting;
  ASSERT_TRUE(wait_until(
      [&] {
        waiting = tried_pending("deployment.rolled_back");
        return waiting.is_object();
      },
      kDeadline))
      << notifications().dump(2);
  EXPECT_EQ(waiting["sink"], "ops");
  EXPECT_EQ(waiting["deployment_id"], id);
  EXPECT_NE(waiting.value("last_error", ""), "");
  const std::string delivery = std::to_string(waiting.value("id", 0));
  // gantry notifications lists it too.
  auto listed = gantry({"notifications", "--status", "pending", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("deployment.rolled_back"), std::string::npos) << listed.out;

  const int daemon = daemon_pid();
  ASSERT_GT(daemon, 0);
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return !alive(daemon); }, kDeadline));

  Receiver receiver([](const ReceivedRequest&, int) { return 200; }, hook_port);
  ASSERT_EQ(receiver.port(), hook_port);
  auto again = up();
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;

  auto rolled_back = [&]() -> std::optional<ReceivedRequest> {
    for (const auto& req : receiver.requests()) {
      if (req.header("x-gantry-event") == "deployment.rolled_back") return req;
    }
    return std::nullopt;
  };
  ASSERT_TRUE(wait_until([&] { return rolled_back().has_value(); }, kDeadline))
      << receiver.count() << " requests; outbox: " << notifications().dump(2);
  const ReceivedRequest got = *rolled_back();
  EXPECT_EQ(got.target, "/gantry");
  EXPECT_TRUE(signature_valid(got, kSecret)) << got.header("x-gantry-signature");
  EXPECT_EQ(got.header("x-gantry-delivery"), delivery);
  const json body = json::parse(got.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << got.body;
  EXPECT_EQ(body["delivery"], delivery);
  EXPECT_EQ(body["project"], "e2e");
  EXPECT_EQ(body["event"]["type"], "deployment.rolled_back");
  EXPECT_EQ(body["deployment"]["id"], id);
  EXPECT_EQ(body["deployment"]["status"], "rolled_back");
  EXPECT_EQ(body["deployment"]["version"], "v2");
  EXPECT_EQ(body["deployment"]["rollback_reason"].get<std::string>().rfind("crash: ", 0), 0u)
      << body.dump(2);

  // The outbox says so too: delivered, after the attempts made before the crash.
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& n : notifications("&status=delivered")) {
          if (std::to_string(n.value("id", 0)) == delivery) return n.value("attempts", 0) >= 2;
        }
        return false;
      },
      kDeadline))
      << notifications().dump(2);
}

}  // namespace
}  // namespace gantry::testing
