// Fake credentials for the scanner's tests, built at run time from a fixed seed so that this
// repository holds no literal that looks like a live key. Not thread-safe (one generator).
#pragma once

#include <random>
#include <string>
#include <string_view>

namespace gantry::testing {

inline constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
inline constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view kHex = "0123456789abcdef";
inline constexpr std::string_view kDigits = "0123456789";
inline constexpr std::string_view kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view kB64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
inline constexpr std::string_view kBech32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

// n characters drawn from alphabet.
inline std::string fake(std::string_view alphabet, std::size_t n) {
  static std::mt19937 rng(20261202);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += alphabet[pick(rng)];
  return out;
}

// prefix + n characters of alphabet: fake_token("gh" "p_", kAlnum, 36).
inline std::string fake_token(std::string_view prefix, std::string_view alphabet, std::size_t n) {
  return std::string(prefix) + fake(alphabet, n);
}

inline std::string base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kTable[(buf >> bits) & 63];
    }
  }
  if (bits > 0) out += kTable[(buf << (6 - bits)) & 63];
  while (out.size() % 4) out += '=';
  return out;
}

inline std::string base64url(std::string_view in) {
  std::string out = base64(in);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace gantry::testing
