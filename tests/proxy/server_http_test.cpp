// HTTP/1.1 through a real ProxyServer: keep-alive both ways, pipelining, chunked bodies, HEAD,
// 204/304, Expect: 100-continue, and the headers it removes and adds on the way.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proxy/proxy_fixture.h"

namespace gantry::proxy::testing {
namespace {

TEST(ProxyServer, ForwardsARequestToTheExampleAppAndItsResponseBack) {
  ExampleApp app("v1");
  ASSERT_TRUE(app.ready()) << app.output();
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {app.as_replica()}}})}));
  auto res = get_once(proxy.port, "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello from svc v1 replica svc-v1-0\n");
  EXPECT_EQ(res->header("X-Version"), "v1");
  EXPECT_EQ(res->header("X-Replica"), "svc-v1-0");
}

TEST(ProxyServer, KeepsTheClientConnectionAndReusesTheUpstreamConnection) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 5; ++i) {
    const std::string target = "/req/" + std::to_string(i);
    ASSERT_TRUE(client.send_all(get_request(target)));
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << "request " << i << " got no response on the kept connection";
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "up " + target);
    EXPECT_FALSE(res->wants_close()) << res->head;
  }
  EXPECT_EQ(upstream.request_count(), 5u);
  EXPECT_EQ(upstream.connections(), 1) << "sequential requests share one upstream connection";
}

