// HTTP/1.1 keep-alive server with fault injection, SSE and WebSocket echo (Boost.Beast).
#include "server.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/asio.h"

namespace example {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// What /admin/set may change at run time.
struct Faults {
  std::atomic<double> error_rate{0};
  std::atomic<long long> latency_ms{0};
  std::atomic<int> health{0}, readiness{0}, liveness{0};  // HealthMode
  std::atomic<int> deep{0};                               // DeepStatus
  std::atomic<std::uint64_t> requests{0};
};

struct App {
  Options options;
  Faults faults;
};

double random_unit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

std::string query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  explicit WebSocketSession(tcp::socket socket) : ws_(std::move(socket)) {}

  void run(http::request<http::string_body> req) {
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(), [self](beast::error_code ec2, std::size_t) {
        if (ec2) return;
        self->buffer_.consume(self->buffer_.size());
        self->read();
      });
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, App& app)
      : stream_(std::move(socket)), app_(app), timer_(stream_.get_executor()) {}

  void start() { read(); }

 private:
  void read() {
    req_ = {};
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    req_ = parser_->release();
    if (websocket::is_upgrade(req_)) {
      std::make_shared<WebSocketSession>(stream_.release_socket())->run(std::move(req_));
      return;
    }
    handle();
  }

  void handle() {
    const auto n = ++app_.faults.requests;
    if (app_.options.crash_after_requests && n > app_.options.crash_after_requests) {
      std::fprintf(stderr, "example-app: crashing after %llu requests (--crash-after-requests)\n",
                   static_cast<unsigned long long>(app_.options.crash_after_requests));
      std::_Exit(3);
    }
    const std::string target(req_.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/health" || path == "/health/ready" || path == "/health/live") {
      int mode = app_.faults.health.load();
      if (mode == static_cast<int>(HealthMode::Ok)) {
        if (path == "/health/ready") mode = app_.faults.readiness.load();
        if (path == "/health/live") mode = app_.faults.liveness.load();
      }
      if (mode == static_cast<int>(HealthMode::Hang)) return hang();
      if (mode == static_cast<int>(HealthMode::Fail))
        return respond(http::status::service_unavailable, "failing\n");
      return respond(http::status::ok, "ok\n");
    }
    if (path == "/health/deep") {
      const auto status = static_cast<DeepStatus>(app_.faults.deep.load());
      const std::string s = name_of(status);
      return respond(
          status == DeepStatus::Unhealthy ? http::status::service_unavailable : http::status::ok,
          "{\"status\":\"" + s + "\",\"checks\":{\"database\":{\"status\":\"" + s +
              "\"},\"cache\":{\"status\":\"healthy\"}}}\n",
          "application/json");
    }
    if (path == "/admin/set") return admin_set(target);
    if (path == "/sse") return sse(target);
    if (path == "/echo") return respond(http::status::ok, req_.body(), "application/octet-stream");
    ordinary();
  }

  void ordinary() {
    long long delay = app_.faults.latency_ms.load();
    if (app_.options.tail_latency.count() && random_unit() < app_.options.tail_share) {
      delay += app_.options.tail_latency.count();
    }
    auto finish = [self = shared_from_this()] {
      if (random_unit() < self->app_.faults.error_rate.load()) {
        return self->respond(http::status::internal_server_error, "injected failure\n");
      }
      const auto& o = self->app_.options;
      self->respond(http::status::ok, "hello from " + o.name + " " + o.version +
                                          (o.replica.empty() ? "" : " replica " + o.replica) +
                                          "\n");
    };
    if (delay <= 0) return finish();
    timer_.expires_after(std::chrono::milliseconds(delay));
    timer_.async_wait([finish](beast::error_code ec) {
      if (!ec) finish();
    });
  }

  void admin_set(const std::string& target) {
    std::string v;
    if (!(v = query_param(target, "error_rate")).empty())
      app_.faults.error_rate = std::strtod(v.c_str(), nullptr);
    if (!(v = query_param(target, "latency")).empty()) {
      Millis m{0};
      if (parse_millis(v, m)) app_.faults.latency_ms = m.count();
    }
    HealthMode h;
    if (parse_health_mode(query_param(target, "health"), h))
      app_.faults.health = static_cast<int>(h);
    if (parse_health_mode(query_param(target, "readiness"), h))
      app_.faults.readiness = static_cast<int>(h);
    if (parse_health_mode(query_param(target, "liveness"), h))
      app_.faults.liveness = static_cast<int>(h);
    DeepStatus d;
    if (parse_deep_status(query_param(target, "deep"), d)) app_.faults.deep = static_cast<int>(d);
    respond(http::status::ok, "ok\n");
  }

  // Server-sent events: n events, one per interval, then the stream ends.
  void sse(const std::string& target) {
    sse_left_ = 10;
    if (auto n = query_param(target, "n"); !n.empty())
      sse_left_ = std::strtoll(n.c_str(), nullptr, 10);
    sse_interval_ = Millis(100);
    if (auto i = query_param(target, "interval"); !i.empty()) parse_millis(i, sse_interval_);
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::ok, req_.version());
    res->set(http::field::content_type, "text/event-stream");
    res->set(http::field::cache_control, "no-cache");
    res->set(http::field::connection, "close");
    res->set("X-Version", app_.options.version);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    http::async_write_header(
        stream_, *sr, [self = shared_from_this(), res, sr](beast::error_code ec, std::size_t) {
          if (!ec) self->sse_next();
        });
  }

  void sse_next() {
    if (sse_left_ <= 0) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    --sse_left_;
    const std::string id = std::to_string(++sse_id_);
    sse_buf_ = "id: " + id + "\ndata: {\"version\":\"" + app_.options.version + "\",\"seq\":" + id +
               "}\n\n";
    asio::async_write(stream_, asio::buffer(sse_buf_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        self->timer_.expires_after(self->sse_interval_);
                        self->timer_.async_wait([self](beast::error_code ec2) {
                          if (!ec2) self->sse_next();
                        });
                      });
  }

  // Never answer; keep the connection open until the client gives up (or an hour passes).
  void hang() {
    timer_.expires_after(std::chrono::hours(1));
    timer_.async_wait([self = shared_from_this()](beast::error_code) {});
  }

  void respond(http::status status, std::string body, const char* type = "text/plain") {
    auto res = std::make_shared<http::response<http::string_body>>(status, req_.version());
    res->set(http::field::server, "example-app");
    res->set(http::field::content_type, type);
    res->set("X-Version", app_.options.version);
    res->set("X-Service", app_.options.name);
    if (!app_.options.replica.empty()) res->set("X-Replica", app_.options.replica);
    res->keep_alive(req_.keep_alive());
    res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!res->keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  beast::tcp_stream stream_;
  App& app_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  long long sse_left_ = 0;
  long long sse_id_ = 0;
  Millis sse_interval_{100};
  std::string sse_buf_;
};

