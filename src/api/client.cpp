// The API client: one connection per call, a private io_context, a deadline for the whole
// exchange.
#include "api/client.h"

#include <sys/un.h>

#include <array>
#include <cstdlib>
#include <optional>

#include "core/asio.h"
#include "core/strings.h"

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

Status stream_events(const std::string& socket_path, std::string_view target,
                     const std::function<bool(const StreamedEvent&)>& on_event) {
  const Location where{socket_path, 0, 0};
  if (socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error(ErrorCode::Invalid, "socket path too long for a unix socket", where);
  }
  asio::io_context io;
  Local::socket socket(io);
  beast::error_code ec;
  socket.connect(Local::endpoint(socket_path), ec);
  if (ec) {
    if (ec == asio::error::connection_refused || ec.value() == ENOENT) {
      return make_error(ErrorCode::NotFound, "no daemon is listening (" + ec.message() + ")",
                        where);
    }
    return make_error(ErrorCode::Io, "cannot connect: " + ec.message(), where);
  }
  const std::string request = "GET " + std::string(target) +
                              " HTTP/1.1\r\nHost: gantry\r\nUser-Agent: gantry-cli\r\n"
                              "Accept: text/event-stream\r\n\r\n";
  asio::write(socket, asio::buffer(request), ec);
  if (ec) return make_error(ErrorCode::Io, "cannot send the request: " + ec.message(), where);
  // The head, then either an error body (a JSON reply) or the stream.
  std::string buffer;
  std::array<char, 16384> chunk{};
  std::size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec)
      return make_error(ErrorCode::Io, "the daemon closed the stream: " + ec.message(), where);
    buffer.append(chunk.data(), n);
    head_end = buffer.find("\r\n\r\n");
  }
  const std::string head = buffer.substr(0, head_end);
  buffer.erase(0, head_end + 4);
  const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  if (status != 200) {
    // Read the rest of the error body (Content-Length bounded, the server closes or keeps).
    while (buffer.find('}') == std::string::npos) {
      const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
      if (ec) break;
      buffer.append(chunk.data(), n);
    }
    return make_error(status >= 500 ? ErrorCode::Internal : ErrorCode::Invalid, buffer, where);
  }
  while (true) {
    std::size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      StreamedEvent event;
      for (const auto& line : split(std::string_view(buffer).substr(0, end), '\n')) {
        if (line.starts_with("id: "))
          event.id = line.substr(4);
        else if (line.starts_with("event: "))
          event.type = line.substr(7);
        else if (line.starts_with("data: "))
          event.data += line.substr(6);
      }
      buffer.erase(0, end + 2);
      if (!event.type.empty() && !on_event(event)) return {};
    }
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::eof) return {};
    if (ec) return make_error(ErrorCode::Io, "the event stream broke: " + ec.message(), where);
    buffer.append(chunk.data(), n);
  }
}

}  // namespace gantry::api