TEST(ProxyServer, RetriesAnIdempotentRequestWhoseReusedConnectionTheUpstreamClosed) {
  // An upstream whose keep-alive time-out is shorter than the proxy's closes a pooled
  // connection just as the proxy reuses it. Made deterministic here: each connection answers
  // its first request, then reads the second and hangs up without a byte of answer. A GET
  // that meets this must be sent again on a fresh connection, not answered 502.
  TestUpstream upstream([](const Message& req, Socket& s) {
    thread_local int served_on_this_connection = 0;  // one thread per connection
    if (++served_on_this_connection > 1) return Reply::Close;
    write_response(s, 200, "up " + req.target);
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  for (int i = 0; i < 5; ++i) {
    const std::string target = "/again/" + std::to_string(i);
    ASSERT_TRUE(client.send_all(get_request(target)));
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << "request " << i << ": no answer";
    ASSERT_EQ(res->status, 200) << "request " << i << " failed with the pooled connection the "
                                << "upstream closed:\n"
                                << res->head << res->body;
    EXPECT_EQ(res->body, "up " + target);
  }
}

TEST(ProxyServer, ParsesARequestHeadArrivingInPieces) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  const std::string head =
      "GET /pieces HTTP/1.1\r\nHost: svc.test\r\nUser-Agent: slow-typist\r\n"
      "Cookie: a=1; b=2\r\nAccept: */*\r\n\r\n";
  // Cut inside the request line, right after it, and inside a header: each time the proxy has
  // read the first piece before the rest arrives.
  for (std::size_t cut : {std::size_t{9}, std::size_t{22}, std::size_t{40}}) {
    auto client = proxy.connect();
    ASSERT_TRUE(client.send_all(std::string_view(head).substr(0, cut)));
    ASSERT_TRUE(client.wait_until_peer_has_read()) << "the proxy never read the first piece";
    ASSERT_TRUE(client.send_all(std::string_view(head).substr(cut)));
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << "cut at " << cut;
    EXPECT_EQ(res->status, 200) << "cut at " << cut << ":\n" << res->head << res->body;
    EXPECT_EQ(res->body, "up /pieces") << "cut at " << cut;
  }
}

TEST(ProxyServer, AnswersPipelinedRequestsInOrder) {
  // The first answer is slow, so a proxy that answered in completion order would be caught.
  TestUpstream upstream([](const Message& req, Socket& s) {
    if (req.target == "/1") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    write_response(s, 200, "body of " + req.target + " (" + req.body + ")");
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(
      get_request("/1") + "POST /2 HTTP/1.1\r\nHost: svc.test\r\nContent-Length: 5\r\n\r\nhello" +
      get_request("/3") + get_request("/4")));
  const std::vector<std::string> expected = {"body of /1 ()", "body of /2 (hello)", "body of /3 ()",
                                             "body of /4 ()"};
  for (const auto& body : expected) {
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << "missing response: " << body;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, body);
  }
}

TEST(ProxyServer, PassesAChunkedRequestBodyThrough) {
  ExampleApp app("v1");
  ASSERT_TRUE(app.ready()) << app.output();
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {app.as_replica()}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(
      client.send_all("POST /echo HTTP/1.1\r\nHost: svc.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "6\r\nhello \r\n"
                      "5;ext=x\r\nworld\r\n0\r\n\r\n"));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello world");
  // The connection is still good for the next request.
  ASSERT_TRUE(client.send_all(get_request("/")));
  auto next = client.read_final_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(ProxyServer, PassesChunkedFramingToTheUpstreamUnchanged) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(
      client.send_all("PUT /doc HTTP/1.1\r\nHost: svc.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].chunked) << seen[0].head;
  EXPECT_EQ(seen[0].body, "abcdef");
  EXPECT_NE(upstream.raw().find("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"), std::string::npos);
}

TEST(ProxyServer, PassesAChunkedResponseThroughAndKeepsTheConnection) {
  TestUpstream upstream([](const Message& req, Socket& s) {
    s.send_all(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Version: up\r\n\r\n"
        "4\r\npart\r\n1\r\n-\r\n" +
        std::string(req.target == "/a" ? "1\r\na" : "1\r\nb") + "\r\n0\r\n\r\n");
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  for (std::string target : {"/a", "/b"}) {
    ASSERT_TRUE(client.send_all(get_request(target)));
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(res->complete);
    EXPECT_EQ(res->body, "part-" + target.substr(1));
  }
}

TEST(ProxyServer, AnswersHeadWithoutABodyAndKeepsTheConnection) {
  ExampleApp app("v1");
  ASSERT_TRUE(app.ready()) << app.output();
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {app.as_replica()}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all("HEAD / HTTP/1.1\r\nHost: svc.test\r\n\r\n"));
  auto head = client.read_response(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_NE(head->header("Content-Length"), "");
  EXPECT_NE(head->header("Content-Length"), "0");
  ASSERT_TRUE(client.send_all(get_request("/")));
  auto get = client.read_final_response();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200) << "the HEAD answer carried body bytes:\n" << get->head;
  EXPECT_EQ(get->body, "hello from svc v1 replica svc-v1-0\n");
}

TEST(ProxyServer, PassesNoContentAndNotModifiedWithoutBodies) {
  TestUpstream upstream([](const Message& req, Socket& s) {
    if (req.target == "/204")
      s.send_all("HTTP/1.1 204 No Content\r\n\r\n");
    else if (req.target == "/304")
      s.send_all("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
    else
      write_response(s, 200, "after");
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/204") + get_request("/304") + get_request("/next")));
  auto no_content = client.read_response();
  ASSERT_TRUE(no_content);
  EXPECT_EQ(no_content->status, 204);
  auto not_modified = client.read_response();
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_EQ(not_modified->header("ETag"), "\"x\"");
  auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "after");
}

TEST(ProxyServer, SendsContinueBeforeTheBodyWhenTheClientExpectsIt) {
  TestUpstream upstream([](const Message& req, Socket& s) {
    write_response(s, 201, "got " + req.body);
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(
      "PUT /file HTTP/1.1\r\nHost: svc.test\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n"));
  // The body is not sent until 100 Continue arrives: a proxy that waited for it would hang here.
  auto interim = client.read_response();
  ASSERT_TRUE(interim) << "no 100 Continue before the body";
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.send_all("payload"));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "got payload");
  // Still usable afterwards.
  ASSERT_TRUE(client.send_all(get_request("/after")));
  auto after = client.read_final_response();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 201);
}

TEST(ProxyServer, ClosesAfterAnsweringAClientThatAskedToClose) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/bye", "Connection: close\r\n")));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(icontains(res->header("Connection"), "close")) << res->head;
  EXPECT_TRUE(client.wait_closed());
}

TEST(ProxyServer, ClosesAnHttp10ClientUnlessItAskedForKeepAlive) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  {
    auto client = proxy.connect();
    ASSERT_TRUE(client.send_all("GET /old HTTP/1.0\r\nHost: svc.test\r\n\r\n"));
    auto res = client.read_final_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "up /old");
    EXPECT_TRUE(client.wait_closed());
  }
  auto client = proxy.connect();
  const std::string req = "GET /kept HTTP/1.0\r\nHost: svc.test\r\nConnection: keep-alive\r\n\r\n";
  ASSERT_TRUE(client.send_all(req));
  auto first = client.read_final_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "up /kept");
  EXPECT_TRUE(icontains(first->header("Connection"), "keep-alive")) << first->head;
  ASSERT_TRUE(client.send_all(req));
  auto second = client.read_final_response();
  ASSERT_TRUE(second) << "the HTTP/1.0 keep-alive connection was closed";
  EXPECT_EQ(second->body, "up /kept");
}

