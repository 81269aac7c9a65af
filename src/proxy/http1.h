// HTTP/1.1 message framing for the data path, on Boost.Beast's parser driven incrementally:
// request and response heads are parsed into views over the caller's buffer, bodies are
// validated and passed through raw (chunk framing included), and every form of request
// smuggling is refused. Also builds the heads gantry sends on (hop-by-hop headers removed,
// X-Forwarded-* and X-Request-Id added). Internal to the proxy; the fuzz target and tests use
// it directly. Not thread-safe: one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::proxy::http1 {

struct Header {
  std::string_view name;
  std::string_view value;
};

struct Limits {
  std::size_t max_head_bytes = 32 * 1024;
  std::size_t max_headers = 100;
  std::size_t max_uri_bytes = 8 * 1024;
};

// Framing of a message body.
enum class BodyKind { None, Length, Chunked, UntilClose };

struct RequestHead {
  std::string_view method;
  std::string_view target;
  int version = 11;             // 10 or 11
  std::vector<Header> headers;  // as received, in order (views into the parsed buffer)
  std::string_view host;        // Host header, "" when absent
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;  // when body == Length
  bool keep_alive = true;            // the client wants the connection kept
  bool upgrade = false;              // Connection: upgrade with an Upgrade header
  bool expect_continue = false;      // Expect: 100-continue
  bool idempotent = false;           // GET HEAD OPTIONS PUT DELETE TRACE
  bool head_method = false;          // HEAD: the response has no body
  std::size_t head_bytes = 0;        // size of the head in the buffer
  // The first value of this header (case-insensitive name), "" when absent.
  std::string_view header(std::string_view name) const;
  // The value of cookie `name` from the Cookie headers, "" when absent.
  std::string_view cookie(std::string_view name) const;
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  int version = 11;
  std::vector<Header> headers;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;  // the upstream will keep the connection
  std::size_t head_bytes = 0;
  std::string_view header(std::string_view name) const;
};

// What a parse step did.
struct Step {
  enum Kind { NeedMore, HeadDone, Body, Done, Error } kind = NeedMore;
  std::size_t consumed = 0;  // bytes of the input that belong to this message, taken now
  int error_status = 0;      // Error: 400, 414, 417, 431 (requests); 502 (responses)
  std::string error;         // Error: what was wrong, for the log
};

// Parses one request. Feed it the bytes received so far; after HeadDone, feed body bytes
// (each step consumes some prefix; forward exactly that prefix upstream) until Done.
class RequestParser {
 public:
  explicit RequestParser(const Limits& limits);
  ~RequestParser();
  RequestParser(RequestParser&&) noexcept;
  RequestParser& operator=(RequestParser&&) noexcept;

  // Before the head is complete: give the whole head received so far (it is re-scanned; the
  // caller keeps the bytes). Returns NeedMore, HeadDone (head() is valid and its views point
  // into `bytes` — consumed == head().head_bytes) or Error.
  // After the head: give body bytes; returns Body (consumed > 0, or 0 when more is needed)
  // or Done (the message ended after `consumed` bytes) or Error.
  Step feed(std::string_view bytes);
  const RequestHead& head() const;
  bool head_done() const;
  bool done() const;
  // Starts over for the next request on the same connection.
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses one response. `head_request`: the request was HEAD (no body follows).
class ResponseParser {
 public:
  ResponseParser();
  ~ResponseParser();
  ResponseParser(ResponseParser&&) noexcept;
  ResponseParser& operator=(ResponseParser&&) noexcept;

  void reset(bool head_request);
  // Same protocol as RequestParser::feed. A 1xx response (other than 101) is Done right after
  // its head; reset and parse the final response next. Errors are status 502.
  Step feed(std::string_view bytes);
  // The connection ended: a body framed by close is complete (Done); otherwise an Error.
  Step feed_eof();
  const ResponseHead& head() const;
  bool head_done() const;
  bool done() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Facts about the client connection the forwarded head carries.
struct ForwardInfo {
  std::string_view client_ip;
  std::string_view proto = "http";
  std::string_view request_id;  // added as X-Request-Id unless the client sent one
};

// Appends the request head to send upstream: request line (in the client's HTTP version, so
// a 1.0 client never gets a chunked answer it can't read), the client's headers
// minus hop-by-hop ones (Connection and the headers it names, Keep-Alive, Proxy-Connection,
// TE, Trailer, Upgrade unless upgrading, Expect when the proxy answers 100 itself; never
// Content-Length, Transfer-Encoding or Host, even when Connection names them),
// X-Forwarded-For (appended to the client's), X-Forwarded-Proto, X-Forwarded-Host,
// X-Request-Id; Connection: keep-alive (or upgrade).
void write_request_head(const RequestHead& head, const ForwardInfo& info, bool strip_expect,
                        std::string& out);

// Appends the response head to send to the client: status line, upstream headers minus
// hop-by-hop ones, `extra` lines (each "Name: value"), and Connection: close when
// `close` (otherwise keep-alive for HTTP/1.0 clients that asked for it).
void write_response_head(const ResponseHead& head, int client_version, bool close,
                         const std::vector<std::string>& extra, std::string& out);

// A complete small response the proxy generates itself (400, 408, 413, 414, 431, 502, 503,
// 504): short text body naming the status and the request id, Connection: close.
std::string generated_response(int status, std::string_view request_id,
                               std::string_view detail = {});

std::string_view reason_phrase(int status);

}  // namespace gantry::proxy::http1
