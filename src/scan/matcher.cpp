// The compiled matcher: every rule in one Hyperscan block-mode database, matched in one pass;
// each hit is confirmed by std::regex on a bounded window (its line, at most ~2 KiB), then by
// entropy, placeholder, allowlist and inline `gantry:allow` checks. Immutable after compile();
// scan() is thread-safe with one Scratch per thread.
#include <hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/strings.h"
#include "scan/rules_impl.h"
#include "scan/scan.h"
#include "scan/scanner.h"

namespace gantry::scan {

// Per-thread state: Hyperscan's scratch space and the buffers one scan() reuses.
class Matcher::Scratch {
 public:
  struct Hit {
    unsigned rule;
    std::size_t to;  // end offset of the Hyperscan match
  };
  explicit Scratch(hs_scratch_t* hs) : hs_(hs) {}
  ~Scratch() {
    if (hs_) hs_free_scratch(hs_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  hs_scratch_t* hs_;
  std::vector<Hit> hits_;
  std::vector<std::size_t> next_to_;      // per rule: 1 + the last reported end, 0 = none
  std::vector<std::size_t> done_until_;   // per rule: end of the last confirmed window
  std::vector<signed char> has_keyword_;  // per rule: the data holds a keyword (-1: not known)
  std::vector<Finding> found_;
  std::string folded_;      // a caseless rule's lowercased window
  std::size_t offset_ = 0;  // of the chunk being matched
};

namespace {

using detail::exact_literal;
using detail::fold_pattern;
using detail::leading_literals;
using detail::widen_repeats;

constexpr std::size_t kWindow = 2048;         // bytes of a line around a hit that are confirmed
constexpr std::size_t kMultilineBack = 4096;  // a multi-line rule looks this far back
constexpr int kMultilineLines = 8;            // and at most this many lines
constexpr std::size_t kChunk = std::size_t{1} << 30;  // hs_scan takes an unsigned length
constexpr std::size_t kChunkOverlap = 16 * 1024;

// Newlines in [b, e): 16 bytes at a time with SSE2 (8 with SWAR elsewhere); a memchr call per
// line costs more on short lines.
std::size_t count_newlines(const char* b, const char* e) {
  std::size_t n = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (e - b >= 16) {
    // Byte counters go up by one per match (cmpeq gives -1); sum them before they overflow.
    __m128i acc = _mm_setzero_si128();
    const std::ptrdiff_t blocks = std::min<std::ptrdiff_t>((e - b) / 16, 255);
    for (std::ptrdiff_t i = 0; i < blocks; ++i, b += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
    }
    const __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
    n += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
         static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#else
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full, kNl = 0x0a0a0a0a0a0a0a0aull;
  for (; e - b >= 8; b += 8) {
    std::uint64_t w;
    std::memcpy(&w, b, 8);
    const std::uint64_t x = w ^ kNl;                               // 0 where '\n' was
    const std::uint64_t t = ~(((x & kLow7) + kLow7) | x | kLow7);  // 0x80 per '\n' byte
    n += static_cast<std::size_t>(((t >> 7) * 0x0101010101010101ull) >> 56);
  }
#endif
  for (; b < e; ++b) n += *b == '\n';
  return n;
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// `needle` is lowercase ASCII (rule keywords are). memchr for both cases of its first byte,
// then a compare: a whole file is searched once per rule that has a hit in it.
bool contains_caseless(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (hay.size() < needle.size()) return false;
  const char first = needle[0];
  const char upper = first >= 'a' && first <= 'z' ? static_cast<char>(first - 32) : first;
  auto rest_equal = [&](std::size_t at) {
    for (std::size_t j = 1; j < needle.size(); ++j) {
      char c = hay[at + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != needle[j]) return false;
    }
    return true;
  };
  const std::size_t last = hay.size() - needle.size();
  for (const char c : {first, upper}) {
    std::size_t at = 0;
    while (at <= last) {
      const void* p = std::memchr(hay.data() + at, c, last - at + 1);
      if (!p) break;
      at = static_cast<std::size_t>(static_cast<const char*>(p) - hay.data());
      if (rest_equal(at)) return true;
      ++at;
    }
    if (c == upper) break;
    if (upper == first) break;
  }
  return false;
}

struct CompiledRule {
  const Rule* rule = nullptr;
  std::regex re;  // on lowercased text when rule->caseless
  std::vector<std::regex> allow;
  bool multiline = false;            // the pattern can span lines (it names \n or \r)
  bool generic = false;              // loses to a specific rule on the same secret
  int lines_back = 0;                // lines before the hit's line a match can start on
  std::vector<std::string> anchors;  // every match starts with one (lowercase when caseless)
  bool assignment = false;           // a NAME-then-value rule (detail::assignment_rule)
};

// The quoted pair form of an assignment ("NAME", "value": setdefault, get with a default) names
// an identifier. A string of words that ends in a secret-like word ("PyPI API token", "...")
// in a table of strings is no assignment: true for that one.
bool pair_of_words(std::string_view data, std::size_t match_begin, std::string_view between) {
  if (between.find(',') == std::string_view::npos) return false;
  std::size_t i = match_begin;
  auto ident = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  while (i > 0 && ident(data[i - 1])) --i;
  return i == 0 || (data[i - 1] != '"' && data[i - 1] != '\'');
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

int on_match(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
             void* ctx) {
  auto* s = static_cast<Matcher::Scratch*>(ctx);
  const std::size_t end = s->offset_ + static_cast<std::size_t>(to);
  std::size_t& next = s->next_to_[id];
  // A repeat such as [A-Za-z0-9]{24,} reports every end offset: one hit per run is enough,
  // confirmation reads the whole line.
  const bool same_run = next != 0 && (end == next || end + 1 == next);
  next = end + 1;
  if (!same_run) s->hits_.push_back({id, end});
  return 0;
}

class HyperscanMatcher final : public Matcher {
 public:
  HyperscanMatcher(ScanConfig config) : config_(std::move(config)) {}
  ~HyperscanMatcher() override {
    if (proto_) hs_free_scratch(proto_);
    if (db_) hs_free_database(db_);
  }

  Status build();

  std::unique_ptr<Scratch, void (*)(Scratch*)> make_scratch() const override {
    hs_scratch_t* hs = nullptr;
    if (proto_) hs_clone_scratch(proto_, &hs);
    auto* s = new Scratch(hs);
    s->next_to_.assign(rules_.size(), 0);
    s->done_until_.assign(rules_.size(), 0);
    s->has_keyword_.assign(rules_.size(), -1);
    return {s, [](Scratch* p) { delete p; }};
  }

  void scan(std::string_view data, std::string_view path, Scratch& scratch,
            std::vector<Finding>& out) const override;

  bool path_allowed(std::string_view path) const override {
    for (const auto& glob : config_.allowlist.paths) {
      if (detail::glob_match(glob, path)) return true;
    }
    return false;
  }

  const ScanConfig& config() const override { return config_; }

  bool from_cache() const override { return from_cache_; }

 private:
  Status compile_database(const std::vector<std::string>& wide);
  void confirm(std::string_view data, const Scratch::Hit& hit, Scratch& scratch) const;
  bool allowed(const CompiledRule& cr, std::string_view data, std::size_t begin, std::size_t end,
               bool own_prefix) const;

  ScanConfig config_;
  std::vector<CompiledRule> rules_;
  std::vector<std::regex> allow_values_;
  std::vector<std::string> allow_exact_;  // allowlist regexes that are one escaped literal
  std::vector<std::string> stopwords_;    // lowercase
  hs_database_t* db_ = nullptr;
  hs_scratch_t* proto_ = nullptr;
  bool from_cache_ = false;
};

Status HyperscanMatcher::build() {
  rules_.reserve(config_.rules.size());
  for (const auto& rule : config_.rules) {
    CompiledRule cr;
    cr.rule = &rule;
    try {
      cr.re = std::regex(rule.caseless ? fold_pattern(rule.pattern) : rule.pattern,
                         std::regex::ECMAScript);
      for (const auto& a : rule.allow) cr.allow.emplace_back(a, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return make_error(ErrorCode::Invalid,
                        "rule '" + rule.id + "': invalid regex: " + std::string(e.what()));
    }
    if (rule.secret_group < 0 || static_cast<unsigned>(rule.secret_group) > cr.re.mark_count()) {
      return make_error(ErrorCode::Invalid,
                        "rule '" + rule.id + "': secret_group " +
                            std::to_string(rule.secret_group) + " but the pattern has " +
                            std::to_string(cr.re.mark_count()) + " capture group(s)");
    }
    cr.multiline = rule.pattern.find("\\n") != std::string::npos ||
                   rule.pattern.find("\\r") != std::string::npos;
    cr.generic = std::find(rule.tags.begin(), rule.tags.end(), "generic") != rule.tags.end();
    // An assignment's value sits on the name's line or the next one (render.yaml `value:`).
    cr.assignment = rule.pattern.find(detail::assignment_operator()) != std::string::npos;
    cr.lines_back = !cr.multiline ? 0
                    : rule.pattern.find(detail::assignment_operator()) != std::string::npos
                        ? 1
                        : kMultilineLines;
    if (!leading_literals(rule.pattern, cr.anchors)) cr.anchors.clear();
    if (rule.caseless) {
      for (auto& a : cr.anchors) {
        for (auto& c : a) c = ascii_lower(c);
      }
    }
    rules_.push_back(std::move(cr));
  }
  try {
    for (const auto& v : config_.allowlist.values) {
      if (auto lit = exact_literal(v)) {
        allow_exact_.push_back(std::move(*lit));
      } else {
        allow_values_.emplace_back(v);
      }
    }
  } catch (const std::regex_error& e) {
    return make_error(ErrorCode::Invalid, "allowlist: invalid regex: " + std::string(e.what()));
  }
  for (const auto& w : config_.allowlist.stopwords) stopwords_.push_back(to_lower(w));
  if (rules_.empty()) return {};

  std::vector<std::string> wide;
  for (const auto& cr : rules_) wide.push_back(widen_repeats(cr.rule->pattern));
  if (auto st = compile_database(wide); !st) return st;
  if (hs_alloc_scratch(db_, &proto_) != HS_SUCCESS) {
    return make_error(ErrorCode::Internal, "Hyperscan: cannot allocate scratch space");
  }
  return {};
}

// Loads the database from the compiled-rules cache when it holds this rule set, else compiles
// it (~100 ms for the built-in rules) and rewrites the cache.
Status HyperscanMatcher::compile_database(const std::vector<std::string>& wide) {
  std::vector<detail::DbCacheEntry> entries;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    entries.push_back(
        {rules_[i].rule->id, wide[i], rules_[i].rule->caseless ? unsigned{HS_FLAG_CASELESS} : 0u});
  }
  const std::string cache_path = detail::db_cache_path(detail::db_cache_key(entries));
  if (auto bytes = detail::db_cache_read(cache_path)) {
    hs_database_t* db = nullptr;
    char* info = nullptr;
    if (hs_deserialize_database(bytes->data(), bytes->size(), &db) == HS_SUCCESS &&
        hs_database_info(db, &info) == HS_SUCCESS) {
      std::free(info);
      db_ = db;
      from_cache_ = true;
      return {};
    }
    if (db) hs_free_database(db);
  }
  std::vector<const char*> patterns;
  std::vector<unsigned> flags, ids;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    patterns.push_back(wide[i].c_str());
    flags.push_back(rules_[i].rule->caseless ? HS_FLAG_CASELESS : 0u);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db_,
                       &err) != HS_SUCCESS) {
    std::string msg = err && err->message ? err->message : "unknown error";
    const int at = err ? err->expression : -1;
    hs_free_compile_error(err);
    if (at >= 0 && static_cast<std::size_t>(at) < rules_.size()) {
      return make_error(ErrorCode::Invalid, "rule '" + rules_[at].rule->id +
                                                "': Hyperscan cannot compile its pattern: " + msg);
    }
    return make_error(ErrorCode::Internal, "Hyperscan: " + msg);
  }
  if (!cache_path.empty()) {
    char* bytes = nullptr;
    std::size_t size = 0;
    if (hs_serialize_database(db_, &bytes, &size) == HS_SUCCESS) {
      detail::db_cache_write(cache_path, std::string_view(bytes, size));
      std::free(bytes);
    }
  }
  return {};
}

void HyperscanMatcher::scan(std::string_view data, std::string_view path, Scratch& scratch,
                            std::vector<Finding>& out) const {
  if (!db_ || data.empty() || path_allowed(path)) return;
  scratch.hits_.clear();
  scratch.found_.clear();
  std::fill(scratch.next_to_.begin(), scratch.next_to_.end(), 0);
  std::fill(scratch.done_until_.begin(), scratch.done_until_.end(), 0);
  std::fill(scratch.has_keyword_.begin(), scratch.has_keyword_.end(), -1);
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min(kChunk, data.size() - at);
    scratch.offset_ = at;
    hs_scan(db_, data.data() + at, static_cast<unsigned>(n), 0, scratch.hs_, on_match, &scratch);
    if (at + n >= data.size()) break;
    at += n - kChunkOverlap;
  }
  if (scratch.hits_.empty()) return;
  std::stable_sort(scratch.hits_.begin(), scratch.hits_.end(),
                   [](const Scratch::Hit& a, const Scratch::Hit& b) { return a.to < b.to; });
  for (const auto& hit : scratch.hits_) confirm(data, hit, scratch);

  // Overlapping findings: a specific rule beats the generic one, then the longer secret wins.
  auto& found = scratch.found_;
  std::sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.length > b.length;
  });
  std::vector<Finding> kept;
  std::vector<bool> kept_generic;
  auto is_generic = [&](const Finding& f) {
    for (const auto& cr : rules_) {
      if (cr.rule->id == f.rule_id) return cr.generic;
    }
    return false;
  };
  for (auto& f : found) {
    const bool generic = is_generic(f);
    bool drop = false;
    for (std::size_t back = 0; back < 8 && back < kept.size(); ++back) {
      const std::size_t j = kept.size() - 1 - back;
      Finding& k = kept[j];
      if (k.offset + k.length <= f.offset) continue;  // no overlap
      const bool f_wins =
          (kept_generic[j] && !generic) || (kept_generic[j] == generic && f.length > k.length);
      if (f_wins) {
        k = std::move(f);
        kept_generic[j] = generic;
      }
      drop = true;
      break;
    }
    if (!drop) {
      kept.push_back(std::move(f));
      kept_generic.push_back(generic);
    }
  }

  // Lines and columns, counted once in offset order.
  std::size_t pos = 0, line_start = 0;
  int line = 1;
  for (auto& f : kept) {
    if (pos < f.offset) {
      const char* b = data.data() + pos;
      const char* e = data.data() + f.offset;
      line += static_cast<int>(count_newlines(b, e));
      if (const void* nl = ::memrchr(b, '\n', static_cast<std::size_t>(e - b))) {
        line_start = static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1;
      }
      pos = f.offset;
    }
    f.line = line;
    f.column = static_cast<int>(f.offset - line_start) + 1;
    f.path = std::string(path);
    f.fingerprint = detail::fingerprint(f.rule_id, path, f.secret);
    out.push_back(std::move(f));
  }
}

void HyperscanMatcher::confirm(std::string_view data, const Scratch::Hit& hit,
                               Scratch& scratch) const {
  const CompiledRule& cr = rules_[hit.rule];
  const std::size_t last = hit.to > 0 ? hit.to - 1 : 0;  // the hit's last byte
  // Window: the hit's line (more lines back for a multi-line rule), at most kWindow each way.
  std::size_t begin = last;
  {
    const std::size_t limit = last > (cr.multiline ? kMultilineBack : kWindow)
                                  ? last - (cr.multiline ? kMultilineBack : kWindow)
                                  : 0;
    int lines = cr.lines_back;
    while (begin > limit) {
      if (data[begin - 1] == '\n' && lines-- == 0) break;
      --begin;
    }
  }
  begin = std::max(begin, scratch.done_until_[hit.rule]);
  std::size_t end = hit.to;
  {
    const std::size_t limit = std::min(data.size(), hit.to + kWindow);
    const void* nl = std::memchr(data.data() + end, '\n', limit - end);
    end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) : limit;
  }
  if (end <= begin) return;
  scratch.done_until_[hit.rule] = end;
  const std::string_view window = data.substr(begin, end - begin);
  // A rule whose keywords the file lacks does not apply to it (looked up once per file).
  if (!cr.rule->keywords.empty()) {
    signed char& has = scratch.has_keyword_[hit.rule];
    if (has < 0) {
      has = 0;
      for (const auto& k : cr.rule->keywords) {
        if (contains_caseless(window, k) || contains_caseless(data, k)) {
          has = 1;
          break;
        }
      }
    }
    if (has == 0) return;
  }