TEST(ProxyServer, TellsTheUpstreamWhoAskedAndDropsHopByHopHeaders) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(
      "GET /who HTTP/1.1\r\nHost: shop.example:8080\r\nConnection: keep-alive, X-Hop-Secret\r\n"
      "X-Hop-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"
      "TE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\nX-Forwarded-For: 203.0.113.9\r\n"
      "X-Kept: yes\r\n\r\n"));
  ASSERT_TRUE(client.read_final_response());
  ASSERT_TRUE(client.send_all(get_request("/with-id", "X-Request-Id: client-chosen-7\r\n")));
  ASSERT_TRUE(client.read_final_response());
  const auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 2u);
  const Message& first = seen[0];
  for (const char* hop :
       {"X-Hop-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"}) {
    EXPECT_FALSE(first.has(hop)) << hop << " reached the upstream:\n" << first.head;
  }
  EXPECT_EQ(first.header("X-Kept"), "yes");
  EXPECT_EQ(first.header("Host"), "shop.example:8080");
  EXPECT_EQ(first.header("X-Forwarded-For"), "203.0.113.9, 127.0.0.1");
  EXPECT_EQ(first.header("X-Forwarded-Proto"), "http");
  EXPECT_EQ(first.header("X-Forwarded-Host"), "shop.example:8080");
  EXPECT_EQ(first.count("X-Request-Id"), 1u) << first.head;
  EXPECT_FALSE(first.header("X-Request-Id").empty());
  const Message& second = seen[1];
  EXPECT_EQ(second.count("X-Request-Id"), 1u) << second.head;
  EXPECT_EQ(second.header("X-Request-Id"), "client-chosen-7");
  EXPECT_NE(first.header("X-Request-Id"), "client-chosen-7");
}

TEST(ProxyServer, GivesEveryRequestADifferentRequestId) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client.send_all(get_request("/")));
    ASSERT_TRUE(client.read_final_response());
  }
  std::set<std::string> ids;
  for (const auto& r : upstream.requests()) ids.insert(r.header("X-Request-Id"));
  EXPECT_EQ(ids.size(), 20u);
}

TEST(ProxyServer, RemovesHopByHopHeadersFromTheResponse) {
  TestUpstream upstream([](const Message&, Socket& s) {
    s.send_all(
        "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n"
        "Keep-Alive: timeout=5\r\nX-App: kept\r\nContent-Length: 2\r\n\r\nok");
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto res = get_once(proxy.port);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->has("X-Hop")) << res->head;
  EXPECT_FALSE(res->has("Keep-Alive")) << res->head;
  EXPECT_EQ(res->header("X-App"), "kept");
  EXPECT_EQ(res->body, "ok");
}

}  // namespace
}  // namespace gantry::proxy::testing
