// Placeholders (not findings) and the redacted display of secrets.
#include <gtest/gtest.h>

#include <string>

#include "scan/scan.h"

namespace gantry::scan {
namespace {

TEST(ScanPlaceholder, RecognisesStandIns) {
  for (const char* s : {"",
                        "  ",
                        "changeme",
                        "CHANGEME",
                        "change-me-please",
                        "your-key-here",
                        "your_api_key",
                        "xxx",
                        "XXXXXXXX",
                        "****",
                        "<your-token>",
                        "[token]",
                        "${STRIPE_KEY}",
                        "prefix-${X}-suffix",
                        "secret://stripe-key",
                        "$API_TOKEN",
                        "{{ .Values.token }}",
                        "example",
                        "sk_live_example_key",
                        "TODO",
                        "none",
                        "null",
                        "placeholder",
                        "dummy",
                        "REDACTED",
                        "replace-me"}) {
    EXPECT_TRUE(is_placeholder(s)) << "'" << s << "'";
  }
}

TEST(ScanPlaceholder, DoesNotTreatRealValuesAsPlaceholders) {
  for (const char* s : {"q8ZtLw3vN9xKp2Rb7YcE", "Hunter2-prod-pw", "info", "8080",
                        "postgresql://db/app", "$ 5", "x", "true"}) {
    EXPECT_FALSE(is_placeholder(s)) << s;
  }
}

TEST(ScanRedact, NeverShowsTheSecret) {
  const std::string secret = std::string("sk_live_") + "q8ZtLw3vN9xKp2Rb7YcE1234";
  const std::string shown = redact(secret);
  EXPECT_EQ(shown, "sk_l\u2026(32 chars)");
  EXPECT_EQ(shown.find(secret.substr(4)), std::string::npos);
}

TEST(ScanRedact, ShowsNothingOfShortSecrets) {
  EXPECT_EQ(redact("Hunter2-prod-pw"), "\u2026(15 chars)");
  EXPECT_EQ(redact(""), "\u2026(0 chars)");
}

}  // namespace
}  // namespace gantry::scan
