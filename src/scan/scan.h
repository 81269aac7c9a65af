// Credential detection in single values and text: known key formats, connection strings with
// inline passwords, high-entropy literals, placeholders. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::scan {

struct Detection {
  std::string rule_id;      // "aws-access-key-id", "url-password", ...
  std::string description;  // "AWS access key ID"
  std::size_t offset = 0;   // of the secret within the scanned text
  std::size_t length = 0;
};

// Known credential formats anywhere in text: AWS, GitHub, GitLab, Slack tokens and webhooks,
// Stripe, OpenAI, Anthropic, Google API, SendGrid, Twilio, npm, PyPI, private key blocks, JWT.
std::vector<Detection> find_key_formats(std::string_view text);

// A URL (postgresql://, postgres://, mysql://, mongodb://, mongodb+srv://, redis://,
// rediss://, amqp://, amqps://, and http(s)://) with a literal password in its userinfo.
// Placeholder and ${VAR} passwords are not detections.
std::optional<Detection> find_url_password(std::string_view value);

// changeme, your-key-here, xxx, <...>, empty, ${VAR}, secret://, "example", ...
bool is_placeholder(std::string_view value);

// A literal that looks like a generated secret: long enough, mixed classes, high entropy.
bool is_high_entropy(std::string_view value);

// A display form that never shows the secret: "sk_l…(32 chars)".
std::string redact(std::string_view secret);

}  // namespace gantry::scan