  // Where the regex runs: the window itself, or its lowercased copy (same offsets).
  std::string_view text = window;
  if (cr.rule->caseless) {
    scratch.folded_.assign(window);
    for (auto& c : scratch.folded_) c = ascii_lower(c);
    text = scratch.folded_;
  }
  std::cmatch m;
  const char* from = text.data();
  const char* const stop = text.data() + text.size();
  auto flags = std::regex_constants::match_default;
  // The next match at or after `from`: std::regex_search, or with anchors, an anchored match
  // at each place one of them occurs, in order (the same leftmost match).
  auto next_match = [&]() {
    if (cr.anchors.empty()) return std::regex_search(from, stop, m, cr.re, flags);
    while (from < stop) {
      const std::string_view rest(from, static_cast<std::size_t>(stop - from));
      std::size_t at = std::string_view::npos;
      for (const auto& a : cr.anchors) at = std::min(at, rest.find(a));
      if (at == std::string_view::npos) return false;
      from += at;
      auto f = flags | std::regex_constants::match_continuous;
      if (from > text.data()) f |= std::regex_constants::match_prev_avail;
      if (std::regex_search(from, stop, m, cr.re, f)) return true;
      ++from;
    }
    return false;
  };
  while (from < stop && next_match()) {
    const char* next = m[0].second > from ? m[0].second : from + 1;
    // The secret group, or (for alternatives) the first later group that took part.
    std::size_t g = static_cast<std::size_t>(cr.rule->secret_group);
    while (g > 0 && g < m.size() && !m[g].matched) ++g;
    if (g < m.size() && m[g].matched && m[g].length() > 0) {
      const std::size_t sb = begin + static_cast<std::size_t>(m[g].first - text.data());
      std::size_t se = begin + static_cast<std::size_t>(m[g].second - text.data());
      // A private key's secret is its whole block, up to the END line when it is there.
      if (data.compare(sb, 11, "-----BEGIN ") == 0) {
        const auto stop_at = data.find("-----END ", se);
        if (stop_at != std::string_view::npos && stop_at - se < 16 * 1024) {
          const auto close = data.find("-----", stop_at + 9);
          if (close != std::string_view::npos && close - stop_at < 128) se = close + 5;
        }
      }
      const bool own_prefix = m[g].first != m[0].first;
      const std::size_t mb = begin + static_cast<std::size_t>(m[0].first - text.data());
      const bool words =
          cr.assignment && pair_of_words(data, mb, data.substr(mb, sb > mb ? sb - mb : 0));
      if (!words && !allowed(cr, data, sb, se, own_prefix)) {
        Finding f;
        f.rule_id = cr.rule->id;
        f.description = cr.rule->description;
        f.severity = cr.rule->severity;
        f.offset = sb;
        f.length = se - sb;
        f.secret = std::string(data.substr(sb, se - sb));
        f.entropy = gantry::shannon_entropy(f.secret);
        scratch.found_.push_back(std::move(f));
      }
    }
    from = next;
    flags |= std::regex_constants::match_prev_avail;
  }
}

// True when the candidate data[begin, end) is not a finding. `own_prefix`: the rule's pattern
// matched context right before the secret (`bot` in a Telegram URL, a `NAME=`), so the byte
// before it may be a letter.
bool HyperscanMatcher::allowed(const CompiledRule& cr, std::string_view data, std::size_t begin,
                               std::size_t end, bool own_prefix) const {
  const std::string_view secret = data.substr(begin, end - begin);
  // Part of a longer word: not this token.
  if (!own_prefix && begin > 0 && is_alnum(secret.front()) && is_alnum(data[begin - 1])) {
    return true;
  }
  if (end < data.size() && is_alnum(secret.back()) && is_alnum(data[end])) return true;
  if (cr.rule->min_entropy > 0) {
    // A short secret cannot reach a high per-character entropy: ask for what its length allows.
    const double reachable = std::log2(static_cast<double>(secret.size())) - 0.3;
    if (gantry::shannon_entropy(secret) < std::min(cr.rule->min_entropy, reachable)) return true;
  }
  if (is_placeholder(secret)) return true;
  // The rest of the line after the secret (bounded).
  std::size_t after_end = end;
  while (after_end < data.size() && after_end - end < 64 && data[after_end] != '\n') ++after_end;
  if (!detail::passes_rule_check(cr.rule->id, secret, data.substr(end, after_end - end))) {
    return true;
  }
  for (const auto& lit : allow_exact_) {
    if (secret == lit) return true;
  }
  const std::string s(secret);
  for (const auto& re : allow_values_) {
    if (std::regex_search(s, re)) return true;
  }
  for (const auto& re : cr.allow) {
    if (std::regex_search(s, re)) return true;
  }
  if (!stopwords_.empty()) {
    const std::string lower = to_lower(secret);
    for (const auto& w : stopwords_) {
      if (lower.find(w) != std::string::npos) return true;
    }
  }
  // An inline gantry:allow on the line where the secret starts.
  std::size_t ls = begin, le = begin;
  while (ls > 0 && begin - ls < 8192 && data[ls - 1] != '\n') --ls;
  while (le < data.size() && le - begin < 8192 && data[le] != '\n') ++le;
  return detail::has_inline_allow(data.substr(ls, le - ls));
}

}  // namespace

Result<std::shared_ptr<const Matcher>> Matcher::compile(const ScanConfig& config) {
  auto m = std::make_shared<HyperscanMatcher>(config);
  if (auto st = m->build(); !st) return st.error();
  return std::shared_ptr<const Matcher>(std::move(m));
}

}  // namespace gantry::scan
