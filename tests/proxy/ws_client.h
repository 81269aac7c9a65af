// A WebSocket client for proxy tests (Boost.Beast), every operation bounded by kIoCeiling so a
// broken proxy fails the test instead of hanging it. One thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/asio.h"
#include "proxy/raw_http.h"

namespace gantry::proxy::testing {

class WsClient {
 public:
  // Connects to 127.0.0.1:port and performs the handshake for `target`.
  bool connect(int port, const std::string& target = "/ws") {
    namespace asio = boost::asio;
    bool ok = false;
    ws_.next_layer().async_connect(
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
        [&](boost::beast::error_code ec) {
          if (ec) return;
          ws_.async_handshake("svc.test", target, [&](boost::beast::error_code ec2) { ok = !ec2; });
        });
    run();
    return ok;
  }

  // Sends a text message and reads the next one; nullopt on any failure.
  std::optional<std::string> echo(const std::string& message) {
    bool written = false;
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(message),
                    [&](boost::beast::error_code ec, std::size_t) { written = !ec; });
    run();
    if (!written) return std::nullopt;
    return read();
  }

  // The next message; nullopt when the connection ended (closed_by_peer()) or the ceiling hit.
  std::optional<std::string> read() {
    boost::beast::flat_buffer buffer;
    bool done = false;
    boost::beast::error_code result;
    ws_.async_read(buffer, [&](boost::beast::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
    if (!run() || !done) return std::nullopt;
    if (result) {
      closed_by_peer_ = true;
      return std::nullopt;
    }
    return boost::beast::buffers_to_string(buffer.data());
  }

  bool closed_by_peer() const { return closed_by_peer_; }

 private:
  // Runs the pending operation to completion; at the ceiling closes the socket (which ends it
  // with an error) and returns false.
  bool run() {
    io_.restart();
    io_.run_for(kIoCeiling);
    if (io_.stopped()) return true;
    boost::beast::error_code ignored;
    ws_.next_layer().close(ignored);
    io_.restart();
    io_.run();
    return false;
  }

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_{io_};
  bool closed_by_peer_ = false;
};

}  // namespace gantry::proxy::testing
