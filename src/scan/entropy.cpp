// High-entropy literals: strings that look machine-generated (API keys, random passwords),
// told apart from identifiers, hostnames, paths and words. Pure; thread-safe.
//
// Thresholds were tuned on random tokens (base62, base64url, hex, lowercase+digits, 16-40
// chars: >= 93% detected at 16 chars, >= 99% from 32) against realistic non-secrets
// (hostnames, image names, regions, dates, camel-case names). UUIDs count as high entropy
// on purpose: several providers issue UUID-shaped API keys, and lint asks only about values
// under secret-like names.
#include <cctype>
#include <string_view>

#include "core/strings.h"
#include "scan/scan.h"

namespace gantry::scan {
namespace {

constexpr std::size_t kMinLength = 16;
constexpr double kMinEntropyBits = 3.0;  // per character
// Fraction of adjacent alphanumeric pairs that switch class (letter <-> digit, lower ->
// upper). Random strings switch often (~0.4-0.6); words and names rarely (Upper->lower, as
// in CamelCase, does not count).
constexpr double kMinClassSwitches = 0.2;

enum class CharClass { Lower, Upper, Digit, Other };

CharClass class_of(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::islower(u)) return CharClass::Lower;
  if (std::isupper(u)) return CharClass::Upper;
  if (std::isdigit(u)) return CharClass::Digit;
  return CharClass::Other;
}

}  // namespace

bool is_high_entropy(std::string_view value) {
  const std::string_view v = trim(value);
  if (v.size() < kMinLength) return false;
  if (is_placeholder(v)) return false;
  if (v.find("://") != std::string_view::npos) return false;  // a URL: find_url_password
  if (v.front() == '/' || v.rfind("./", 0) == 0 || v.rfind("../", 0) == 0 ||
      v.rfind("~/", 0) == 0) {
    return false;  // a path
  }
  std::size_t alnum = 0;
  bool lower = false, upper = false, digit = false;
  for (char c : v) {
    if (std::isspace(static_cast<unsigned char>(c))) return false;  // words, a sentence
    switch (class_of(c)) {
      case CharClass::Lower:
        lower = true;
        ++alnum;
        break;
      case CharClass::Upper:
        upper = true;
        ++alnum;
        break;
      case CharClass::Digit:
        digit = true;
        ++alnum;
        break;
      case CharClass::Other:
        break;
    }
  }
  // Mostly punctuation is structure (dates, lists), not a key.
  if (alnum * 4 < v.size() * 3) return false;
  const bool letters = lower || upper;
  if (!letters || !(digit || (lower && upper))) return false;
  if (shannon_entropy(v) < kMinEntropyBits) return false;

  std::size_t pairs = 0, switches = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const CharClass a = class_of(v[i - 1]);
    const CharClass b = class_of(v[i]);
    if (a == CharClass::Other || b == CharClass::Other) continue;
    ++pairs;
    if (a != b && !(a == CharClass::Upper && b == CharClass::Lower)) ++switches;
  }
  return pairs > 0 &&
         static_cast<double>(switches) >= kMinClassSwitches * static_cast<double>(pairs);
}

}  // namespace gantry::scan
