// secret-in-spec: credentials written into the spec as literals (connection strings with a
// password, known key formats, high-entropy values under secret-like names). Messages show
// only scan::redact forms, never the secret.
#include <cctype>
#include <string>

#include "core/strings.h"
#include "lint/rules_impl.h"
#include "scan/scan.h"

namespace gantry::lint::detail {
namespace {

constexpr const char* kHint = "move it to the vault and reference it as secret://NAME";

// The value with the URL password replaced by ****, so the message shows which URL it is.
std::string mask(std::string_view raw, const scan::Detection& d) {
  std::string out(raw.substr(0, d.offset));
  out += "****";
  out += raw.substr(d.offset + d.length);
  return out;
}

// Checks one value as written in the spec (EnvValue.raw: a value that came from an env file
// through ${VAR} is not the spec's fault). Returns true when it reported a finding.
bool check_value(Context& ctx, const std::string& key_path, std::string_view name,
                 const spec::EnvValue& v, const spec::VarSchema* schema) {
  const std::string_view raw = v.raw;
  if (v.is_secret_ref()) return false;
  const std::string subject = key_path + ": ";

  // A password next to a ${HOST} is still a literal password, so URLs and key formats are
  // checked even in interpolated values (their ${...} parts never match).
  if (auto d = scan::find_url_password(raw)) {
    std::string shown = raw.size() <= 200 ? mask(raw, *d) : "a connection string";
    ctx.add("secret-in-spec", key_path,
            subject + "connection string with an inline password (" + shown + ")",
            std::string(kHint) + "; or keep the password out of the URL (${DB_PASSWORD})");
    return true;
  }
  for (const auto& d : scan::find_key_formats(raw)) {
    // Documentation keys (AKIA...EXAMPLE) and stand-ins are not credentials.
    if (scan::is_placeholder(raw.substr(d.offset, d.length))) continue;
    ctx.add("secret-in-spec", key_path,
            subject + d.description + " written in the spec (" +
                scan::redact(raw.substr(d.offset, d.length)) + ")",
            std::string(kHint) + ", and rotate the key: it is in the repository history");
    return true;
  }
  if (v.interpolated || scan::is_placeholder(raw)) return false;
  const bool secret_name = !name.empty() && spec::is_secret_like_name(name);
  if (secret_name && scan::is_high_entropy(raw)) {
    ctx.add("secret-in-spec", key_path,
            subject + "looks like a literal secret (" + scan::redact(raw) + ")",
            std::string(kHint) + ", and rotate it");
    return true;
  }
  if (schema && schema->secret) {
    ctx.add("secret-in-spec", key_path,
            subject + "env_schema marks " + std::string(name) +
                " secret, but the spec gives it a literal value (" + scan::redact(raw) + ")",
            kHint);
    return true;
  }
  return false;
}

// A webhook URL whose path or query holds a generated token (https://hooks.example.com/T0k3n).
bool check_webhook_token(Context& ctx, const std::string& key_path, const spec::EnvValue& v) {
  if (v.is_secret_ref() || v.interpolated) return false;
  const auto scheme = v.raw.find("://");
  if (scheme == std::string::npos) return false;
  for (const auto& part : split(std::string_view(v.raw).substr(scheme + 3), '/')) {
    for (const auto& piece : split(part, '?')) {
      for (const auto& param : split(piece, '&')) {
        const auto eq = param.find('=');
        const std::string token = eq == std::string::npos ? param : param.substr(eq + 1);
        if (!scan::is_high_entropy(token)) continue;
        ctx.add("secret-in-spec", key_path,
                key_path + ": webhook URL with a token in it (" + scan::redact(token) + ")", kHint);
        return true;
      }
    }
  }
  return false;
}

}  // namespace

void check_secrets(Context& ctx) {
  const auto& spec = ctx.spec();
  for (const auto& s : spec.services) {
    for (const auto& [name, value] : s.env) {
      auto it = s.env_schema.find(name);
      const spec::VarSchema* schema = it == s.env_schema.end() ? nullptr : &it->second;
      check_value(ctx, env_var_path(ctx, s, name), name, value, schema);
    }
  }
  // Environment vars not merged into any service (no services) are still in the file.
  if (spec.services.empty()) {
    for (const auto& e : spec.environments) {
      for (const auto& [name, value] : e.vars) {
        check_value(ctx, "environments." + e.name + ".vars." + name, name, value, nullptr);
      }
    }
  }
  for (std::size_t i = 0; i < spec.notify.size(); ++i) {
    const std::string base = "notify." + std::to_string(i);
    const std::string path =
        ctx.pick_path({base + ".url", base + ".slack.webhook", base + ".webhook.url",
                       base + ".slack.url", base + ".webhook", base + ".slack", base});
    const spec::NotifySink& sink = spec.notify[i];
    if (!check_value(ctx, path, "WEBHOOK_URL", sink.url, nullptr)) {
      check_webhook_token(ctx, path, sink.url);
    }
    // The signing key is a credential by definition; so are header values like Authorization.
    const std::string body = ctx.pick_path({base + ".webhook", base + ".slack", base});
    if (!sink.secret.raw.empty()) {
      check_value(ctx, ctx.pick_path({body + ".secret", body}), "WEBHOOK_SECRET", sink.secret,
                  nullptr);
    }
    for (const auto& [name, value] : sink.headers) {
      std::string as_var;
      for (char c : name) as_var.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
      if (as_var == "AUTHORIZATION" || as_var == "PROXY_AUTHORIZATION") as_var += "_TOKEN";
      check_value(ctx, ctx.pick_path({body + ".headers." + name, body}), as_var, value, nullptr);
    }
  }
}

}  // namespace gantry::lint::detail