void accept(tcp::acceptor& acceptor, App& app) {
  acceptor.async_accept([&acceptor, &app](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<HttpSession>(std::move(socket), app)->start();
    }
    if (acceptor.is_open()) accept(acceptor, app);
  });
}

void arm_crash_timer(asio::io_context& io, const Options& o,
                     std::unique_ptr<asio::steady_timer>& t) {
  if (!o.crash_after.count()) return;
  t = std::make_unique<asio::steady_timer>(io, o.crash_after);
  t->async_wait([ms = o.crash_after.count()](beast::error_code ec) {
    if (ec) return;
    std::fprintf(stderr, "example-app: crashing after %lldms (--crash-after)\n",
                 static_cast<long long>(ms));
    std::_Exit(3);
  });
}

}  // namespace

int run_server(const Options& o) {
  if (o.ignore_sigterm) std::signal(SIGTERM, SIG_IGN);
  if (o.slow_start.count()) std::this_thread::sleep_for(o.slow_start);
  App app{o, {}};
  app.faults.error_rate = o.error_rate;
  app.faults.latency_ms = o.latency.count();
  app.faults.health = static_cast<int>(o.health);
  app.faults.readiness = static_cast<int>(o.readiness);
  app.faults.liveness = static_cast<int>(o.liveness);
  app.faults.deep = static_cast<int>(o.deep);

  asio::io_context io(o.threads);
  tcp::acceptor acceptor(io);
  beast::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(o.host, ec), static_cast<unsigned short>(o.port));
  if (ec) {
    std::fprintf(stderr, "example-app: bad --host %s\n", o.host.c_str());
    return 2;
  }
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "example-app: cannot listen on %s:%d: %s\n", o.host.c_str(), o.port,
                 ec.message().c_str());
    return 1;
  }
  std::printf("example-app %s %s listening on %s:%d\n", o.name.c_str(), o.version.c_str(),
              o.host.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  accept(acceptor, app);

  std::unique_ptr<asio::steady_timer> crash;
  arm_crash_timer(io, o, crash);
  asio::signal_set signals(io, SIGINT);
  if (!o.ignore_sigterm) signals.add(SIGTERM);
  signals.async_wait([&](beast::error_code, int sig) {
    std::printf("example-app %s: signal %d, stopping\n", o.name.c_str(), sig);
    std::fflush(stdout);
    io.stop();
  });

  std::vector<std::thread> workers;
  for (int i = 1; i < o.threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : workers) t.join();
  return 0;
}

int run_worker(const Options& o) {
  if (o.ignore_sigterm) std::signal(SIGTERM, SIG_IGN);
  if (o.slow_start.count()) std::this_thread::sleep_for(o.slow_start);
  asio::io_context io(1);
  std::unique_ptr<asio::steady_timer> crash;
  arm_crash_timer(io, o, crash);
  asio::steady_timer beat(io);
  std::uint64_t n = 0;
  std::function<void()> tick = [&] {
    std::printf("example-app %s %s: heartbeat %llu\n", o.name.c_str(), o.version.c_str(),
                static_cast<unsigned long long>(++n));
    std::fflush(stdout);
    beat.expires_after(o.heartbeat);
    beat.async_wait([&](beast::error_code ec) {
      if (!ec) tick();
    });
  };
  tick();
  asio::signal_set signals(io, SIGINT);
  if (!o.ignore_sigterm) signals.add(SIGTERM);
  signals.async_wait([&](beast::error_code, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace example
