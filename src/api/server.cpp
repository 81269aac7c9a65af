// The API server: a unix-socket acceptor and one keep-alive HTTP/1.1 session per connection,
// all asynchronous on the control-plane io_context; routes live in routes.cpp.
#include "api/server.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "api/routes_impl.h"
#include "core/asio.h"
#include "daemon/controller.h"

namespace gantry::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Local = asio::local::stream_protocol;

namespace {

constexpr std::size_t kMaxRequestBody = 1024 * 1024;
// A connection with no request in flight is closed after this long.
constexpr auto kIdleTimeout = std::chrono::minutes(2);

class Session;

}  // namespace

struct ApiServer::Listener : std::enable_shared_from_this<ApiServer::Listener> {
  Listener(asio::io_context& io, daemon::Controller& c, std::string path,
           std::function<void()> on_stop)
      : acceptor(io),
        controller(&c),
        socket_path(std::move(path)),
        on_stop_requested(std::move(on_stop)) {}

  void accept_next();
  void close();
  void stop_requested() {
    if (!open || stop_fired || !on_stop_requested) return;
    stop_fired = true;
    on_stop_requested();
  }

  Local::acceptor acceptor;
  daemon::Controller* controller;
  std::string socket_path;
  std::function<void()> on_stop_requested;
  bool open = true;
  bool stop_fired = false;
  std::vector<std::weak_ptr<Session>> sessions;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Local::socket socket, std::shared_ptr<ApiServer::Listener> listener)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        listener_(std::move(listener)) {}

  void start() { read_next(); }

  void close() {
    beast::error_code ec;
    timer_.cancel();
    if (socket_.is_open()) {
      socket_.shutdown(Local::socket::shutdown_both, ec);
      socket_.close(ec);
    }
  }

 private:
  void read_next() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    timer_.expires_after(kIdleTimeout);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->close();
    });
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    timer_.cancel();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      version_ = 11;
      return write(error_reply(413, "bad_request",
                               "request body over " + std::to_string(kMaxRequestBody) + " bytes"));
    }
    if (ec || !listener_->open) return close();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    // The reply may come later (restart); the session stays alive through the callback.
    const auto method = req.method_string();
    const auto target = req.target();
    handle_request(*listener_->controller, std::string_view(method.data(), method.size()),
                   std::string_view(target.data(), target.size()), req.body(),
                   [self = shared_from_this()](HttpReply reply) { self->write(std::move(reply)); });
  }

  void write(HttpReply reply) {
    if (!socket_.is_open()) return;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version_);
    res->set(http::field::server, "gantry");
    res->set(http::field::content_type, "application/json");
    if (!reply.allow.empty()) res->set(http::field::allow, reply.allow);
    res->keep_alive(keep_alive_);
    res->body() = std::move(reply.body);
    res->body().push_back('\n');
    res->prepare_payload();
    const bool stop = reply.stop_after_write;
    http::async_write(socket_, *res,
                      [self = shared_from_this(), res, stop](beast::error_code ec, std::size_t) {
                        // The stop was asked for: honour it even if the client left early.
                        if (stop) {
                          asio::post(self->socket_.get_executor(),
                                     [listener = self->listener_] { listener->stop_requested(); });
                        }
                        if (ec || !self->keep_alive_) return self->close();
                        self->read_next();
                      });
  }

  Local::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<ApiServer::Listener> listener_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

void ApiServer::Listener::accept_next() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, Local::socket socket) {
    if (!self->open) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(socket), self);
      std::erase_if(self->sessions, [](const auto& w) { return w.expired(); });
      self->sessions.push_back(session);
      session->start();
    }
    // EMFILE and the like are transient: keep accepting.
    self->accept_next();
  });
}

void ApiServer::Listener::close() {
  if (!open) return;
  open = false;
  beast::error_code ec;
  acceptor.close(ec);
  for (auto& weak : sessions) {
    if (auto s = weak.lock()) s->close();
  }
  sessions.clear();
  ::unlink(socket_path.c_str());
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(asio::io_context& io,
                                                    daemon::Controller& controller,
                                                    const std::string& socket_path,
                                                    std::function<void()> on_stop_requested) {
  const Location where{socket_path, 0, 0};
  if (socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error(ErrorCode::Invalid,
                      "socket path is " + std::to_string(socket_path.size()) +
                          " bytes long; unix sockets allow at most " +
                          std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                          " (use a shorter --state-dir)",
                      where);
  }
  struct stat st {};
  if (::lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return make_error(ErrorCode::Conflict, "exists and is not a socket; refusing to replace it",
                        where);
    }
    // A stale socket from a daemon that died: one daemon per state dir is held by its lock.
    if (::unlink(socket_path.c_str()) != 0) {
      return make_error(ErrorCode::Io,
                        std::string("cannot remove the stale socket: ") + std::strerror(errno),
                        where);
    }
  }

  auto listener =
      std::make_shared<Listener>(io, controller, socket_path, std::move(on_stop_requested));
  beast::error_code ec;
  bool bound = false;
  listener->acceptor.open(Local(), ec);
  if (!ec) {
    // Created under a 077 umask so that the socket is never reachable by others, not even
    // between bind and chmod.
    const mode_t old_mask = ::umask(077);
    listener->acceptor.bind(Local::endpoint(socket_path), ec);
    ::umask(old_mask);
    bound = !ec;
  }
  if (!ec && ::chmod(socket_path.c_str(), 0600) != 0) {
    ec = beast::error_code(errno, boost::system::system_category());
  }
  if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    listener->acceptor.close(ignored);
    if (bound) ::unlink(socket_path.c_str());
    return make_error(ErrorCode::Io, "cannot listen: " + ec.message(), where);
  }
  listener->accept_next();
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(listener)));
}

ApiServer::ApiServer(std::shared_ptr<Listener> listener) : listener_(std::move(listener)) {}

ApiServer::~ApiServer() { listener_->close(); }

const std::string& ApiServer::socket_path() const { return listener_->socket_path; }

}  // namespace gantry::api
