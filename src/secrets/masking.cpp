// The forms of a secret value that masking hides (secrets.h: mask_forms). Pure; thread-safe.
#include <sodium.h>

#include <algorithm>

#include "core/strings.h"
#include "secrets/secrets.h"

namespace gantry::secrets {
namespace {

std::string base64(std::string_view value, int variant) {
  std::string out(sodium_base64_encoded_len(value.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(value.data()),
                    value.size(), variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string json_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> mask_forms(std::string_view value) {
  std::vector<std::string> forms;
  if (value.size() < kMinMaskLength) return forms;
  if (sodium_init() < 0) return {std::string(value)};
  forms.emplace_back(value);
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    forms.push_back(base64(value, variant));
  }
  forms.push_back(percent_encode(value));
  // Form-encoding writes a space as '+'.
  if (value.find(' ') != std::string_view::npos) {
    std::string spaced(value);
    std::replace(spaced.begin(), spaced.end(), ' ', '\x01');
    std::string plus = percent_encode(spaced);
    std::string out;
    for (std::size_t i = 0; i < plus.size(); ++i) {
      if (plus.compare(i, 3, "%01") == 0) {
        out.push_back('+');
        i += 2;
      } else {
        out.push_back(plus[i]);
      }
    }
    forms.push_back(std::move(out));
  }
  forms.push_back(json_escape(value));
  // Longest first, so a masker replacing in order never leaves the tail of a longer form.
  std::sort(forms.begin(), forms.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

}  // namespace gantry::secrets
