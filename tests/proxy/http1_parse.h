// Helpers for the HTTP/1.1 framing tests: parse one message out of an input whole or fed one
// byte at a time, the way the data path feeds a parser. Single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/http1.h"
#include "proxy/raw_http.h"  // iequals, icontains

namespace gantry::proxy::http1 {

// What parsing one message out of an input did.
struct Parsed {
  Step head_step;            // the step that ended the head: HeadDone or Error (or NeedMore)
  Step last;                 // the last step: Done, Error, or what was left when input ran out
  bool done = false;         // the parser says the message is complete
  std::string body;          // the body bytes taken, framing included
  std::size_t consumed = 0;  // bytes of the input that belong to this message
};

// The head is complete: HeadDone, or Done for a message that ends with its head (a response
// without a body, as 1xx ones are documented to do).
inline bool head_complete(const Step& s) {
  return s.kind == Step::HeadDone || s.kind == Step::Done;
}

// Feeds the input whole: the head, then the rest as body, as the data path does when
// everything has arrived at once.
template <class Parser>
Parsed parse_whole(Parser& p, std::string_view input) {
  Parsed r;
  r.head_step = p.feed(input);
  r.last = r.head_step;
  if (!head_complete(r.head_step)) return r;
  r.consumed = r.head_step.consumed;
  std::string_view rest = input.substr(r.consumed);
  while (!p.done()) {
    Step s = p.feed(rest);
    r.last = s;
    if (s.kind == Step::Error) return r;
    EXPECT_LE(s.consumed, rest.size());
    r.body.append(rest.substr(0, s.consumed));
    r.consumed += s.consumed;
    rest.remove_prefix(s.consumed);
    if (s.kind == Step::Done || s.consumed == 0) break;
  }
  r.done = p.done();
  return r;
}

// Feeds the input one more byte at a time: the head re-scanned as it grows, then body bytes
// given one by one on top of whatever the parser has not taken yet.
inline Parsed parse_bytewise(RequestParser& p, std::string_view input) {
  Parsed r;
  for (std::size_t n = 1; n <= input.size(); ++n) {
    r.head_step = p.feed(input.substr(0, n));
    if (r.head_step.kind != Step::NeedMore) break;
  }
  r.last = r.head_step;
  if (r.head_step.kind != Step::HeadDone) return r;
  std::size_t pos = r.head_step.consumed, end = pos;  // [pos, end) given, not yet taken
  r.consumed = pos;
  while (!p.done()) {
    end = std::min(end + 1, input.size());
    Step s = p.feed(input.substr(pos, end - pos));
    r.last = s;
    if (s.kind == Step::Error) return r;
    EXPECT_LE(s.consumed, end - pos);
    r.body.append(input.substr(pos, s.consumed));
    pos += s.consumed;
    r.consumed = pos;
    if (s.kind == Step::Done) break;
    if (end == input.size() && s.consumed == 0) break;
  }
  r.done = p.done();
  return r;
}

inline RequestParser parser(Limits limits = {}) { return RequestParser(limits); }

inline bool points_into(std::string_view view, std::string_view buffer) {
  return view.empty() || (view.data() >= buffer.data() &&
                          view.data() + view.size() <= buffer.data() + buffer.size());
}

// Copies of a head's headers, for comparing heads parsed from different buffers.
inline std::vector<std::pair<std::string, std::string>> copied(const std::vector<Header>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

inline std::size_t count_headers(const std::vector<Header>& headers, std::string_view name) {
  std::size_t n = 0;
  for (const auto& h : headers) n += testing::iequals(h.name, name);
  return n;
}

}  // namespace gantry::proxy::http1
