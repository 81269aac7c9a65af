// The API client: one connection per call, a private io_context, a deadline for the whole
// exchange.
#include "api/client.h"

#include <sys/un.h>

#include <optional>

#include "core/asio.h"

namespace gantry::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Local = asio::local::stream_protocol;

namespace {

constexpr std::size_t kMaxResponseBody = 64 * 1024 * 1024;

}  // namespace

Result<ApiResponse> call(const std::string& socket_path, std::string_view method,
                         std::string_view target, std::string_view body, Duration timeout) {
  const Location where{socket_path, 0, 0};
  if (socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error(ErrorCode::Invalid, "socket path too long for a unix socket", where);
  }
  asio::io_context io;
  Local::socket socket(io);
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.keep_alive(false);
  req.set(http::field::host, "gantry");
  req.set(http::field::user_agent, "gantry-cli");
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  std::optional<beast::error_code> outcome;
  bool connected = false;

  socket.async_connect(Local::endpoint(socket_path), [&](beast::error_code ec) {
    if (ec) {
      outcome = ec;
      return;
    }
    connected = true;
    http::async_write(socket, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        outcome = ec;
        return;
      }
      http::async_read(socket, buffer, parser,
                       [&](beast::error_code ec, std::size_t) { outcome = ec; });
    });
  });
  io.run_for(timeout);
  if (!outcome) {
    beast::error_code ignored;
    socket.close(ignored);
    io.restart();
    io.run();  // let the cancelled handlers finish before their captures go away
    return make_error(ErrorCode::Io,
                      "the daemon did not answer " + std::string(method) + " " +
                          std::string(target) + " within " + format_duration(timeout),
                      where);
  }
  const beast::error_code ec = *outcome;
  if (ec && !connected) {
    if (ec == asio::error::connection_refused || ec == asio::error::not_found ||
        ec.value() == ENOENT) {
      return make_error(ErrorCode::NotFound, "no daemon is listening (" + ec.message() + ")",
                        where);
    }
    return make_error(ErrorCode::Io, "cannot connect: " + ec.message(), where);
  }
  if (ec) {
    return make_error(ErrorCode::Io,
                      std::string(method) + " " + std::string(target) + ": " + ec.message(), where);
  }
  ApiResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.body = std::move(parser.get().body());
  return response;
}

}  // namespace gantry::api
