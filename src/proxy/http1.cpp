// HTTP/1.1 framing on Boost.Beast's basic_parser: heads into views, bodies passed through
// raw, smuggling refused. See http1.h.
#include "proxy/http1.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "core/asio.h"

namespace gantry::proxy::http1 {
namespace {

namespace http = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

std::string_view sv(string_view s) { return {s.data(), s.size()}; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each comma-separated, trimmed, non-empty token.
template <class F>
void for_each_token(std::string_view list, F&& f) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto token = trim(list.substr(0, comma));
    if (!token.empty()) f(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

std::string_view find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

// Bytes a head may not contain (Beast tolerates them; a proxy must not): obsolete line
// folding (CRLF followed by SP or HTAB inside the head) and a bare LF.
const char* head_framing_problem(std::string_view head) {
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] != '\n') continue;
    if (i == 0 || head[i - 1] != '\r') return "bare LF in the head (CR LF required)";
    if (i + 1 < head.size() && (head[i + 1] == ' ' || head[i + 1] == '\t')) {
      return "obsolete line folding in a header";
    }
  }
  return nullptr;
}

// True when the head received so far already holds a line that ends in bare LF; refuses a
// smuggling attempt before the head is complete (Beast might otherwise wait for more).
bool has_bare_lf(std::string_view bytes) {
  if (bytes.empty()) return false;  // memchr on a null pointer is undefined, even for 0 bytes
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
    if (p == bytes.data() || p[-1] != '\r') return true;
    ++p;
  }
  return false;
}

constexpr std::size_t kMaxResponseHead = 64 * 1024;

// Where the head in `bytes` ends (just past its CR LF CR LF), or npos. `scanned` remembers how
// far an earlier call looked, so a head fed in many pieces is scanned once.
std::size_t find_head_end(std::string_view bytes, std::size_t& scanned) {
  const std::size_t from = scanned > 3 ? scanned - 3 : 0;
  const auto at = bytes.find("\r\n\r\n", from);
  if (at == std::string_view::npos) {
    scanned = bytes.size();
    return at;
  }
  return at + 4;
}

// Room a request line needs besides its target: a long method, two spaces, "HTTP/1.1", CR.
constexpr std::size_t kMaxMethodAndVersion = 32;

