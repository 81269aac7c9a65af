// mask_forms: the encodings of a secret that masking must catch.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/mask.h"
#include "secrets/secrets.h"

namespace gantry::secrets {
namespace {

bool has(const std::vector<std::string>& forms, const std::string& form) {
  return std::find(forms.begin(), forms.end(), form) != forms.end();
}

TEST(MaskForms, HoldTheValueItsBase64AndUrlAndJsonForms) {
  const std::string value = "p@ss word/+?";
  const auto forms = mask_forms(value);
  EXPECT_TRUE(has(forms, value));
  EXPECT_TRUE(has(forms, "cEBzcyB3b3JkLys/")) << "standard base64";
  EXPECT_TRUE(has(forms, "cEBzcyB3b3JkLys_")) << "URL-safe base64";
  EXPECT_TRUE(has(forms, "p%40ss%20word%2F%2B%3F")) << "percent-encoded";
  EXPECT_TRUE(has(forms, "p%40ss+word%2F%2B%3F")) << "form-encoded";
  const auto quoted = mask_forms("say \"hi\"\n");
  EXPECT_TRUE(has(quoted, "say \\\"hi\\\"\\n")) << "JSON-escaped";
}

TEST(MaskForms, PaddedAndUnpaddedBase64AreBothThere) {
  const auto forms = mask_forms("abcde");  // 5 bytes: base64 needs padding
  EXPECT_TRUE(has(forms, "YWJjZGU="));
  EXPECT_TRUE(has(forms, "YWJjZGU"));
}

TEST(MaskForms, ShortValuesAreNotMasked) {
  EXPECT_TRUE(mask_forms("abc").empty());
  EXPECT_FALSE(mask_forms("abcd").empty());
}

TEST(MaskForms, AMaskOfTheFormsHidesEachEncodingInText) {
  SecretMask mask;
  const std::string value = "Zx9-secret-Value";
  mask.set(mask_forms(value));
  const std::string text = "raw=" + value + " b64=Wng5LXNlY3JldC1WYWx1ZQ== url=Zx9-secret-Value";
  EXPECT_EQ(mask.apply(text), "raw=*** b64=*** url=***");
}

}  // namespace
}  // namespace gantry::secrets
