// Streaming through a real ProxyServer: a 256 MiB upload and a 128 MiB download in bounded
// memory, WebSocket echo, and server-sent events delivered as they happen.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "proxy/proxy_fixture.h"
#include "proxy/ws_client.h"

namespace gantry::proxy::testing {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(ProxyServerStreams, UploadsAQuarterGibibyteInBoundedMemory) {
  constexpr std::uint64_t kUpload = 256 * kMiB;
  // The sink counts the body and keeps none of it.
  TestUpstream sink(
      [](const Message& req, Socket& s) {
        write_response(s, 200, std::to_string(req.body_size));
        return Reply::KeepAlive;
      },
      /*keep_bodies=*/false);
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("sink-0", sink.port())}}})}));

  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all("POST /upload HTTP/1.1\r\nHost: svc.test\r\nContent-Length: " +
                              std::to_string(kUpload) + "\r\n\r\n"));
  const long before = resident_kib();
  long peak = before;
  const std::string piece(256 * 1024, 'u');
  for (std::uint64_t sent = 0; sent < kUpload; sent += piece.size()) {
    ASSERT_TRUE(client.send_all(piece)) << "the proxy stopped reading after " << sent << " bytes";
    if (sent % (8 * kMiB) == 0) peak = std::max(peak, resident_kib());
  }
  auto res = client.read_final_response();
  peak = std::max(peak, resident_kib());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, std::to_string(kUpload));
  EXPECT_LT(peak - before, static_cast<long>(kUpload / 1024 / 4))
      << "resident memory grew by " << (peak - before) / 1024 << " MiB for a " << kUpload / kMiB
      << " MiB upload";
}

TEST(ProxyServerStreams, DownloadsAnEighthGibibyteInBoundedMemory) {
  constexpr std::uint64_t kDownload = 128 * kMiB;
  TestUpstream source([](const Message&, Socket& s) {
    s.send_all("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kDownload) + "\r\n\r\n");
    const std::string piece(256 * 1024, 'd');
    for (std::uint64_t sent = 0; sent < kDownload; sent += piece.size()) {
      if (!s.send_all(piece)) return Reply::Close;
    }
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("src-0", source.port())}}})}));
  auto client = proxy.connect();
  const long before = resident_kib();
  long peak = before;
  ASSERT_TRUE(client.send_all(get_request("/big")));
  auto head = client.read_until("\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->rfind("HTTP/1.1 200 ", 0), 0u) << *head;
  std::uint64_t received = client.discard_buffered();
  for (int reads = 0; received < kDownload; ++reads) {
    if (!client.fill()) break;
    received += client.discard_buffered();
    if (reads % 64 == 0) peak = std::max(peak, resident_kib());
  }
  peak = std::max(peak, resident_kib());
  EXPECT_EQ(received, kDownload);
  EXPECT_LT(peak - before, static_cast<long>(kDownload / 1024 / 4))
      << "resident memory grew by " << (peak - before) / 1024 << " MiB for a " << kDownload / kMiB
      << " MiB download";
}

TEST(ProxyServerStreams, EchoesWebSocketMessagesThroughTheProxy) {
  ExampleApp app("v1");
  ASSERT_TRUE(app.ready()) << app.output();
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {app.as_replica()}}})}));
  WsClient ws;
  ASSERT_TRUE(ws.connect(proxy.port, "/ws")) << "the WebSocket handshake failed through the proxy";
  EXPECT_EQ(ws.echo("ping over the proxy"), "ping over the proxy");
  EXPECT_EQ(ws.echo(std::string(100000, 'x')), std::string(100000, 'x'));
  EXPECT_EQ(ws.echo("third"), "third");
}

TEST(ProxyServerStreams, WebSocketUpgradeAnswerKeepsItsUpgradeHeaders) {
  ExampleApp app("v1");
  ASSERT_TRUE(app.ready()) << app.output();
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {app.as_replica()}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(
      "GET /ws HTTP/1.1\r\nHost: svc.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  auto res = client.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 101);
  EXPECT_TRUE(iequals(res->header("Upgrade"), "websocket")) << res->head;
  EXPECT_TRUE(icontains(res->header("Connection"), "upgrade")) << res->head;
  EXPECT_EQ(res->header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ProxyServerStreams, DeliversServerSentEventsBeforeTheStreamEnds) {
  ExampleApp app("v1");
  ASSERT_TRUE(app.ready()) << app.output();
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {app.as_replica()}}})}));
  auto client = proxy.connect();
  // A stream that would take hours to end: only a proxy that forwards events as they come
  // lets the test see any of them.
  ASSERT_TRUE(client.send_all(get_request("/sse?n=100000&interval=50ms")));
  auto head = client.read_until("\r\n\r\n");
  ASSERT_TRUE(head) << "no response head while the stream runs";
  EXPECT_EQ(head->rfind("HTTP/1.1 200 ", 0), 0u) << *head;
  EXPECT_TRUE(icontains(*head, "text/event-stream")) << *head;
  EXPECT_TRUE(client.read_until("id: 1\n")) << "the first event did not arrive while streaming";
  EXPECT_TRUE(client.read_until("id: 3\n")) << "later events did not arrive while streaming";
}

}  // namespace
}  // namespace gantry::proxy::testing
