// The API server: unix-socket and TCP acceptors, and one keep-alive HTTP/1.1 session per
// connection, all asynchronous on the control-plane io_context. What a request may reach is
// decided in front.cpp; routes live in routes.cpp; event streams in sse.cpp.
#include "api/server.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "api/routes_impl.h"
#include "api/server_impl.h"
#include "daemon/controller.h"

namespace gantry::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Local = asio::local::stream_protocol;
using Tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxRequestBody = 1024 * 1024;
// A connection with no request in flight is closed after this long.
constexpr auto kIdleTimeout = std::chrono::minutes(2);

class Session;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

struct ApiServer::Listener : std::enable_shared_from_this<ApiServer::Listener> {
  Listener(asio::io_context& io, daemon::Controller& c, Mode m, std::string where,
           std::function<void()> on_stop)
      : io(io),
        controller(&c),
        mode(m),
        socket_path(m == Mode::Unix ? where : std::string()),
        address(std::move(where)),
        on_stop_requested(std::move(on_stop)) {}

  void accept_next();
  void adopt(StreamSocket socket);
  void track(const std::shared_ptr<Connection>& c) {
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    connections.push_back(c);
  }
  void close();
  void stop_requested() {
    if (!open || stop_fired || !on_stop_requested) return;
    stop_fired = true;
    on_stop_requested();
  }

  asio::io_context& io;
  std::optional<Local::acceptor> unix_acceptor;
  std::optional<Tcp::acceptor> tcp_acceptor;
  daemon::Controller* controller;
  Mode mode;
  std::string socket_path;
  std::string address;
  std::function<void()> on_stop_requested;
  bool open = true;
  bool stop_fired = false;
  std::vector<std::weak_ptr<Connection>> connections;
};

namespace {

class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(StreamSocket socket, std::shared_ptr<ApiServer::Listener> listener)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        listener_(std::move(listener)) {}

  void start() { read_next(); }

  void close() override {
    beast::error_code ec;
    timer_.cancel();
    if (socket_.is_open()) {
      socket_.shutdown(StreamSocket::shutdown_both, ec);
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
    Request request;
    const auto method = req.method_string();
    const auto target = req.target();
    request.method = std::string_view(method.data(), method.size());
    request.target = std::string_view(target.data(), target.size());
    request.body = req.body();
    for (const auto& field : req) {
      const auto name = field.name_string();
      const auto value = field.value();
      request.headers[lower(std::string_view(name.data(), name.size()))] =
          std::string(value.data(), value.size());
    }
    // The reply may come later (restart); the session stays alive through the callback.
    serve_request(*listener_->controller, listener_->mode, request,
                  [self = shared_from_this()](HttpReply reply) { self->write(std::move(reply)); });
  }

  void write(HttpReply reply) {
    if (!socket_.is_open()) return;
    if (reply.stream) {
      // From here on the connection is an event stream, not a request/response session.
      timer_.cancel();
      auto stream = start_event_stream(std::move(socket_), *listener_->controller,
                                       std::move(*reply.stream), reply.stream_after);
      listener_->track(stream);
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version_);
    res->set(http::field::server, "gantry");
    res->set(http::field::content_type, reply.content_type);
    if (!reply.allow.empty()) res->set(http::field::allow, reply.allow);
    for (const auto& [name, value] : reply.headers) res->insert(name, value);
    res->keep_alive(keep_alive_);
    res->body() = std::move(reply.body);
    if (reply.content_type.starts_with("application/json")) res->body().push_back('\n');
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

  StreamSocket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<ApiServer::Listener> listener_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

Result<Tcp::endpoint> parse_address(const std::string& address) {
  const Location where{address, 0, 0};
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return make_error(ErrorCode::Invalid,
                      "expected HOST:PORT with an IP address, like 127.0.0.1:8700 or [::1]:8700",
                      where);
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return make_error(ErrorCode::Invalid, "the port must be a number from 0 to 65535", where);
  }
  beast::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) {
    return make_error(ErrorCode::Invalid,
                      "'" + host + "' is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 or ::)",
                      where);
  }
  return Tcp::endpoint(ip, static_cast<unsigned short>(port));
}

}  // namespace

void ApiServer::Listener::adopt(StreamSocket socket) {
  auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
  track(session);
  session->start();
}

void ApiServer::Listener::accept_next() {
  auto self = shared_from_this();
  // EMFILE and the like are transient: keep accepting.
  if (unix_acceptor) {
    unix_acceptor->async_accept([self](beast::error_code ec, Local::socket socket) {
      if (!self->open) return;
      if (!ec) self->adopt(StreamSocket(std::move(socket)));
      self->accept_next();
    });
  } else if (tcp_acceptor) {
    tcp_acceptor->async_accept([self](beast::error_code ec, Tcp::socket socket) {
      if (!self->open) return;
      if (!ec) {
        socket.set_option(Tcp::no_delay(true), ec);
        self->adopt(StreamSocket(std::move(socket)));
      }
      self->accept_next();
    });
  }
}

void ApiServer::Listener::close() {
  if (!open) return;
  open = false;
  beast::error_code ec;
  if (unix_acceptor) unix_acceptor->close(ec);
  if (tcp_acceptor) tcp_acceptor->close(ec);
  for (auto& weak : connections) {
    if (auto c = weak.lock()) c->close();
  }
  connections.clear();
  if (!socket_path.empty()) ::unlink(socket_path.c_str());
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

  auto listener = std::make_shared<Listener>(io, controller, Mode::Unix, socket_path,
                                             std::move(on_stop_requested));
  auto& acceptor = listener->unix_acceptor.emplace(io);
  beast::error_code ec;
  bool bound = false;
  acceptor.open(Local(), ec);
  if (!ec) {
    // Created under a 077 umask so that the socket is never reachable by others, not even
    // between bind and chmod.
    const mode_t old_mask = ::umask(077);
    acceptor.bind(Local::endpoint(socket_path), ec);
    ::umask(old_mask);
    bound = !ec;
  }
  if (!ec && ::chmod(socket_path.c_str(), 0600) != 0) {
    ec = beast::error_code(errno, boost::system::system_category());
  }
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    if (bound) ::unlink(socket_path.c_str());
    return make_error(ErrorCode::Io, "cannot listen: " + ec.message(), where);
  }
  listener->accept_next();
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(listener)));
}

Result<std::unique_ptr<ApiServer>> ApiServer::listen_tcp(asio::io_context& io,
                                                         daemon::Controller& controller,
                                                         const std::string& address, Mode mode,
                                                         std::function<void()> on_stop_requested) {
  auto endpoint = parse_address(address);
  if (!endpoint) return endpoint.error();
  auto listener =
      std::make_shared<Listener>(io, controller, mode, address, std::move(on_stop_requested));
  auto& acceptor = listener->tcp_acceptor.emplace(io);
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorCode::Io, "cannot listen: " + ec.message(), Location{address, 0, 0});
  }
  const auto bound = acceptor.local_endpoint(ec);
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                   : bound.address().to_string();
  listener->address = host + ":" + std::to_string(bound.port());
  listener->accept_next();
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(listener)));
}

ApiServer::ApiServer(std::shared_ptr<Listener> listener) : listener_(std::move(listener)) {}

ApiServer::~ApiServer() { listener_->close(); }

const std::string& ApiServer::socket_path() const { return listener_->socket_path; }

std::string ApiServer::address() const { return listener_->address; }

}  // namespace gantry::api
