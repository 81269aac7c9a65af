// HTTP/1.1 response framing without sockets: length, chunked and until-close bodies, interim
// responses, bodiless answers (HEAD, 204, 304) and what an early close means (proxy/http1.h).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "proxy/http1.h"
#include "proxy/http1_parse.h"

namespace gantry::proxy::http1 {
namespace {

ResponseParser response_parser(bool head_request = false) {
  ResponseParser p;
  p.reset(head_request);
  return p;
}

TEST(Http1Response, ContentLengthBodyIsConsumedExactly) {
  auto p = response_parser();
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-App: 1\r\n\r\nhello";
  const std::string input = first + "HTTP/1.1 200 OK\r\n\r\n";
  auto r = parse_whole(p, input);
  ASSERT_TRUE(head_complete(r.head_step)) << r.head_step.error;
  EXPECT_EQ(p.head().status, 200);
  EXPECT_EQ(p.head().reason, "OK");
  EXPECT_EQ(p.head().version, 11);
  EXPECT_EQ(p.head().body, BodyKind::Length);
  EXPECT_EQ(p.head().content_length, 5u);
  EXPECT_EQ(p.head().header("x-app"), "1");
  EXPECT_TRUE(p.head().keep_alive);
  EXPECT_EQ(r.last.kind, Step::Done);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.consumed, first.size());
}

TEST(Http1Response, ChunkedBodyPassesThroughRaw) {
  auto p = response_parser();
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string body = "3\r\nabc\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
  const std::string input = head + body + "HTTP/1.1 204 No Content\r\n\r\n";
  auto r = parse_whole(p, input);
  ASSERT_TRUE(head_complete(r.head_step)) << r.head_step.error;
  EXPECT_EQ(p.head().body, BodyKind::Chunked);
  EXPECT_EQ(r.last.kind, Step::Done) << r.last.error;
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.consumed, head.size() + body.size());
}

TEST(Http1Response, BodyWithoutFramingRunsUntilTheUpstreamCloses) {
  auto p = response_parser();
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n";
  auto r = parse_whole(p, input);
  ASSERT_TRUE(head_complete(r.head_step));
  EXPECT_EQ(p.head().body, BodyKind::UntilClose);
  EXPECT_FALSE(p.head().keep_alive);
  EXPECT_FALSE(r.done);
  EXPECT_EQ(r.body, "data: 1\n\n");
  auto end = p.feed_eof();
  EXPECT_EQ(end.kind, Step::Done) << end.error;
  EXPECT_TRUE(p.done());
}

TEST(Http1Response, EofBeforeTheEndOfALengthBodyIsA502) {
  auto p = response_parser();
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  auto r = parse_whole(p, input);
  ASSERT_TRUE(head_complete(r.head_step));
  EXPECT_FALSE(r.done);
  auto end = p.feed_eof();
  EXPECT_EQ(end.kind, Step::Error);
  EXPECT_EQ(end.error_status, 502);
}

TEST(Http1Response, EofBeforeAnyResponseByteIsA502) {
  auto p = response_parser();
  EXPECT_EQ(p.feed("").kind, Step::NeedMore);
  auto end = p.feed_eof();
  EXPECT_EQ(end.kind, Step::Error) << "status " << p.head().status;
  EXPECT_EQ(end.error_status, 502);
  EXPECT_FALSE(p.done());
}

TEST(Http1Response, EofInsideTheHeadIsA502) {
  auto p = response_parser();
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Le").kind, Step::NeedMore);
  auto end = p.feed_eof();
  EXPECT_EQ(end.kind, Step::Error);
  EXPECT_EQ(end.error_status, 502);
}

TEST(Http1Response, InterimContinueIsDoneAfterItsHeadThenTheFinalResponseFollows) {
  auto p = response_parser();
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::string final_response = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  const std::string input = interim + final_response;
  auto step = p.feed(input);
  EXPECT_TRUE(step.kind == Step::HeadDone || step.kind == Step::Done) << step.error;
  EXPECT_EQ(step.consumed, interim.size());
  EXPECT_EQ(p.head().status, 100);
  EXPECT_TRUE(p.done());
  p.reset(false);
  auto r = parse_whole(p, std::string_view(input).substr(interim.size()));
  ASSERT_TRUE(head_complete(r.head_step));
  EXPECT_EQ(p.head().status, 201);
  EXPECT_EQ(r.body, "ok");
  EXPECT_TRUE(r.done);
}

TEST(Http1Response, HeadResponseHasNoBodyDespiteContentLength) {
  auto p = response_parser(/*head_request=*/true);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
  const std::string input = head + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  auto r = parse_whole(p, input);
  ASSERT_TRUE(head_complete(r.head_step));
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.consumed, head.size());
  EXPECT_EQ(r.body, "");
}

TEST(Http1Response, NoContentAndNotModifiedHaveNoBody) {
  for (std::string head : {"HTTP/1.1 204 No Content\r\n\r\n",
                           "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"}) {
    auto p = response_parser();
    const std::string input = head + "HTTP/1.1 200 OK\r\n\r\n";
    auto r = parse_whole(p, input);
    ASSERT_TRUE(head_complete(r.head_step)) << head;
    EXPECT_TRUE(r.done) << head;
    EXPECT_EQ(r.consumed, head.size()) << head;
  }
}

TEST(Http1Response, KeepAliveFollowsTheUpstreamsConnectionHeader) {
  auto p = response_parser();
  ASSERT_TRUE(
      head_complete(p.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")));
  EXPECT_FALSE(p.head().keep_alive);
  auto q = response_parser();
  ASSERT_TRUE(head_complete(q.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")));
  EXPECT_EQ(q.head().version, 10);
  EXPECT_FALSE(q.head().keep_alive);
}

TEST(Http1Response, MalformedResponsesAre502) {
  for (std::string bad : {"HTTP/1.1 2x0 OK\r\n\r\n", "HTP/1.1 200 OK\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n"}) {
    auto p = response_parser();
    auto step = p.feed(bad);
    EXPECT_EQ(step.kind, Step::Error) << bad;
    EXPECT_EQ(step.error_status, 502) << bad;
  }
}

}  // namespace
}  // namespace gantry::proxy::http1
