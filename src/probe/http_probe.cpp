// HTTP probes: one HTTP/1.1 request per probe over a fresh connection (Beast), cut off at the
// probe's deadline. Not thread-safe: runs on the caller's io_context thread.
#include <string>
#include <vector>

#include "probe/probe_impl.h"

namespace gantry::probe::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Enough for any health or deep-health body; a larger one is a failure, not a memory hazard.
constexpr std::uint64_t kBodyLimit = 1 << 20;

ProbeResult failure(std::string detail) { return failure_result(std::move(detail)); }

class HttpProbe final : public SocketProbe<HttpProbe>,
                        public std::enable_shared_from_this<HttpProbe> {
 public:
  using SocketProbe::SocketProbe;

  void start() {
    const auto& h = config_.http;
    verb_ = http::string_to_verb(h.method);
    if (verb_ == http::verb::unknown) {
      return finish_later(shared_from_this(), failure("unknown HTTP method '" + h.method + "'"));
    }
    resolve_then_connect(h.host, h.port);
  }

  void connect(std::vector<tcp::endpoint> endpoints) {
    stream_.expires_at(deadline());
    stream_.async_connect(
        endpoints, [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
          if (self->finished()) return;
          if (ec) return self->fail(ec);
          self->write();
        });
  }

  void write() {
    const auto& h = config_.http;
    req_.method(verb_);
    req_.target(h.path.empty() ? "/" : h.path);
    req_.version(11);
    const bool ipv6 = h.host.find(':') != std::string::npos;
    req_.set(http::field::host,
             (ipv6 ? "[" + h.host + "]" : h.host) + ":" + std::to_string(h.port));
    req_.set(http::field::user_agent, "gantry-probe");
    req_.set(http::field::accept, "*/*");
    req_.keep_alive(false);
    for (const auto& [name, value] : h.headers) req_.set(name, value);
    req_.prepare_payload();
    stream_.expires_at(deadline());
    http::async_write(stream_, req_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (self->finished()) return;
                        if (ec) return self->fail(ec);
                        self->read();
                      });
  }

  void read() {
    parser_.body_limit(kBodyLimit);
    if (verb_ == http::verb::head) parser_.skip(true);  // a HEAD response has no body to read
    stream_.expires_at(deadline());
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (self->finished()) return;
                       if (ec) return self->fail(ec);
                       self->judge();
                     });
  }

  void judge() {
    const auto& h = config_.http;
    const auto& res = parser_.get();
    ProbeResult r;
    r.http_status = static_cast<int>(res.result_int());
    r.detail = "HTTP " + std::to_string(r.http_status);
    const bool in_range = r.http_status >= h.status_min && r.http_status <= h.status_max;
    r.outcome = in_range ? Outcome::Success : Outcome::Failure;
    if (h.deep_health) {
      auto deep = parse_deep_health(res.body());
      if (deep) {
        r.detail += std::string(", deep health ") + to_string(deep->status);
        // An endpoint may say "unhealthy" with a 200; the body is the stronger claim.
        if (deep->status == DeepStatus::Unhealthy) r.outcome = Outcome::Failure;
        r.deep = std::move(deep.value());
      } else if (in_range) {
        r.outcome = Outcome::Failure;
        r.detail += ", " + deep.error().message;
      }
    }
    if (h.keep_body) r.body = std::move(parser_.get().body());
    close();
    finish(std::move(r));
  }

  void fail(boost::system::error_code ec) {
    close();
    if (ec == beast::error::timeout) return finish(timeout_result(config_.timeout));
    finish(failure(describe_network_error(ec)));
  }

  void close() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  http::verb verb_ = http::verb::get;
  http::request<http::empty_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

std::shared_ptr<ProbeOp> start_http_probe(asio::io_context& io, const ProbeConfig& config,
                                          Done done) {
  auto op = std::make_shared<HttpProbe>(io, config, std::move(done));
  op->start();
  return op;
}

}  // namespace gantry::probe::detail
