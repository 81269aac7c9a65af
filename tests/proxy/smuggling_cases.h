// Requests the proxy must refuse with 400 because two HTTP parsers could frame them
// differently (request smuggling), shared by the parser tests and the tests through a socket.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace gantry::proxy::testing {

struct SmugglingCase {
  std::string name;
  std::string request;  // raw bytes as a client sends them
  bool in_head = true;  // refused while parsing the head (else in the body)
};

inline void PrintTo(const SmugglingCase& c, std::ostream* os) { *os << c.name; }

// Every case ends with a pipelined "GET /smuggled" that must never reach an upstream.
inline std::vector<SmugglingCase> smuggling_cases() {
  const std::string tail = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string post = "POST /upload HTTP/1.1\r\nHost: x\r\n";
  return {
      {"ContentLengthWithTransferEncoding",
       post + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + tail},
      {"TransferEncodingWithContentLength",
       post + "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n" + tail},
      {"RepeatedEqualContentLength",
       post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + tail},
      {"RepeatedUnequalContentLength",
       post + "Content-Length: 5\r\nContent-Length: 41\r\n\r\nhello" + tail},
      {"UnequalContentLengthList", post + "Content-Length: 5, 41\r\n\r\nhello" + tail},
      {"NegativeContentLength", post + "Content-Length: -5\r\n\r\nhello" + tail},
      {"SignedContentLength", post + "Content-Length: +5\r\n\r\nhello" + tail},
      {"NonDigitContentLength", post + "Content-Length: 5x\r\n\r\nhello" + tail},
      {"HugeContentLength", post + "Content-Length: 99999999999999999999999\r\n\r\nhello" + tail},
      {"TransferEncodingNotChunked", post + "Transfer-Encoding: gzip\r\n\r\nhello" + tail},
      {"TransferEncodingChunkedNotLast",
       post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" + tail},
      {"TransferEncodingChunkedThenOtherHeader",
       post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + tail},
      {"TransferEncodingMisspelled", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + tail},
      {"ObsoleteLineFolding",
       post + "Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n\r\nhello" + tail},
      {"ObsoleteLineFoldingOfOrdinaryHeader",
       "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n" + tail},
      {"BareLfAfterRequestLine", "GET / HTTP/1.1\nHost: x\r\n\r\n" + tail},
      {"BareLfAfterHeader", "GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n" + tail},
      {"BareLfEndingHead", "GET / HTTP/1.1\r\nHost: x\r\n\n" + tail},
      {"BareCrInHeaderValue", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n" + tail},
      {"SpaceBeforeColon", post + "Content-Length : 5\r\n\r\nhello" + tail},
      {"SpaceInHeaderName", "GET / HTTP/1.1\r\nHost: x\r\nX Bad: a\r\n\r\n" + tail},
      {"ControlCharInHeaderName",
       "GET / HTTP/1.1\r\nHost: x\r\nX-\x01"
       "Bad: a\r\n\r\n" +
           tail},
      {"EmptyHeaderName", "GET / HTTP/1.1\r\nHost: x\r\n: a\r\n\r\n" + tail},
      {"NulInHeaderValue",
       std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: a") + '\0' + "b\r\n\r\n" + tail},
      {"ChunkSizeNotHex",
       post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" + tail, false},
      {"ChunkSizeNegative",
       post + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n" + tail, false},
      {"ChunkSizeOverflow",
       post + "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n" + tail,
       false},
      {"ChunkSizeBareLf", post + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n" + tail,
       false},
      {"ChunkDataLongerThanSize",
       post + "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n" + tail, false},
  };
}

}  // namespace gantry::proxy::testing
