// A real ApiServer on a real unix socket in a temp dir, served by a small Controller backed by
// a real SQLite store and real log files; the test thread drives it with the real client.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/client.h"
#include "api/server.h"
#include "core/asio.h"
#include "core/timestamp.h"
#include "daemon/controller.h"
#include "store/store.h"

namespace gantry::api::testing {

// The Controller interface as the API consumes it: fixed snapshots, a real store, log files
// in dir/logs. Restarts complete on the io thread, like the real one's would.
class TestController : public daemon::Controller {
 public:
  TestController(boost::asio::io_context& io, const std::string& dir) : io_(io), dir_(dir) {
    spec_.project = "shop";
    spec_.environment = "staging";
    spec::Service api;
    api.name = "api";
    api.port = 8080;
    api.replicas = 2;
    spec::Service worker;
    worker.name = "worker";
    spec_.services = {api, worker};

    daemon::ServiceView api_view{"api", "v1", "api-r1", 8080, 2, 2, "healthy", 1, {}};
    for (int i = 0; i < 2; ++i) {
      daemon::ReplicaView r;
      r.service = "api";
      r.index = i;
      r.version = "v1";
      r.revision_id = "api-r1";
      r.pid = 4100 + i;
      r.port = 41000 + i;
      r.phase = "running";
      r.readiness = "ready";
      r.liveness = "passing";
      r.restarts = i;
      r.cpu_percent = 1.5;
      r.rss_bytes = 12 * 1024 * 1024;
      r.uptime_ms = 65000;
      api_view.replicas.push_back(r);
    }
    daemon::ServiceView worker_view{"worker",   "v1", "worker-r1", std::nullopt, 1, 0,
                                    "starting", 0,    {}};
    daemon::ReplicaView w;
    w.service = "worker";
    w.pid = 4200;
    w.phase = "running";
    w.readiness = "not_ready";
    w.liveness = "none";
    worker_view.replicas.push_back(w);
    views_ = {api_view, worker_view};

    std::filesystem::create_directories(dir + "/logs");
    auto store = store::open_sqlite(dir + "/gantry.db");
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().str());
    store_ = std::move(*store);
    events_ = std::make_unique<telemetry::EventBus>(*store_);
  }

  std::vector<daemon::ServiceView> services() override { return views_; }
  const spec::Spec& spec() const override { return spec_; }
  store::Store& store() override { return *store_; }
  telemetry::EventBus& events() override { return *events_; }
  std::string log_path(const std::string& service, int index) const override {
    return dir_ + "/logs/" + service + "-" + std::to_string(index) + ".log";
  }

  // "worker" fails to restart, as a service whose new replica never gets ready would.
  void restart_service(const std::string& service, std::function<void(Status)> done) override {
    {
      std::lock_guard lock(mu_);
      restarted_.push_back(service);
    }
    boost::asio::post(io_, [service, done = std::move(done)] {
      if (service == "worker") {
        done(make_error(ErrorCode::Internal, "replica worker/0 did not become ready within 30s"));
      } else {
        done({});
      }
    });
  }
  void shutdown(std::function<void()> done) override { done(); }
  // Deployments are the daemon's tests' business (tests/e2e): here they are refused.
  Result<daemon::DeployResult> deploy(const daemon::DeployRequest&) override {
    return make_error(ErrorCode::Conflict, "the test controller deploys nothing");
  }
  Result<store::Deployment> rollback(const std::string&, const std::string&,
                                     const std::string&) override {
    return make_error(ErrorCode::Conflict, "the test controller rolls nothing back");
  }
  Result<store::Deployment> act(const std::string& service, daemon::RolloutAction, bool,
                                const std::string&) override {
    return make_error(ErrorCode::Conflict, "no deployment of " + service + " is under way");
  }
  std::optional<rollout::RolloutView> rollout_view(const std::string&) override {
    return std::nullopt;
  }
  Status reload_secrets() override { return {}; }
  Result<daemon::RotationResult> secret_rotated(const std::string& name, const std::string&, int,
                                                const std::string&) override {
    daemon::RotationResult r;
    r.skipped.emplace_back("api", "the test controller deploys nothing (" + name + ")");
    return r;
  }
  const SecretMask& secret_mask() const override { return mask_; }
  // Values the API must never show (tests set them).
  void hide(std::vector<std::string> forms) { mask_.set(std::move(forms)); }

  std::vector<std::string> restarted() {
    std::lock_guard lock(mu_);
    return restarted_;
  }

 private:
  boost::asio::io_context& io_;
  std::string dir_;
  spec::Spec spec_;
  std::vector<daemon::ServiceView> views_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<telemetry::EventBus> events_;
  SecretMask mask_;
  std::mutex mu_;
  std::vector<std::string> restarted_;
};

// A log line in the pump's format.
inline std::string log_line(std::int64_t at_ms, std::string_view stream, std::string_view text) {
  return format_timestamp(at_ms) + " " + std::string(stream) + " | " + std::string(text) + "\n";
}

inline void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app);
  out << text;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-api-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_ = dir_ + "/gantry.sock";
    controller_ = std::make_unique<TestController>(io_, dir_);
    auto server = ApiServer::start(io_, *controller_, socket_, [this] { stop_requested_ = true; });
    ASSERT_TRUE(server.ok()) << server.error().str();
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    stop_server();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Destroys the server on its own thread, as the daemon would, then stops the loop.
  void stop_server() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] { server_.reset(); });
    guard_.reset();
    thread_.join();
  }

  ApiResponse get(const std::string& target) { return request("GET", target); }
  ApiResponse post(const std::string& target, const std::string& body = {}) {
    return request("POST", target, body);
  }
  ApiResponse request(const std::string& method, const std::string& target,
                      const std::string& body = {}) {
    auto r = call(socket_, method, target, body);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << (r.ok() ? "" : r.error().str());
    return r.ok() ? *r : ApiResponse{};
  }
  static nlohmann::json json_of(const ApiResponse& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  static std::string error_code(const ApiResponse& r) {
    auto j = json_of(r);
    return j.contains("error") ? j["error"].value("code", "") : "";
  }
  static std::string error_message(const ApiResponse& r) {
    auto j = json_of(r);
    return j.contains("error") ? j["error"].value("message", "") : "";
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
      boost::asio::make_work_guard(io_);
  std::string dir_;
  std::string socket_;
  std::unique_ptr<TestController> controller_;
  std::unique_ptr<ApiServer> server_;
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace gantry::api::testing
