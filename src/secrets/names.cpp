// Which secret names (and environment names) the vault takes. Pure; thread-safe.
#include <cctype>

#include "secrets/secrets.h"

namespace gantry::secrets {

Status check_secret_name(std::string_view name) {
  const auto ok_first = [](unsigned char c) { return std::isalnum(c) != 0; };
  const auto ok_rest = [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  };
  bool valid = !name.empty() && name.size() <= 128 && ok_first(static_cast<unsigned char>(name[0]));
  for (std::size_t i = 1; valid && i < name.size(); ++i) {
    valid = ok_rest(static_cast<unsigned char>(name[i]));
  }
  if (valid) return {};
  return make_error(ErrorCode::Invalid,
                    "'" + std::string(name.substr(0, 140)) +
                        "' is not a secret name: use 1 to 128 letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit (e.g. database-url)");
}

}  // namespace gantry::secrets
