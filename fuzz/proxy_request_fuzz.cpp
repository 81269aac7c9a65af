// libFuzzer target for the proxy's request framing (proxy/http1.h): any bytes, fed whole and in
// input-driven pieces, must give the same head and body framing or the same refusal, never a
// crash; an accepted head, rewritten for the upstream, must parse back with the same framing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/http1.h"

namespace {

using gantry::proxy::http1::BodyKind;
using gantry::proxy::http1::ForwardInfo;
using gantry::proxy::http1::Limits;
using gantry::proxy::http1::RequestHead;
using gantry::proxy::http1::RequestParser;
using gantry::proxy::http1::Step;

void check(bool ok) {
  if (!ok) std::abort();
}

// Piece sizes driven by the input: a small xorshift generator seeded from its bytes, so the
// fuzzer explores different splits by mutating the message itself.
class Pieces {
 public:
  explicit Pieces(std::string_view input) {
    for (unsigned char c : input) state_ = (state_ ^ c) * 0x100000001b3ULL;
    if (state_ == 0) state_ = 1;
  }
  std::size_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    switch (state_ % 4) {
      case 0:
        return 1;
      case 1:
        return 1 + (state_ >> 8) % 8;
      case 2:
        return 1 + (state_ >> 8) % 64;
      default:
        return 1 + (state_ >> 8) % 4096;
    }
  }

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

// What parsing one message did.
struct Outcome {
  Step::Kind head = Step::NeedMore;  // HeadDone, Error or NeedMore (input ended)
  Step::Kind end = Step::NeedMore;   // Done, Error, or Body/NeedMore (input ended)
  std::size_t head_bytes = 0;
  std::size_t consumed = 0;  // bytes of the input taken by the message
  std::string method, target;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
};

bool within(std::string_view view, std::string_view buffer) {
  return view.empty() || (view.data() >= buffer.data() &&
                          view.data() + view.size() <= buffer.data() + buffer.size());
}

// The statuses a refused request may get (417: an Expect other than 100-continue).
void check_error(const Step& s) {
  check(s.error_status == 400 || s.error_status == 413 || s.error_status == 414 ||
        s.error_status == 417 || s.error_status == 431);
  check(!s.error.empty());
}

// Checks the head just accepted from `buffer`, and what gantry would send upstream for it.
void check_head(const RequestParser& p, const Step& s, std::string_view buffer) {
  const RequestHead& h = p.head();
  check(s.consumed == h.head_bytes && h.head_bytes <= buffer.size());
  check(within(h.method, buffer) && within(h.target, buffer) && within(h.host, buffer));
  for (const auto& header : h.headers) {
    check(within(header.name, buffer) && within(header.value, buffer));
  }
  check(h.version == 10 || h.version == 11);
  check(!h.method.empty() && !h.target.empty());

  for (bool strip_expect : {false, true}) {
    std::string out;
    write_request_head(h, ForwardInfo{"192.0.2.1", "http", "fuzz-request-id"}, strip_expect, out);
    // The upstream must frame the forwarded request exactly as the proxy did.
    RequestParser again(
        Limits{.max_head_bytes = 1 << 22, .max_headers = 1 << 16, .max_uri_bytes = 1 << 22});
    const Step back = again.feed(out);
    check(back.kind == Step::HeadDone && back.consumed == out.size());
    const RequestHead& b = again.head();
    check(b.method == h.method && b.target == h.target && b.host == h.host);
    check(b.body == h.body);
    check(b.body != BodyKind::Length || b.content_length == h.content_length);
    check(b.upgrade == h.upgrade);
    check(b.header("Keep-Alive").empty() && b.header("Proxy-Connection").empty() &&
          b.header("TE").empty() && b.header("Trailer").empty());
    check(!strip_expect || b.header("Expect").empty());
  }
}

// Parses one message from `input` either whole or in pieces, as the data path would.
Outcome parse(RequestParser& p, std::string_view input, Pieces* pieces) {
  Outcome o;
  Step s;
  if (pieces == nullptr) {
    s = p.feed(input);
  } else {
    std::size_t have = 0;
    do {
      have = std::min(input.size(), have + pieces->next());
      s = p.feed(input.substr(0, have));
      if (s.kind == Step::NeedMore) check(s.consumed == 0 && !p.head_done());
    } while (s.kind == Step::NeedMore && have < input.size());
  }
  o.head = s.kind;
  if (s.kind == Step::Error) {
    check_error(s);
    o.end = Step::Error;
    return o;
  }
  if (s.kind != Step::HeadDone) return o;
  check_head(p, s, input);
  const RequestHead& h = p.head();
  o.head_bytes = h.head_bytes;
  o.method = std::string(h.method);
  o.target = std::string(h.target);
  o.body = h.body;
  o.content_length = h.content_length;
  std::size_t pos = s.consumed, end = pos;  // [pos, end) given to the parser, not yet taken
  while (!p.done()) {
    end = pieces == nullptr ? input.size() : std::min(input.size(), end + pieces->next());
    const std::size_t given = end - pos;
    s = p.feed(input.substr(pos, given));
    o.end = s.kind;
    if (s.kind == Step::Error) {
      check_error(s);
      break;
    }
    check(s.kind == Step::Body || s.kind == Step::Done);
    check(s.consumed <= given);
    pos += s.consumed;
    if (s.kind == Step::Done) {
      check(p.done());
      break;
    }
    if (end == input.size() && s.consumed == 0) break;
  }
  if (p.done()) o.end = Step::Done;
  o.consumed = pos;
  if (o.body == BodyKind::Length && o.end == Step::Done) {
    check(o.consumed - o.head_bytes == o.content_length);
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Limits limits{.max_head_bytes = 4096, .max_headers = 32, .max_uri_bytes = 1024};
  RequestParser whole(limits), split(limits);
  Pieces pieces(input);
  std::string_view rest_whole = input, rest_split = input;
  // Up to a few pipelined messages; each must frame the same whole or in pieces.
  for (int message = 0; message < 4; ++message) {
    const Outcome a = parse(whole, rest_whole, nullptr);
    const Outcome b = parse(split, rest_split, &pieces);
    check(a.head == b.head);
    check((a.end == Step::Error) == (b.end == Step::Error));
    check((a.end == Step::Done) == (b.end == Step::Done));
    if (a.head != Step::HeadDone) break;
    check(a.head_bytes == b.head_bytes && a.method == b.method && a.target == b.target);
    check(a.body == b.body && a.content_length == b.content_length);
    if (a.end != Step::Done || b.end != Step::Done) break;
    check(a.consumed == b.consumed);
    rest_whole.remove_prefix(a.consumed);
    rest_split.remove_prefix(b.consumed);
    whole.reset();
    split.reset();
  }
  return 0;
}
