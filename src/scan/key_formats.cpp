// Known credential formats (AWS, GitHub, Slack, Stripe, OpenAI, ...) found by hand-written
// prefix matchers: one pass per prefix, no regex. Pure; thread-safe.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "scan/scan.h"

namespace gantry::scan {
namespace {

enum class Charset { Alnum, UpperAlnum, AlnumDash, AlnumUnderscore, Hex, Base64Url };

bool in_charset(Charset set, char c) {
  const bool digit = c >= '0' && c <= '9';
  const bool upper = c >= 'A' && c <= 'Z';
  const bool lower = c >= 'a' && c <= 'z';
  switch (set) {
    case Charset::Alnum:
      return digit || upper || lower;
    case Charset::UpperAlnum:
      return digit || upper;
    case Charset::AlnumDash:
      return digit || upper || lower || c == '-' || c == '_';
    case Charset::AlnumUnderscore:
      return digit || upper || lower || c == '_';
    case Charset::Hex:
      return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    case Charset::Base64Url:
      return digit || upper || lower || c == '-' || c == '_';
  }
  return false;
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// A token format: a literal prefix, then min..max characters of one set, ending at a
// non-alphanumeric character (or the end of text).
struct Format {
  std::string_view id;
  std::string_view description;
  std::string_view prefix;
  Charset body;
  std::size_t min_len;
  std::size_t max_len;
};

constexpr std::size_t kUnbounded = 4096;

// Longer, more specific prefixes first: a text range claimed once is not matched again
// (sk-ant-... is Anthropic, not OpenAI's sk-...).
constexpr std::array kFormats = {
    Format{"aws-access-key-id", "AWS access key ID", "AKIA", Charset::UpperAlnum, 16, 16},
    Format{"aws-access-key-id", "AWS access key ID", "ASIA", Charset::UpperAlnum, 16, 16},
    Format{"aws-access-key-id", "AWS access key ID", "ABIA", Charset::UpperAlnum, 16, 16},
    Format{"aws-access-key-id", "AWS access key ID", "ACCA", Charset::UpperAlnum, 16, 16},
    Format{"github-token", "GitHub token", "ghp_", Charset::Alnum, 36, 255},
    Format{"github-token", "GitHub token", "gho_", Charset::Alnum, 36, 255},
    Format{"github-token", "GitHub token", "ghu_", Charset::Alnum, 36, 255},
    Format{"github-token", "GitHub token", "ghs_", Charset::Alnum, 36, 255},
    Format{"github-token", "GitHub token", "ghr_", Charset::Alnum, 36, 255},
    Format{"github-token", "GitHub fine-grained token", "github_pat_", Charset::AlnumUnderscore, 70,
           255},
    Format{"gitlab-token", "GitLab personal access token", "glpat-", Charset::AlnumDash, 20, 64},
    Format{"slack-token", "Slack token", "xoxb-", Charset::AlnumDash, 20, 255},
    Format{"slack-token", "Slack token", "xoxp-", Charset::AlnumDash, 20, 255},
    Format{"slack-token", "Slack token", "xoxa-", Charset::AlnumDash, 20, 255},
    Format{"slack-token", "Slack token", "xoxr-", Charset::AlnumDash, 20, 255},
    Format{"slack-token", "Slack token", "xoxs-", Charset::AlnumDash, 20, 255},
    Format{"slack-token", "Slack app token", "xapp-", Charset::AlnumDash, 20, 255},
    Format{"stripe-secret-key", "Stripe secret key", "sk_live_", Charset::Alnum, 20, 255},
    Format{"stripe-secret-key", "Stripe secret key", "sk_test_", Charset::Alnum, 20, 255},
    Format{"stripe-secret-key", "Stripe restricted key", "rk_live_", Charset::Alnum, 20, 255},
    Format{"stripe-secret-key", "Stripe restricted key", "rk_test_", Charset::Alnum, 20, 255},
    Format{"stripe-webhook-secret", "Stripe webhook signing secret", "whsec_", Charset::Alnum, 24,
           255},
    Format{"anthropic-api-key", "Anthropic API key", "sk-ant-api03-", Charset::AlnumDash, 80,
           kUnbounded},
    Format{"anthropic-api-key", "Anthropic admin key", "sk-ant-admin01-", Charset::AlnumDash, 80,
           kUnbounded},
    Format{"openai-api-key", "OpenAI project key", "sk-proj-", Charset::AlnumDash, 40, kUnbounded},
    Format{"openai-api-key", "OpenAI service account key", "sk-svcacct-", Charset::AlnumDash, 40,
           kUnbounded},
    Format{"openai-api-key", "OpenAI admin key", "sk-admin-", Charset::AlnumDash, 40, kUnbounded},
    Format{"google-api-key", "Google API key", "AIza", Charset::AlnumDash, 35, 35},
    Format{"twilio-api-key", "Twilio API key", "SK", Charset::Hex, 32, 32},
    Format{"npm-token", "npm access token", "npm_", Charset::Alnum, 36, 36},
    Format{"pypi-token", "PyPI API token", "pypi-AgEIcHlwaS5vcmc", Charset::AlnumDash, 50,
           kUnbounded},
    Format{"huggingface-token", "Hugging Face token", "hf_", Charset::Alnum, 34, 40},
    Format{"sendgrid-api-key", "SendGrid API key", "SG.", Charset::AlnumDash, 22, 22},
};

struct Matcher {
  std::string_view text;
  std::vector<Detection> found;

  bool claimed(std::size_t begin, std::size_t end) const {
    return std::any_of(found.begin(), found.end(), [&](const Detection& d) {
      return begin < d.offset + d.length && d.offset < end;
    });
  }

  void add(std::string_view id, std::string_view description, std::size_t begin, std::size_t end) {
    if (claimed(begin, end)) return;
    found.push_back(Detection{std::string(id), std::string(description), begin, end - begin});
  }

  // Length of the run of `set` characters starting at pos.
  std::size_t run(std::size_t pos, Charset set) const {
    std::size_t n = 0;
    while (pos + n < text.size() && in_charset(set, text[pos + n])) ++n;
    return n;
  }

  bool boundary_before(std::size_t pos) const { return pos == 0 || !is_alnum(text[pos - 1]); }
  bool boundary_at(std::size_t pos) const { return pos >= text.size() || !is_alnum(text[pos]); }

  void match(const Format& f) {
    for (auto pos = text.find(f.prefix); pos != std::string_view::npos;
         pos = text.find(f.prefix, pos + 1)) {
      if (!boundary_before(pos)) continue;
      const std::size_t body = pos + f.prefix.size();
      const std::size_t n = run(body, f.body);
      if (n < f.min_len || n > f.max_len) continue;
      if (!boundary_at(body + n)) continue;
      if (f.id == "sendgrid-api-key") {
        // SG.<22>.<43>
        const std::size_t second = body + n;
        if (second >= text.size() || text[second] != '.') continue;
        const std::size_t m = run(second + 1, Charset::AlnumDash);
        if (m != 43) continue;
        add(f.id, f.description, pos, second + 1 + m);
        continue;
      }
      add(f.id, f.description, pos, body + n);
    }
  }

  // OpenAI's older keys: sk- then 48 letters and digits (often with T3BlbkFJ inside).
  void match_openai_legacy() {
    for (auto pos = text.find("sk-"); pos != std::string_view::npos;
         pos = text.find("sk-", pos + 1)) {
      if (!boundary_before(pos)) continue;
      const std::size_t n = run(pos + 3, Charset::Alnum);
      const std::size_t end = pos + 3 + n;
      if (!boundary_at(end) || (end < text.size() && text[end] == '-')) continue;
      const std::string_view body = text.substr(pos + 3, n);
      if (n == 48 || (n >= 40 && body.find("T3BlbkFJ") != std::string_view::npos)) {
        add("openai-api-key", "OpenAI API key", pos, end);
      }
    }
  }

  void match_slack_webhook() {
    static constexpr std::string_view kPrefix = "https://hooks.slack.com/services/";
    for (auto pos = text.find(kPrefix); pos != std::string_view::npos;
         pos = text.find(kPrefix, pos + 1)) {
      std::size_t end = pos + kPrefix.size();
      int parts = 0;
      std::size_t last = 0;
      while (true) {
        const std::size_t n = run(end, Charset::Alnum);
        if (n == 0) break;
        ++parts;
        last = n;
        end += n;
        if (end < text.size() && text[end] == '/' && parts < 3) {
          ++end;
          continue;
        }
        break;
      }
      if (parts == 3 && last >= 16) add("slack-webhook", "Slack incoming webhook URL", pos, end);
    }
  }

  void match_private_key() {
    static constexpr std::string_view kBegin = "-----BEGIN ";
    for (auto pos = text.find(kBegin); pos != std::string_view::npos;
         pos = text.find(kBegin, pos + 1)) {
      const auto eol = text.find('\n', pos);
      const std::string_view line =
          text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
      const auto key = line.find("PRIVATE KEY");
      if (key == std::string_view::npos) continue;
      const auto dashes = line.find("-----", kBegin.size());
      if (dashes == std::string_view::npos || dashes < key) continue;
      // The whole block when its END line is there, else the BEGIN line.
      std::size_t end = pos + dashes + 5;
      const auto stop = text.find("-----END ", end);
      if (stop != std::string_view::npos) {
        const auto close = text.find("-----", stop + 9);
        if (close != std::string_view::npos) end = close + 5;
      }
      add("private-key", "private key block", pos, end);
    }
  }

  // header.payload.signature, both JSON parts base64url of '{"'.
  void match_jwt() {
    for (auto pos = text.find("eyJ"); pos != std::string_view::npos;
         pos = text.find("eyJ", pos + 1)) {
      if (!boundary_before(pos)) continue;
      std::size_t end = pos;
      int parts = 0;
      bool ok = true;
      while (parts < 3) {
        const std::size_t n = run(end, Charset::Base64Url);
        if (n < 10) {
          ok = false;
          break;
        }
        if (parts == 1 && text.substr(end, 3) != "eyJ") {
          ok = false;
          break;
        }
        end += n;
        ++parts;
        if (parts < 3) {
          if (end >= text.size() || text[end] != '.') {
            ok = false;
            break;
          }
          ++end;
        }
      }
      if (ok && boundary_at(end)) add("jwt", "JSON web token", pos, end);
    }
  }
};

}  // namespace

std::vector<Detection> find_key_formats(std::string_view text) {
  Matcher m{text, {}};
  m.match_private_key();
  m.match_slack_webhook();
  for (const auto& f : kFormats) m.match(f);
  m.match_openai_legacy();
  m.match_jwt();
  std::sort(m.found.begin(), m.found.end(),
            [](const Detection& a, const Detection& b) { return a.offset < b.offset; });
  return std::move(m.found);
}

}  // namespace gantry::scan