Step error_step(int status, std::string message) {
  Step s;
  s.kind = Step::Error;
  s.error_status = status;
  s.error = std::move(message);
  return s;
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

// Hop-by-hop headers that are never forwarded (RFC 9110 7.6.1), apart from the ones a
// Connection header names.
bool is_hop_by_hop(std::string_view name) {
  return iequals(name, "connection") || iequals(name, "keep-alive") ||
         iequals(name, "proxy-connection") || iequals(name, "te") || iequals(name, "trailer") ||
         iequals(name, "upgrade");
}

// Headers a Connection header may name and so remove. Never the ones that frame the body or
// name the host: dropping those would let a client smuggle a request past the proxy.
bool named_by_connection(const std::vector<Header>& headers, std::string_view name) {
  if (iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
      iequals(name, "host")) {
    return false;
  }
  bool found = false;
  for (const auto& h : headers) {
    if (!iequals(h.name, "connection")) continue;
    for_each_token(h.value, [&](std::string_view token) {
      if (iequals(token, name)) found = true;
    });
  }
  return found;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// A valid X-Request-Id from a client: 1..128 visible ASCII characters.
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

std::string_view RequestHead::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string_view ResponseHead::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string_view RequestHead::cookie(std::string_view name) const {
  for (const auto& h : headers) {
    if (!iequals(h.name, "cookie")) continue;
    std::string_view list = h.value;
    while (!list.empty()) {
      auto semi = list.find(';');
      auto pair = trim(list.substr(0, semi));
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
        auto value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        return value;
      }
      if (semi == std::string_view::npos) break;
      list.remove_prefix(semi + 1);
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Requests

namespace {

// The body side of both parsers: bodies pass through raw, so every piece is taken whole and
// Beast only checks the framing.
template <bool isRequest>
class PassThrough : public http::basic_parser<isRequest> {
 private:
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override { return body.size(); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    return body.size();
  }
  void on_finish_impl(error_code&) override {}
};

// Feeds body bytes to a parser whose head is done; returns how many it took (ec set when the
// framing is wrong). Stops at the end of the message: what follows is the next one's.
template <class Parser>
std::size_t put_body(Parser& p, std::string_view bytes, error_code& ec) {
  std::size_t total = 0;
  while (!p.is_done() && total < bytes.size()) {
    // Beast 1.74 asserts when a chunked body's last chunk ("0\r\n" and the trailer, which
    // it re-reads from its start) is fed again in fewer than 5 bytes; such a chunk needs at
    // least "0\r\n\r\n" to end, so waiting for 5 bytes costs nothing.
    if (p.chunked() && bytes.size() - total < 5) {
      auto rest = bytes.substr(total);
      if (rest.starts_with('0') || rest.starts_with("\r\n0")) break;
    }
    std::size_t n = p.put(boost::asio::buffer(bytes.data() + total, bytes.size() - total), ec);
    if (ec == http::error::need_more) ec = {};
    if (ec || n == 0) break;
    total += n;
  }
  return total;
}

class BeastRequest final : public PassThrough<true> {
 public:
  BeastRequest(RequestHead& head, const Limits& limits) : head_(head), limits_(limits) {
    header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.max_head_bytes, std::numeric_limits<std::uint32_t>::max())));
    body_limit(std::numeric_limits<std::uint64_t>::max());  // boost::none misbehaves in 1.74
  }

  int status = 0;  // our own refusal, with its reason
  std::string reason;
  int content_length_fields = 0;

 private:
  void fail(error_code& ec, int s, std::string r) {
    status = s;
    reason = std::move(r);
    ec = http::error::bad_value;
  }
  void on_request_impl(http::verb, string_view method, string_view target, int version,
                       error_code& ec) override {
    if (target.size() > limits_.max_uri_bytes) {
      return fail(ec, 414,
                  fmt::format("request target of {} bytes (limit {})", target.size(),
                              limits_.max_uri_bytes));
    }
    head_.method = sv(method);
    head_.target = sv(target);
    head_.version = version;
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(http::field f, string_view name, string_view value, error_code& ec) override {
    if (head_.headers.size() >= limits_.max_headers) {
      return fail(ec, 431, fmt::format("more than {} header fields", limits_.max_headers));
    }
    if (f == http::field::content_length) {
      // Beast accepts repeated equal values and lists; a proxy must not (RFC 9112 6.3).
      if (++content_length_fields > 1) return fail(ec, 400, "repeated Content-Length");
      if (value.find(',') != string_view::npos) return fail(ec, 400, "Content-Length list");
    }
    if (f == http::field::transfer_encoding) {
      // Only "chunked" may frame a request body; anything else can't be delimited.
      std::string_view last;
      int count = 0;
      for_each_token(sv(value), [&](std::string_view t) {
        last = t;
        ++count;
      });
      if (count != 1 || !iequals(last, "chunked")) {
        return fail(ec, 400,
                    fmt::format("Transfer-Encoding '{}' (only chunked is accepted)",
                                std::string_view(value.data(), value.size())));
      }
    }
    if (f == http::field::host && !head_.host.empty()) return fail(ec, 400, "repeated Host");
    if (f == http::field::host) head_.host = sv(value);
    head_.headers.push_back({sv(name), sv(value)});
  }

  RequestHead& head_;
  const Limits& limits_;
};

}  // namespace

struct RequestParser::Impl {
  explicit Impl(const Limits& l) : limits(l) { start(); }
  void start() {
    head.headers.clear();
    head.method = head.target = head.host = {};
    head.version = 11;
    head.body = BodyKind::None;
    head.content_length = 0;
    head.keep_alive = true;
    head.upgrade = head.expect_continue = head.idempotent = head.head_method = false;
    head.head_bytes = 0;
    parser.reset();  // the Beast parser can't be reset, so it is made anew
    parser.emplace(head, limits);
    header_done = finished = false;
    scanned = 0;
  }
  Limits limits;
  RequestHead head;
  std::optional<BeastRequest> parser;
  bool header_done = false;
  bool finished = false;
  std::size_t scanned = 0;  // head bytes already searched for its end
};

RequestParser::RequestParser(const Limits& limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestParser::~RequestParser() = default;
RequestParser::RequestParser(RequestParser&&) noexcept = default;
RequestParser& RequestParser::operator=(RequestParser&&) noexcept = default;

const RequestHead& RequestParser::head() const { return impl_->head; }
bool RequestParser::head_done() const { return impl_->header_done; }
bool RequestParser::done() const { return impl_->finished; }
void RequestParser::reset() { impl_->start(); }

namespace {

Step beast_error(const error_code& ec, int our_status, const std::string& our_reason,
                 std::string_view received, const Limits* limits) {
  if (our_status != 0) return error_step(our_status, our_reason);
  if (ec == http::error::header_limit && limits != nullptr) {
    // A request line alone past the URI limit is a long URI, not a big head.
    auto eol = received.find('\r');
    auto line = received.substr(0, eol);
    if (line.size() > limits->max_uri_bytes) {
      return error_step(414,
                        fmt::format("request line longer than {} bytes", limits->max_uri_bytes));
    }
    return error_step(431,
                      fmt::format("request head larger than {} bytes", limits->max_head_bytes));
  }
  return error_step(limits != nullptr ? 400 : 502, ec.message());
}

}  // namespace

Step RequestParser::feed(std::string_view bytes) {
  Impl& m = *impl_;
  if (m.finished) return Step{Step::Done, 0, 0, {}};
  auto& p = *m.parser;
  error_code ec;
  if (!m.header_done) {
    // Beast parses a complete request line at once and expects the rest later, which would
    // leave views into an older buffer; so the head is handed over only when it is whole.
    const std::size_t end = find_head_end(bytes, m.scanned);
    auto region = end == std::string_view::npos ? bytes : bytes.substr(0, end);
    // Only the head: body bytes that follow may hold any byte.
    if (has_bare_lf(region.substr(0, std::min(region.size(), m.limits.max_head_bytes + 4)))) {
      return error_step(400, "bare LF in the head (CR LF required)");
    }
    if (end == std::string_view::npos) {
      // A request line still unfinished past the longest method, URI and version allowed is
      // refused now, not when the head limit is reached.
      auto line = bytes.substr(0, bytes.find('\n'));
      if (line.size() > m.limits.max_uri_bytes + kMaxMethodAndVersion) {
        return error_step(414, fmt::format("request line longer than {} bytes",
                                           m.limits.max_uri_bytes + kMaxMethodAndVersion));
      }
      if (bytes.size() > m.limits.max_head_bytes) {
        return error_step(
            431, fmt::format("request head larger than {} bytes", m.limits.max_head_bytes));
      }
      return Step{Step::NeedMore, 0, 0, {}};
    }
    if (end > m.limits.max_head_bytes) {
      return error_step(
          431, fmt::format("request head of {} bytes (limit {})", end, m.limits.max_head_bytes));
    }
    m.head.headers.clear();
    m.head.host = {};
    p.content_length_fields = 0;
    std::size_t n = p.put(boost::asio::buffer(region.data(), region.size()), ec);
    if (ec == http::error::need_more) ec = http::error::partial_message;  // can't happen
    if (ec) return beast_error(ec, p.status, p.reason, bytes, &m.limits);
    if (!p.is_header_done()) return Step{Step::NeedMore, 0, 0, {}};
    if (const char* problem = head_framing_problem(bytes.substr(0, n))) {
      return error_step(400, problem);
    }
    m.header_done = true;
    auto& h = m.head;
    h.head_bytes = n;
    h.keep_alive = p.keep_alive();
    h.upgrade = p.upgrade();
    h.idempotent = is_idempotent(h.method);
    h.head_method = h.method == "HEAD";
    if (p.chunked()) {
      h.body = BodyKind::Chunked;
    } else if (auto len = p.content_length(); len && *len > 0) {
      h.body = BodyKind::Length;
      h.content_length = *len;
    }
    for (const auto& hd : h.headers) {
      if (iequals(hd.name, "expect")) {
        if (iequals(trim(hd.value), "100-continue")) {
          h.expect_continue = true;
        } else {
          return error_step(417, fmt::format("Expect '{}' is not supported", hd.value));
        }
      }
    }
    if (h.version < 11 && h.body == BodyKind::Chunked) {
      return error_step(400, "chunked Transfer-Encoding in an HTTP/1.0 request");
    }
    if (h.upgrade && h.body != BodyKind::None) {
      return error_step(400, "an Upgrade request with a body");
    }
    p.eager(true);
    m.finished = p.is_done();
    return Step{Step::HeadDone, n, 0, {}};
  }
  // Body: pass through whatever Beast accepts; it checks chunk framing as it goes.
  const std::size_t total = put_body(p, bytes, ec);
  if (ec) return beast_error(ec, p.status, p.reason, {}, &m.limits);
  if (p.is_done()) {
    m.finished = true;
    return Step{Step::Done, total, 0, {}};
  }
  return Step{Step::Body, total, 0, {}};
}

// ---------------------------------------------------------------------------------------------
// Responses

namespace {

class BeastResponse final : public PassThrough<false> {
 public:
  explicit BeastResponse(ResponseHead& head) : head_(head) {
    header_limit(static_cast<std::uint32_t>(kMaxResponseHead));
    body_limit(std::numeric_limits<std::uint64_t>::max());  // boost::none misbehaves in 1.74
  }

 private:
  void on_request_impl(http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code&) override {
    head_.status = code;
    head_.reason = sv(reason);
    head_.version = version;
  }
  void on_field_impl(http::field, string_view name, string_view value, error_code&) override {
    head_.headers.push_back({sv(name), sv(value)});
  }

  ResponseHead& head_;
};

}  // namespace

struct ResponseParser::Impl {
  void start(bool head_request) {
    head.headers.clear();
    head.status = 0;
    head.reason = {};
    head.version = 11;
    head.body = BodyKind::None;
    head.content_length = 0;
    head.keep_alive = true;
    head.head_bytes = 0;
    parser.reset();
    parser.emplace(head);
    if (head_request) parser->skip(true);
    header_done = finished = false;
    scanned = 0;
  }
  ResponseHead head;
  std::optional<BeastResponse> parser;
  bool header_done = false;
  bool finished = false;
  std::size_t scanned = 0;
};

ResponseParser::ResponseParser() : impl_(std::make_unique<Impl>()) { impl_->start(false); }
ResponseParser::~ResponseParser() = default;
ResponseParser::ResponseParser(ResponseParser&&) noexcept = default;
ResponseParser& ResponseParser::operator=(ResponseParser&&) noexcept = default;

void ResponseParser::reset(bool head_request) { impl_->start(head_request); }
const ResponseHead& ResponseParser::head() const { return impl_->head; }
bool ResponseParser::head_done() const { return impl_->header_done; }
bool ResponseParser::done() const { return impl_->finished; }

Step ResponseParser::feed(std::string_view bytes) {
  Impl& m = *impl_;
  if (m.finished) return Step{Step::Done, 0, 0, {}};
  auto& p = *m.parser;
  error_code ec;
  if (!m.header_done) {
    const std::size_t end = find_head_end(bytes, m.scanned);
    if (end == std::string_view::npos) {
      if (bytes.size() > kMaxResponseHead) {
        return error_step(
            502, fmt::format("upstream response head larger than {} bytes", kMaxResponseHead));
      }
      return Step{Step::NeedMore, 0, 0, {}};
    }
    m.head.headers.clear();
    std::size_t n = p.put(boost::asio::buffer(bytes.data(), end), ec);
    if (ec == http::error::need_more) ec = http::error::partial_message;  // can't happen
    if (ec) return error_step(502, "upstream response: " + ec.message());
    if (!p.is_header_done()) return Step{Step::NeedMore, 0, 0, {}};
    if (const char* problem = head_framing_problem(bytes.substr(0, n))) {
      return error_step(502, std::string("upstream response: ") + problem);
    }
    m.header_done = true;
    auto& h = m.head;
    h.head_bytes = n;
    h.keep_alive = p.keep_alive();
    if (p.chunked()) {
      h.body = BodyKind::Chunked;
    } else if (auto len = p.content_length()) {
      h.body = *len > 0 ? BodyKind::Length : BodyKind::None;
      h.content_length = *len;
    } else if (p.need_eof() && !p.is_done()) {
      h.body = BodyKind::UntilClose;
    }
    if (p.skip() || h.status / 100 == 1 || h.status == 204 || h.status == 304) {
      h.body = BodyKind::None;
    }
    p.eager(true);
    m.finished = p.is_done();
    return Step{m.finished ? Step::Done : Step::HeadDone, n, 0, {}};
  }
  const std::size_t total = put_body(p, bytes, ec);
  if (ec) return error_step(502, "upstream response body: " + ec.message());
  if (p.is_done()) {
    m.finished = true;
    return Step{Step::Done, total, 0, {}};
  }
  return Step{Step::Body, total, 0, {}};
}

Step ResponseParser::feed_eof() {
  Impl& m = *impl_;
  if (m.finished) return Step{Step::Done, 0, 0, {}};
  if (!m.header_done) {
    return error_step(502, "upstream closed the connection before a response");
  }
  error_code ec;
  m.parser->put_eof(ec);
  if (ec || !m.parser->is_done()) {
    return error_step(502, m.header_done ? "upstream closed the connection mid-body"
                                         : "upstream closed the connection before a response");
  }
  m.finished = true;
  return Step{Step::Done, 0, 0, {}};
}

// ---------------------------------------------------------------------------------------------
// Heads

void write_request_head(const RequestHead& head, const ForwardInfo& info, bool strip_expect,
                        std::string& out) {
  out.append(head.method);
  out.push_back(' ');
  out.append(head.target);
  out.append(head.version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  std::string forwarded_for;
  std::string_view request_id;
  for (const auto& h : head.headers) {
    if (is_hop_by_hop(h.name)) {
      if (head.upgrade && iequals(h.name, "upgrade")) append_header(out, h.name, h.value);
      continue;
    }
    if (iequals(h.name, "x-forwarded-for")) {
      if (!forwarded_for.empty()) forwarded_for.append(", ");
      forwarded_for.append(trim(h.value));
      continue;
    }
    if (iequals(h.name, "x-forwarded-proto") || iequals(h.name, "x-forwarded-host")) continue;
    if (iequals(h.name, "x-request-id")) {
      if (request_id.empty() && acceptable_request_id(h.value)) request_id = h.value;
      continue;
    }
    if (strip_expect && iequals(h.name, "expect")) continue;
    if (named_by_connection(head.headers, h.name)) continue;
    append_header(out, h.name, h.value);
  }
  if (!forwarded_for.empty()) forwarded_for.append(", ");
  forwarded_for.append(info.client_ip);
  append_header(out, "X-Forwarded-For", forwarded_for);
  append_header(out, "X-Forwarded-Proto", info.proto);
  if (!head.host.empty()) append_header(out, "X-Forwarded-Host", head.host);
  append_header(out, "X-Request-Id", request_id.empty() ? info.request_id : request_id);
  out.append(head.upgrade ? "Connection: upgrade\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
}

void write_response_head(const ResponseHead& head, int client_version, bool close,
                         const std::vector<std::string>& extra, std::string& out) {
  out.append(client_version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(fmt::format("{:03d} ", head.status));
  out.append(head.reason.empty() ? reason_phrase(head.status) : head.reason);
  out.append("\r\n");
  const bool switching = head.status == 101;
  for (const auto& h : head.headers) {
    if (is_hop_by_hop(h.name)) {
      if (switching && iequals(h.name, "upgrade")) append_header(out, h.name, h.value);
      continue;
    }
    if (named_by_connection(head.headers, h.name)) continue;
    append_header(out, h.name, h.value);
  }
  for (const auto& line : extra) {
    out.append(line);
    out.append("\r\n");
  }
  if (switching) {
    out.append("Connection: upgrade\r\n\r\n");
  } else if (close) {
    out.append("Connection: close\r\n\r\n");
  } else if (client_version == 10) {
    out.append("Connection: keep-alive\r\n\r\n");
  } else {
    out.append("\r\n");
  }
}

std::string generated_response(int status, std::string_view request_id, std::string_view detail) {
  std::string body = fmt::format("{} {}\n", status, reason_phrase(status));
  if (!detail.empty()) body += fmt::format("{}\n", detail);
  if (!request_id.empty()) body += fmt::format("request id: {}\n", request_id);
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n", status,
      reason_phrase(status), body.size());
  if (!request_id.empty()) out += fmt::format("X-Request-Id: {}\r\n", request_id);
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace gantry::proxy::http1
