// The heads gantry writes on, without sockets: the request sent upstream (hop-by-hop headers out,
// X-Forwarded-* and X-Request-Id in, framing kept), the response sent to the client, and the
// answers the proxy generates itself (proxy/http1.h).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "proxy/http1.h"
#include "proxy/http1_parse.h"

namespace gantry::proxy::http1 {
namespace {

// ------------------------------------------------------------------------ heads gantry writes

// A request parsed from a buffer the caller keeps alive.
struct ParsedRequest {
  std::string bytes;
  RequestParser parser{
      Limits{.max_head_bytes = 1 << 20, .max_headers = 1000, .max_uri_bytes = 1 << 20}};
  explicit ParsedRequest(std::string b) : bytes(std::move(b)) {
    auto step = parser.feed(bytes);
    EXPECT_EQ(step.kind, Step::HeadDone) << step.error << "\n" << bytes;
  }
  const RequestHead& head() const { return parser.head(); }
};

std::string forward(const std::string& request, ForwardInfo info = {"10.1.2.3", "http", "rid-1"},
                    bool strip_expect = false) {
  ParsedRequest in(request);
  std::string out = "previous|";
  write_request_head(in.head(), info, strip_expect, out);
  EXPECT_EQ(out.rfind("previous|", 0), 0u) << "appends to what is there";
  return out.substr(9);
}

TEST(Http1WriteRequestHead, DropsHopByHopHeaders) {
  const auto out = forward(
      "GET /p HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Hop-Secret\r\nX-Hop-Secret: 1\r\n"
      "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-T\r\n"
      "Upgrade: h2c\r\nX-Kept: yes\r\n\r\n");
  ParsedRequest back(out);
  const auto& h = back.head().headers;
  for (const char* hop :
       {"X-Hop-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"}) {
    EXPECT_EQ(count_headers(h, hop), 0u) << hop << " forwarded:\n" << out;
  }
  EXPECT_EQ(back.head().header("X-Kept"), "yes");
  EXPECT_EQ(back.head().header("Host"), "x");
  EXPECT_EQ(count_headers(h, "Connection"), 1u) << out;
  EXPECT_TRUE(testing::icontains(back.head().header("Connection"), "keep-alive")) << out;
  EXPECT_FALSE(testing::icontains(back.head().header("Connection"), "X-Hop-Secret")) << out;
}

TEST(Http1WriteRequestHead, AppendsTheClientToXForwardedFor) {
  const auto out = forward("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n");
  ParsedRequest back(out);
  EXPECT_EQ(count_headers(back.head().headers, "X-Forwarded-For"), 1u) << out;
  EXPECT_EQ(back.head().header("X-Forwarded-For"), "203.0.113.9, 10.1.2.3");
  const auto fresh = forward("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ParsedRequest(fresh).head().header("X-Forwarded-For"), "10.1.2.3");
}

TEST(Http1WriteRequestHead, SetsForwardedProtoAndHost) {
  const auto out =
      forward("GET / HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n", {"10.1.2.3", "https", "rid-1"});
  ParsedRequest back(out);
  EXPECT_EQ(back.head().header("X-Forwarded-Proto"), "https");
  EXPECT_EQ(back.head().header("X-Forwarded-Host"), "shop.example:8080");
  EXPECT_EQ(back.head().host, "shop.example:8080") << "Host passes unchanged";
}

TEST(Http1WriteRequestHead, AddsARequestIdOnlyWhenTheClientSentNone) {
  ParsedRequest added(forward("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(added.head().header("X-Request-Id"), "rid-1");
  const auto kept_out = forward("GET / HTTP/1.1\r\nHost: x\r\nx-request-id: client-42\r\n\r\n");
  ParsedRequest kept(kept_out);
  EXPECT_EQ(count_headers(kept.head().headers, "X-Request-Id"), 1u) << kept_out;
  EXPECT_EQ(kept.head().header("X-Request-Id"), "client-42");
}

TEST(Http1WriteRequestHead, KeepsUpgradeWhenUpgrading) {
  const auto out = forward(
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  ParsedRequest back(out);
  EXPECT_EQ(back.head().header("Upgrade"), "websocket") << out;
  EXPECT_TRUE(testing::icontains(back.head().header("Connection"), "upgrade")) << out;
  EXPECT_TRUE(back.head().upgrade);
  EXPECT_EQ(back.head().header("Sec-WebSocket-Key"), "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(Http1WriteRequestHead, DropsExpectOnlyWhenTheProxyAnswers100Itself) {
  const std::string req =
      "PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n";
  ParsedRequest kept(forward(req, {"10.1.2.3", "http", "rid-1"}, /*strip_expect=*/false));
  EXPECT_EQ(kept.head().header("Expect"), "100-continue");
  ParsedRequest stripped(forward(req, {"10.1.2.3", "http", "rid-1"}, /*strip_expect=*/true));
  EXPECT_EQ(stripped.head().header("Expect"), "");
  EXPECT_EQ(stripped.head().content_length, 3u);
}

TEST(Http1WriteRequestHead, KeepsTheClientsHttpVersionAndBodyFraming) {
  // In the client's version, so a 1.0 client never gets a chunked answer it cannot read.
  const auto old = forward(
      "POST /a?b=c HTTP/1.0\r\nHost: x\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(old.rfind("POST /a?b=c HTTP/1.0\r\n", 0), 0u) << old;
  EXPECT_EQ(old.substr(old.size() - 4), "\r\n\r\n");
  ParsedRequest old_back(old);
  EXPECT_EQ(old_back.head().version, 10);
  EXPECT_TRUE(old_back.head().keep_alive) << old;
  EXPECT_EQ(old_back.head().body, BodyKind::Length);
  EXPECT_EQ(old_back.head().content_length, 7u);
  const auto chunked = forward("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(chunked.rfind("POST / HTTP/1.1\r\n", 0), 0u) << chunked;
  ParsedRequest chunked_back(chunked);
  EXPECT_EQ(chunked_back.head().body, BodyKind::Chunked) << chunked;
  EXPECT_TRUE(chunked_back.head().keep_alive) << chunked;
}

TEST(Http1WriteRequestHead, ConnectionHeaderCannotRemoveTheBodyFraming) {
  // A client naming Content-Length or Transfer-Encoding in Connection must not make the
  // upstream frame the body differently from the proxy: that would smuggle the body as the
  // next request on a pooled upstream connection.
  const auto length = forward(
      "POST / HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\nContent-Length: 36\r\n\r\n");
  ParsedRequest length_back(length);
  EXPECT_EQ(length_back.head().body, BodyKind::Length) << length;
  EXPECT_EQ(length_back.head().content_length, 36u) << length;
  const auto chunked = forward(
      "POST / HTTP/1.1\r\nHost: x\r\nConnection: close, Transfer-Encoding\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  ParsedRequest chunked_back(chunked);
  EXPECT_EQ(chunked_back.head().body, BodyKind::Chunked) << chunked;
  const auto host = forward("GET / HTTP/1.1\r\nHost: shop.example\r\nConnection: Host\r\n\r\n");
  EXPECT_EQ(ParsedRequest(host).head().host, "shop.example") << host;
}

// ----------------------------------------------------------------------- response heads

struct ParsedResponse {
  std::string bytes;
  ResponseParser parser;
  explicit ParsedResponse(std::string b, bool head_request = false) : bytes(std::move(b)) {
    parser.reset(head_request);
    auto step = parser.feed(bytes);
    EXPECT_TRUE(head_complete(step)) << step.error << "\n" << bytes;
  }
  const ResponseHead& head() const { return parser.head(); }
};

std::string respond(const std::string& upstream, int client_version, bool close,
                    std::vector<std::string> extra = {}) {
  ParsedResponse in(upstream);
  std::string out;
  write_response_head(in.head(), client_version, close, extra, out);
  return out;
}

TEST(Http1WriteResponseHead, StripsHopByHopHeadersAndAddsExtraLines) {
  const auto out = respond(
      "HTTP/1.1 404 Not Found\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
      "Keep-Alive: timeout=5\r\nX-App: kept\r\nContent-Length: 3\r\n\r\n",
      11, false, {"Set-Cookie: gantry=0123456789abcdef; Path=/"});
  EXPECT_EQ(out.rfind("HTTP/1.1 404 ", 0), 0u) << out;
  ParsedResponse back(out);
  EXPECT_EQ(back.head().status, 404);
  EXPECT_EQ(count_headers(back.head().headers, "X-Hop"), 0u) << out;
  EXPECT_EQ(count_headers(back.head().headers, "Keep-Alive"), 0u) << out;
  EXPECT_EQ(back.head().header("X-App"), "kept");
  EXPECT_EQ(back.head().header("Set-Cookie"), "gantry=0123456789abcdef; Path=/");
  EXPECT_EQ(back.head().content_length, 3u);
  EXPECT_TRUE(back.head().keep_alive);
}

TEST(Http1WriteResponseHead, ConnectionHeaderCannotRemoveTheBodyFraming) {
  const auto length = respond(
      "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\n", 11, false);
  ParsedResponse length_back(length);
  EXPECT_EQ(length_back.head().body, BodyKind::Length) << length;
  EXPECT_EQ(length_back.head().content_length, 5u) << length;
  const auto chunked = respond(
      "HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n", 11,
      false);
  EXPECT_EQ(ParsedResponse(chunked).head().body, BodyKind::Chunked) << chunked;
}

TEST(Http1WriteResponseHead, SaysConnectionCloseWhenClosing) {
  const auto out = respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 11, true);
  ParsedResponse back(out);
  EXPECT_TRUE(testing::icontains(back.head().header("Connection"), "close")) << out;
  EXPECT_FALSE(back.head().keep_alive);
}

TEST(Http1WriteResponseHead, KeepsChunkedFraming) {
  const auto out = respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 11, false);
  ParsedResponse back(out);
  EXPECT_EQ(back.head().body, BodyKind::Chunked) << out;
}

TEST(Http1WriteResponseHead, TellsAnHttp10ClientTheConnectionStaysOpen) {
  const auto out = respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 10, false);
  EXPECT_TRUE(testing::icontains(ParsedResponse(out).head().header("Connection"), "keep-alive"))
      << out;
}

TEST(Http1GeneratedResponse, NamesTheStatusAndRequestIdAndCloses) {
  for (int status : {400, 408, 413, 414, 431, 502, 503, 504}) {
    const auto out = generated_response(status, "rid-77", "detail here");
    EXPECT_EQ(out.rfind("HTTP/1.1 " + std::to_string(status) + " ", 0), 0u) << out;
    ResponseParser p;
    p.reset(false);
    auto r = parse_whole(p, out);
    ASSERT_TRUE(head_complete(r.head_step)) << out;
    EXPECT_EQ(p.head().status, status);
    EXPECT_FALSE(p.head().keep_alive) << out;
    EXPECT_TRUE(testing::icontains(p.head().header("Connection"), "close")) << out;
    EXPECT_TRUE(r.done) << "a complete message:\n" << out;
    EXPECT_EQ(r.consumed, out.size()) << out;
    EXPECT_NE(r.body.find("rid-77"), std::string::npos) << out;
    EXPECT_NE(r.body.find(std::to_string(status)), std::string::npos) << out;
  }
}

TEST(Http1GeneratedResponse, ReasonPhrasesAreTheStandardOnes) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(400), "Bad Request");
  EXPECT_EQ(reason_phrase(408), "Request Timeout");
  EXPECT_EQ(reason_phrase(414), "URI Too Long");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(502), "Bad Gateway");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(504), "Gateway Timeout");
}

}  // namespace
}  // namespace gantry::proxy::http1
