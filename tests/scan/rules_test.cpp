// Every built-in rule fires on a realistic fake credential and stays quiet on a near miss;
// documentation examples, placeholders, low-entropy values and code references are not findings.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "scan/fake_secrets.h"
#include "scan/scanner.h"

namespace gantry::scan {
namespace {

using gantry::testing::fake;
using gantry::testing::fake_token;
namespace t = gantry::testing;

struct Sample {
  std::string positive;  // must give a finding of the rule
  std::string secret;    // the finding's secret
  std::string negative;  // must give no finding of the rule
};

std::string uuid() {
  return fake(t::kHex, 8) + "-" + fake(t::kHex, 4) + "-" + fake(t::kHex, 4) + "-" +
         fake(t::kHex, 4) + "-" + fake(t::kHex, 12);
}

// id -> sample; `in` puts a token in a line of config.
std::map<std::string, Sample> samples() {
  std::map<std::string, Sample> m;
  auto tok = [&](const std::string& id, const std::string& name, const std::string& secret,
                 const std::string& negative) {
    m[id] = Sample{name + "=" + secret + "\n", secret, name + "=" + negative + "\n"};
  };
  const std::string alnum_us = std::string(t::kAlnum) + "_~.-";
  tok("aws-access-key-id", "AWS_ACCESS_KEY_ID",
      fake_token("AK"
                 "IA",
                 t::kUpperAlnum, 16),
      fake_token("AK"
                 "IA",
                 t::kUpperAlnum, 12));
  tok("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", fake(t::kB64, 40), fake(t::kB64, 30));
  tok("gcp-api-key", "GOOGLE_API_KEY",
      fake_token("AI"
                 "za",
                 t::kB64Url, 35),
      fake_token("AI"
                 "za",
                 t::kB64Url, 20));
  {
    const std::string id = fake(t::kHex, 40);
    m["gcp-service-account-key"] = {"  \"private_key_id\": \"" + id + "\",\n", id,
                                    "  \"private_key_id\": \"" + fake(t::kHex, 20) + "\",\n"};
  }
  tok("gcp-oauth-client-secret", "GOOGLE_CLIENT_SECRET",
      fake_token("GOC"
                 "SPX-",
                 t::kB64Url, 28),
      fake_token("GOC"
                 "SPX-",
                 t::kB64Url, 10));
  {
    const std::string key = fake(t::kB64, 86) + "==";
    m["azure-storage-key"] = {
        "AZURE_STORAGE_CONNECTION=DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" +
            key + ";EndpointSuffix=core.windows.net\n",
        key, "AccountKey=" + fake(t::kB64, 40) + "==\n"};
  }
  tok("azure-client-secret", "AZURE_CLIENT_SECRET", fake(t::kAlnum, 3) + "8Q~" + fake(alnum_us, 31),
      fake(t::kAlnum, 3) + "8Q~" + fake(t::kAlnum, 9));
  tok("digitalocean-pat", "DIGITALOCEAN_TOKEN",
      fake_token("dop_"
                 "v1_",
                 t::kHex, 64),
      fake_token("dop_"
                 "v1_",
                 t::kHex, 32));
  tok("digitalocean-oauth", "DO_OAUTH",
      fake_token("doo_"
                 "v1_",
                 t::kHex, 64),
      "doo_"
      "v1_" +
          std::string(64, '0'));
  tok("alibaba-access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_ID",
      fake_token("LT"
                 "AI",
                 t::kAlnum, 20),
      fake_token("LT"
                 "AI",
                 t::kAlnum, 6));
  tok("heroku-api-key", "HEROKU_API_KEY", uuid(), "acme-web-production");
  tok("cloudflare-api-token", "CLOUDFLARE_API_TOKEN", fake(t::kB64Url, 40), "example.com");
  tok("hashicorp-vault-token", "VAULT_TOKEN",
      fake_token("hvs."
                 "CAESI",
                 t::kB64Url, 90),
      fake_token("hvs.", t::kB64Url, 20));
  tok("terraform-cloud-token", "TFE_TOKEN",
      fake(t::kAlnum, 14) +
          ".atlas"
          "v1." +
          fake(t::kAlnum, 64),
      fake(t::kAlnum, 14) +
          ".atlas"
          "v1." +
          fake(t::kAlnum, 10));
  tok("pulumi-token", "PULUMI_ACCESS_TOKEN",
      fake_token("pul"
                 "-",
                 t::kHex, 40),
      fake_token("pul"
                 "-",
                 t::kHex, 20));
  tok("databricks-token", "DATABRICKS_TOKEN",
      fake_token("da"
                 "pi",
                 t::kHex, 32),
      fake_token("da"
                 "pi",
                 t::kHex, 16));
  tok("fly-io-token", "FLY_API_TOKEN",
      fake_token("fo1"
                 "_",
                 t::kB64Url, 43),
      fake_token("fo1"
                 "_",
                 t::kB64Url, 10));
  tok("doppler-token", "DOPPLER_TOKEN",
      fake_token("dp."
                 "pt.",
                 t::kAlnum, 43),
      fake_token("dp."
                 "pt.",
                 t::kAlnum, 10));
  tok("supabase-access-token", "SUPABASE_ACCESS_TOKEN",
      fake_token("sb"
                 "p_",
                 t::kHex, 40),
      fake_token("sb"
                 "p_",
                 t::kHex, 12));
  tok("planetscale-password", "PSCALE_PASSWORD",
      fake_token("pscale"
                 "_pw_",
                 t::kAlnum, 43),
      fake_token("pscale"
                 "_pw_",
                 t::kAlnum, 12));
  tok("github-pat", "GITHUB_TOKEN",
      fake_token("gh"
                 "p_",
                 t::kAlnum, 36),
      "gh"
      "p_" +
          std::string(36, 'x'));
  tok("github-oauth", "GH_OAUTH_TOKEN",
      fake_token("gh"
                 "o_",
                 t::kAlnum, 36),
      fake_token("gh"
                 "o_",
                 t::kAlnum, 20));
  tok("github-app-token", "GH_INSTALLATION_TOKEN",
      fake_token("gh"
                 "s_",
                 t::kAlnum, 36),
      fake_token("gh"
                 "s_",
                 t::kAlnum, 20));
  tok("github-refresh-token", "GH_REFRESH",
      fake_token("gh"
                 "r_",
                 t::kAlnum, 36),
      fake_token("gh"
                 "r_",
                 t::kAlnum, 20));
  tok("github-fine-grained-pat", "GH_FINE_GRAINED_TOKEN",
      "github"
      "_pat_11" +
          fake(t::kUpperAlnum, 20) + "_" + fake(t::kAlnum, 59),
      fake_token("github"
                 "_pat_",
                 t::kAlnum, 10));
  tok("gitlab-pat", "GITLAB_TOKEN",
      fake_token("gl"
                 "pat-",
                 t::kB64Url, 20),
      fake_token("gl"
                 "pat-",
                 t::kB64Url, 8));
  tok("gitlab-pipeline-token", "TRIGGER",
      fake_token("gl"
                 "ptt-",
                 t::kHex, 40),
      fake_token("gl"
                 "ptt-",
                 t::kHex, 10));
  tok("gitlab-runner-token", "RUNNER",
      fake_token("gl"
                 "rt-",
                 t::kB64Url, 20),
      fake_token("gl"
                 "rt-",
                 t::kB64Url, 8));
  tok("gitlab-deploy-token", "DEPLOY",
      fake_token("gl"
                 "dt-",
                 t::kB64Url, 20),
      fake_token("gl"
                 "dt-",
                 t::kB64Url, 8));
  tok("bitbucket-app-password", "BITBUCKET_APP_PASSWORD",
      fake_token("AT"
                 "BB",
                 t::kAlnum, 32),
      fake_token("AT"
                 "BB",
                 t::kAlnum, 8));
  tok("npm-token", "NPM_TOKEN",
      fake_token("np"
                 "m_",
                 t::kAlnum, 36),
      fake_token("np"
                 "m_",
                 t::kAlnum, 44));
  tok("pypi-token", "PYPI_TOKEN",
      fake_token("pypi-"
                 "AgEIcHlwaS5vcmc",
                 t::kB64Url, 150),
      fake_token("pypi-", t::kB64Url, 30));
  tok("rubygems-api-key", "GEM_HOST_API_KEY",
      fake_token("ruby"
                 "gems_",
                 t::kHex, 48),
      fake_token("ruby"
                 "gems_",
                 t::kHex, 12));
  tok("nuget-api-key", "NUGET_API_KEY",
      fake_token("oy"
                 "2",
                 t::kLowerAlnum, 43),
      fake_token("oy"
                 "2",
                 t::kLowerAlnum, 10));
  tok("docker-hub-pat", "DOCKERHUB_TOKEN",
      fake_token("dckr"
                 "_pat_",
                 t::kB64Url, 27),
      fake_token("dckr"
                 "_pat_",
                 t::kB64Url, 10));
  tok("slack-bot-token", "SLACK_BOT_TOKEN",
      "xo"
      "xb-" +
          fake(t::kDigits, 12) + "-" + fake(t::kDigits, 13) + "-" + fake(t::kAlnum, 24),
      "xo"
      "xb-your-token-here");
  tok("slack-user-token", "SLACK_USER_TOKEN",
      "xo"
      "xp-" +
          fake(t::kDigits, 12) + "-" + fake(t::kDigits, 12) + "-" + fake(t::kDigits, 13) + "-" +
          fake(t::kHex, 32),
      "xo"
      "xp-1234");
  tok("slack-app-token", "SLACK_APP_TOKEN",
      "xa"
      "pp-1-A" +
          fake(t::kUpperAlnum, 10) + "-" + fake(t::kDigits, 13) + "-" + fake(t::kHex, 64),
      "xa"
      "pp-1-short");
  {
    const std::string url = "https://hooks.slack.com/services/T" + fake(t::kUpperAlnum, 10) + "/B" +
                            fake(t::kUpperAlnum, 10) + "/" + fake(t::kAlnum, 24);
    m["slack-webhook-url"] = {"webhook: \"" + url + "\"\n", url,
                              "webhook: https://hooks.slack.com/services/T000/B000/XXX\n"};
  }
  {
    const std::string url =
        "https://discord.com/api/webhooks/" + fake(t::kDigits, 18) + "/" + fake(t::kB64Url, 68);
    m["discord-webhook-url"] = {"DISCORD_WEBHOOK_URL=" + url + "\n", url,
                                "DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks/123/abc\n"};
  }
  tok("discord-bot-token", "DISCORD_BOT_TOKEN",
      "M" + fake(t::kAlnum, 23) + "." + fake(t::kB64Url, 6) + "." + fake(t::kB64Url, 27),
      "abc.def.ghi");
  tok("telegram-bot-token", "TELEGRAM_BOT_TOKEN",
      fake(t::kDigits, 9) + ":AA" + fake(t::kB64Url, 33),
      fake(t::kDigits, 9) + ":AA" + fake(t::kB64Url, 10));
  {
    const std::string url =
        "https://acme.webhook.office.com/webhook"
        "b2/" +
        uuid() + "@" + uuid() + "/IncomingWebhook/" + fake(t::kHex, 32) + "/" + uuid();
    m["teams-webhook-url"] = {"TEAMS_WEBHOOK=" + url + "\n", url,
                              "TEAMS_WEBHOOK=https://acme.webhook.office.com/webhookb2/short\n"};
  }
  tok("twilio-api-key", "TWILIO_API_KEY",
      fake_token("S"
                 "K",
                 t::kHex, 32),
      fake_token("S"
                 "K",
                 t::kHex, 16));
  tok("sendgrid-api-key", "SENDGRID_API_KEY",
      "S"
      "G." +
          fake(t::kB64Url, 22) + "." + fake(t::kB64Url, 43),
      "S"
      "G." +
          fake(t::kB64Url, 22) + "." + fake(t::kB64Url, 10));
  tok("mailgun-api-key", "MAILGUN_API_KEY",
      fake_token("ke"
                 "y-",
                 t::kHex, 32),
      fake_token("ke"
                 "y-",
                 t::kHex, 10));
  tok("mailchimp-api-key", "MAILCHIMP_API_KEY", fake(t::kHex, 32) + "-us14",
      fake(t::kHex, 16) + "-us14");
  tok("stripe-secret-key", "STRIPE_SECRET_KEY",
      fake_token("sk_"
                 "live_",
                 t::kAlnum, 24),
      "sk_"
      "live_" +
          std::string(24, 'x'));
  tok("stripe-restricted-key", "STRIPE_RESTRICTED_KEY",
      fake_token("rk_"
                 "live_",
                 t::kAlnum, 99),
      fake_token("rk_"
                 "live_",
                 t::kAlnum, 10));
  tok("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET",
      fake_token("wh"
                 "sec_",
                 t::kAlnum, 32),
      fake_token("wh"
                 "sec_",
                 t::kAlnum, 10));
  tok("square-access-token", "SQUARE_ACCESS_TOKEN",
      fake_token("EA"
                 "AA",
                 t::kB64Url, 60),
      fake_token("EA"
                 "AA",
                 t::kB64Url, 20));
  tok("square-oauth-secret", "SQUARE_OAUTH_SECRET",
      fake_token("sq0"
                 "csp-",
                 t::kB64Url, 43),
      fake_token("sq0"
                 "csp-",
                 t::kB64Url, 10));
  tok("braintree-access-token", "BRAINTREE_TOKEN",
      "access_token$"
      "production$" +
          fake(t::kLowerAlnum, 16) + "$" + fake(t::kHex, 32),
      "access_token$"
      "production$short");
  tok("shopify-token", "SHOPIFY_ACCESS_TOKEN",
      fake_token("shp"
                 "at_",
                 t::kHex, 32),
      fake_token("shp"
                 "at_",
                 t::kHex, 10));
  tok("openai-api-key", "OPENAI_API_KEY",
      "sk-"
      "proj-" +
          fake(t::kB64Url, 74) +
          "T3Blbk"
          "FJ" +
          fake(t::kB64Url, 74),
      fake_token("sk-", t::kAlnum, 10));
  tok("anthropic-api-key", "ANTHROPIC_API_KEY",
      fake_token("sk-"
                 "ant-api03-",
                 t::kB64Url, 93) +
          "AA",
      fake_token("sk-"
                 "ant-api03-",
                 t::kB64Url, 10));
  tok("huggingface-token", "HF_TOKEN",
      fake_token("h"
                 "f_",
                 t::kLetters, 34),
      fake_token("h"
                 "f_",
                 t::kLetters, 10));
  tok("replicate-api-token", "REPLICATE_API_TOKEN",
      fake_token("r8"
                 "_",
                 t::kAlnum, 37),
      fake_token("r8"
                 "_",
                 t::kAlnum, 10));
  tok("groq-api-key", "GROQ_API_KEY",
      fake_token("gs"
                 "k_",
                 t::kAlnum, 52),
      fake_token("gs"
                 "k_",
                 t::kAlnum, 10));
  tok("perplexity-api-key", "PPLX_API_KEY",
      fake_token("pp"
                 "lx-",
                 t::kAlnum, 48),
      fake_token("pp"
                 "lx-",
                 t::kAlnum, 10));
  tok("xai-api-key", "XAI_API_KEY",
      fake_token("xa"
                 "i-",
                 t::kAlnum, 80),
      fake_token("xa"
                 "i-",
                 t::kAlnum, 10));
  tok("cohere-api-key", "COHERE_API_KEY", fake(t::kAlnum, 40), fake(t::kAlnum, 20));
  tok("datadog-api-key", "DD_API_KEY", fake(t::kHex, 32), "datadoghq.eu");
  tok("new-relic-user-key", "NEW_RELIC_API_KEY",
      fake_token("NR"
                 "AK-",
                 t::kUpperAlnum, 27),
      fake_token("NR"
                 "AK-",
                 t::kUpperAlnum, 10));
  tok("sentry-auth-token", "SENTRY_AUTH_TOKEN",
      fake_token("sntry"
                 "u_",
                 t::kHex, 64),
      fake_token("sntry"
                 "u_",
                 t::kHex, 10));
  tok("grafana-cloud-token", "GRAFANA_CLOUD_TOKEN",
      fake_token("gl"
                 "c_",
                 t::kAlnum, 60),
      fake_token("gl"
                 "c_",
                 t::kAlnum, 10));
  tok("grafana-service-account-token", "GRAFANA_TOKEN",
      "gl"
      "sa_" +
          fake(t::kAlnum, 32) + "_" + fake(t::kHex, 8),
      fake_token("gl"
                 "sa_",
                 t::kAlnum, 10));
  tok("dynatrace-api-token", "DT_API_TOKEN",
      "dt0"
      "c01." +
          fake(t::kUpperAlnum, 24) + "." + fake(t::kUpperAlnum, 64),
      "dt0"
      "c01." +
          fake(t::kUpperAlnum, 10));
  tok("atlassian-api-token", "JIRA_API_TOKEN",
      fake_token("ATATT3"
                 "xFfGF0",
                 t::kB64Url, 180),
      fake_token("ATATT3"
                 "xFfGF0",
                 t::kB64Url, 10));
  tok("linear-api-key", "LINEAR_API_KEY",
      fake_token("lin_"
                 "api_",
                 t::kAlnum, 40),
      fake_token("lin_"
                 "api_",
                 t::kAlnum, 10));
  tok("notion-token", "NOTION_TOKEN",
      "nt"
      "n_" +
          fake(t::kDigits, 11) + fake(t::kAlnum, 35),
      fake_token("nt"
                 "n_",
                 t::kAlnum, 10));
  tok("airtable-pat", "AIRTABLE_TOKEN",
      "pa"
      "t" +
          fake(t::kAlnum, 14) + "." + fake(t::kHex, 64),
      "pa"
      "t" +
          fake(t::kAlnum, 14) + "." + fake(t::kHex, 10));
  tok("figma-pat", "FIGMA_TOKEN",
      fake_token("fi"
                 "gd_",
                 t::kB64Url, 40),
      fake_token("fi"
                 "gd_",
                 t::kB64Url, 10));
  tok("postman-api-key", "POSTMAN_API_KEY",
      "PM"
      "AK-" +
          fake(t::kHex, 24) + "-" + fake(t::kHex, 34),
      "PM"
      "AK-" +
          fake(t::kHex, 10));
  tok("mapbox-secret-token", "MAPBOX_TOKEN",
      "sk."
      "eyJ1Ijoi" +
          fake(t::kB64Url, 40) + "." + fake(t::kB64Url, 22),
      "pk."
      "eyJ1Ijoi" +
          fake(t::kB64Url, 40) + "." + fake(t::kB64Url, 22));
  tok("age-secret-key", "SOPS_AGE_KEY",
      fake_token("AGE-SECRET"
                 "-KEY-1",
                 t::kBech32, 58),
      fake_token("AGE-SECRET"
                 "-KEY-1",
                 t::kBech32, 10));
  {
    const std::string begin =
        "-----BEGIN RSA PRIVATE"
        " KEY-----";
    const std::string end =
        "-----END RSA PRIVATE"
        " KEY-----";
    const std::string block = begin + "\n" + fake(t::kB64, 64) + "\n" + fake(t::kB64, 64) + "\n" +
                              fake(t::kB64, 20) + "==\n" + end;
    m["private-key"] = {"key: |\n" + block + "\n", block,
                        "-----BEGIN PUBLIC"
                        " KEY-----\n" +
                            fake(t::kB64, 64) + "\n"};
  }
  {
    const std::string jwt = t::base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                            t::base64url(R"({"sub":"42","iat":1700000000,"scope":"deploy"})") +
                            "." + fake(t::kB64Url, 43);
    m["jwt"] = {"Authorization: Bearer " + jwt + "\n", jwt, "token: eyJhbGciOi.not-a-jwt\n"};
  }
  {
    const std::string pw = fake(t::kAlnum, 20);
    m["connection-string-password"] = {
        "DATABASE_URL=postgresql://app:" + pw + "@db.internal:5432/app\n", pw,
        "DATABASE_URL=postgresql://app:${DB_PASSWORD}@db.internal:5432/app\n"};
  }
  {
    const std::string b64 = t::base64("deploy:" + fake(t::kAlnum, 20));
    m["basic-auth-header"] = {
        "curl -H 'Authorization: Basic " + b64 + "' https://ci.internal\n", b64,
        "Authorization: Basic " + t::base64("no-colon-in-here-at-all") + "\n"};
  }
  tok("generic-secret-assignment", "CLIENT_SECRET", fake(t::kAlnum, 32),
      "process.env.CLIENT_SECRET");
  return m;
}

std::shared_ptr<const Matcher> default_matcher() {
  static auto m = [] {
    auto r = Matcher::compile(default_config());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
    return r.ok() ? *r : nullptr;
  }();
  return m;
}

std::vector<Finding> scan(std::string_view text, std::string_view path = "config.env") {
  auto m = default_matcher();
  auto scratch = m->make_scratch();
  std::vector<Finding> out;
  m->scan(text, path, *scratch, out);
  return out;
}

TEST(BuiltinRules, AtLeastSixtyWithUniqueKebabCaseIds) {
  const auto& rules = builtin_rules();
  EXPECT_GE(rules.size(), 60u);
  std::set<std::string> ids;
  for (const auto& r : rules) {
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate " << r.id;
    EXPECT_EQ(r.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos);
    EXPECT_FALSE(r.description.empty()) << r.id;
    EXPECT_FALSE(r.tags.empty()) << r.id;
    EXPECT_FALSE(r.pattern.empty()) << r.id;
  }
}

TEST(BuiltinRules, EveryRuleFiresOnItsSampleAndNotOnItsNearMiss) {
  const auto table = samples();
  for (const auto& rule : builtin_rules()) {
    SCOPED_TRACE(rule.id);
    const auto it = table.find(rule.id);
    ASSERT_NE(it, table.end()) << "no positive/negative sample for " << rule.id;
    const auto pos = scan(it->second.positive);
    bool fired = false;
    for (const auto& f : pos) {
      if (f.rule_id != rule.id) continue;
      fired = true;
      EXPECT_EQ(f.secret, it->second.secret);
    }
    EXPECT_TRUE(fired) << "no " << rule.id << " finding in its sample; found "
                       << (pos.empty() ? std::string("nothing") : pos[0].rule_id);
    EXPECT_EQ(pos.size(), 1u) << "one secret, one finding";
    for (const auto& f : scan(it->second.negative)) EXPECT_NE(f.rule_id, rule.id);
  }
  for (const auto& [id, sample] : table) {
    bool known = false;
    for (const auto& r : builtin_rules()) known = known || r.id == id;
    EXPECT_TRUE(known) << "sample for a rule that does not exist: " << id;
  }
}

TEST(BuiltinRules, DocumentationExampleKeysAreNotFindings) {
  const std::vector<std::string> lines = {
      "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",                            // gantry:allow
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  // gantry:allow
      "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",               // gantry:allow
      "token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpva"
      "G4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  // gantry:allow
  };
  for (const auto& line : lines) {
    const auto found = scan(line + "\n");
    EXPECT_TRUE(found.empty()) << line << " -> " << found[0].rule_id;
  }
}

TEST(BuiltinRules, PlaceholdersAreNotFindings) {
  const std::vector<std::string> values = {"${AWS_SECRET}",
                                           "changeme",
                                           "your-api-key-here",
                                           "xxxxxxxxxxxxxxxx",
                                           "<YOUR_TOKEN>",
                                           "secret://stripe-key",
                                           "${{ secrets.DEPLOY_TOKEN }}",
                                           "{{ .Values.apiKey }}",
                                           "REPLACE_ME",
                                           "sk_"
                                           "live_xxxxxxxxxxxxxxxxxxxxxxxx",
                                           "gh"
                                           "p_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                           "<redacted>",
                                           "********",
                                           "${STRIPE_SECRET_KEY}",
                                           "secret://database-url",
                                           "insert-your-token",
                                           "TODO"};
  for (const auto& name : {"STRIPE_SECRET_KEY", "api_token", "password", "GITHUB_TOKEN"}) {
    for (const auto& v : values) {
      for (const auto& line :
           {std::string(name) + "=" + v, std::string(name) + ": \"" + v + "\""}) {
        const auto found = scan(line + "\n");
        EXPECT_TRUE(found.empty()) << line << " -> " << found[0].rule_id;
      }
    }
  }
  EXPECT_TRUE(scan("DATABASE_URL=postgresql://app:${DB_PASSWORD}@db:5432/app\n").empty());
  EXPECT_TRUE(scan("url: mysql://root:password@localhost/app\n").empty());
}

TEST(BuiltinRules, LowEntropyValuesAreNotFindings) {
  for (const std::string& line : std::vector<std::string>{
           "API_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "SECRET_KEY=abcabcabcabcabcabcabcabc",
           "password: passwordpassword", "CLIENT_SECRET=1111111111111111",
           "session_key = \"my_session_key_name_here\"", "token: refresh_token_expires_at"}) {
    const auto found = scan(line + "\n");
    EXPECT_TRUE(found.empty()) << line << " -> " << found[0].rule_id;
  }
}

TEST(BuiltinRules, CodeReferencesAreNotGenericFindings) {
  for (const std::string& line : std::vector<std::string>{
           "token = os.environ[\"API_TOKEN_VALUE_2\"]",
           "const secret = process.env.APP_SECRET_V2;",
           "password: ${DB_PASSWORD}",
           "api_key = get_api_key_from_vault(name2)",
           "SECRET_KEY = settings.DJANGO_SECRET_KEY_2",
           "let token = self.tokenStore2.current",
           "auth_token := os.Getenv(\"AUTH_TOKEN_2\")",
           "if (value.size() > secrets::kMaxSecretBytes) {",
           "password_field = passwordConfirmationInput",
       }) {
    const auto found = scan(line + "\n", "app.py");
    EXPECT_TRUE(found.empty()) << line << " -> " << found[0].rule_id;
  }
}

TEST(BuiltinRules, GenericAssignmentFormsFire) {
  const std::string v = fake(t::kAlnum, 24);
  for (const std::string& line : std::vector<std::string>{
           "DB_PASSWORD=" + v,
           "  signing_secret: \"" + v + "\"",
           "\"api_key\": \"" + v + "\",",
           "ENCRYPTION_KEY='" + v + "'",
           "session_secret := \"" + v + "\"",
           "$config['api_secret'] => '" + v + "';",
       }) {
    const auto found = scan(line + "\n");
    ASSERT_EQ(found.size(), 1u) << line;
    EXPECT_EQ(found[0].rule_id, "generic-secret-assignment") << line;
    EXPECT_EQ(found[0].secret, v) << line;
  }
}

TEST(BuiltinRules, OlderAndOtherFormsOfSomeRulesFire) {
  struct Case {
    std::string line, rule, secret;
  };
  const std::string legacy_openai = "sk-" + fake(t::kAlnum, 20) +
                                    "T3Blbk"
                                    "FJ" +
                                    fake(t::kAlnum, 20);
  const std::string vault_legacy = "s." + fake(t::kAlnum, 24);
  const std::string sentry =
      "sntry"
      "s_" +
      t::base64(R"({"iat":1700000000,"url":"https://sentry.io"})") + "_" + fake(t::kB64, 43);
  const std::string square = fake_token(
      "sq0"
      "atp-",
      t::kB64Url, 22);
  const std::string pem_begin =
      "-----BEGIN PRIVATE"
      " KEY-----";
  const std::string json_key = pem_begin + "\\n" + fake(t::kB64, 64) + "\\n" + fake(t::kB64, 30) +
                               "\\n-----END PRIVATE"
                               " KEY-----";
  const std::string pgp =
      "-----BEGIN PGP PRIVATE KEY"
      " BLOCK-----\nVersion: GnuPG v2\n\n" +
      fake(t::kB64, 64) +
      "\n-----END PGP PRIVATE KEY"
      " BLOCK-----";
  const std::vector<Case> cases = {
      {"OPENAI_KEY=" + legacy_openai, "openai-api-key", legacy_openai},
      {"VAULT_TOKEN=" + vault_legacy, "hashicorp-vault-token", vault_legacy},
      {"SENTRY_AUTH_TOKEN=" + sentry, "sentry-auth-token", sentry},
      {"SQUARE=" + square, "square-access-token", square},
      {"  \"private_key\": \"" + json_key + "\\n\",", "private-key", json_key},
      {pgp, "private-key", pgp},
  };
  for (const auto& c : cases) {
    const auto found = scan(c.line + "\n");
    ASSERT_EQ(found.size(), 1u) << c.rule;
    EXPECT_EQ(found[0].rule_id, c.rule);
    EXPECT_EQ(found[0].secret, c.secret) << c.rule;
  }
}

// The ids of the findings in text, in order.
std::vector<std::string> rule_ids(std::string_view text, std::string_view path = "config.env") {
  std::vector<std::string> ids;
  for (const auto& f : scan(text, path)) ids.push_back(f.rule_id);
  return ids;
}

// One finding of `rule` whose secret is `secret`, and nothing else.
void expect_one(std::string_view text, const std::string& rule, const std::string& secret,
                std::string_view path = "config.env") {
  const auto found = scan(text, path);
  ASSERT_EQ(found.size(), 1u) << text;
  EXPECT_EQ(found[0].rule_id, rule) << text;
  EXPECT_EQ(found[0].secret, secret) << text;
}

TEST(BuiltinRules, TypeScriptTypeAnnotatedConstantsFire) {
  const std::string generic = fake(t::kAlnum, 28);
  const std::string dd = fake(t::kHex, 32);
  const std::string azure = fake(t::kB64, 86) + "==";
  expect_one("export const SESSION_SECRET: string = \"" + generic + "\";\n",
             "generic-secret-assignment", generic, "src/config.ts");
  expect_one("export const DATADOG_API_KEY: string = '" + dd + "';\n", "datadog-api-key", dd,
             "src/config.ts");
  expect_one("export const AZURE_STORAGE_KEY: string = \"" + azure + "\";\n", "azure-storage-key",
             azure, "src/config.ts");
  // References and non-secret literals with a type annotation stay quiet.
  for (const std::string& line : std::vector<std::string>{
           "export const SESSION_SECRET: string = process.env.SESSION_SECRET ?? \"\";",
           "export const API_TOKEN: string = getTokenFrom(vault2);",
           "export const DATADOG_API_KEY: string = \"<your-datadog-key>\";",
           "const tokenHeader: string = \"X-Auth-Token\";",
       }) {
    EXPECT_TRUE(rule_ids(line + "\n", "src/config.ts").empty()) << line;
  }
}

TEST(BuiltinRules, FallbackAssignmentsFire) {
  const std::string generic = fake(t::kAlnum, 30);
  const std::string aws = fake(t::kB64, 40);
  const std::string heroku = uuid();
  const std::string cohere = fake(t::kAlnum, 40);
  expect_one("process.env.API_TOKEN = process.env.API_TOKEN || '" + generic + "';\n",
             "generic-secret-assignment", generic, "server.js");
  expect_one("ENV['HEROKU_API_KEY'] ||= '" + heroku + "'\n", "heroku-api-key", heroku,
             "config/boot.rb");
  expect_one("os.environ.setdefault(\"AWS_SECRET_KEY\", \"" + aws + "\")\n",
             "aws-secret-access-key", aws, "settings.py");
  expect_one("COHERE_API_KEY = os.environ.get(\"COHERE_API_KEY\") or \"" + cohere + "\"\n",
             "cohere-api-key", cohere, "settings.py");
  for (const std::string& line : std::vector<std::string>{
           "process.env.API_TOKEN = process.env.API_TOKEN || '';",
           "process.env.API_TOKEN = process.env.API_TOKEN || 'changeme';",
           "ENV['API_TOKEN'] ||= ENV.fetch('LEGACY_API_TOKEN')",
           "os.environ.setdefault(\"API_TOKEN\", \"your-api-token-here\")",
           "password = config.get(\"password\", None)",
           "token = os.environ[\"API_TOKEN_VALUE_2\"]",
       }) {
    EXPECT_TRUE(rule_ids(line + "\n", "app.py").empty()) << line;
  }
}

// Regression: a table of strings, {"pypi-token", "PyPI API token", "pypi-AgEI..."}, read as the
// pair form ("NAME", "value") because a description ends in "token".
TEST(BuiltinRules, APairOfStringsIsAnAssignmentOnlyWhenTheFirstIsAName) {
  const std::string value = fake(t::kAlnum, 30);
  expect_one("os.environ.setdefault(\"API_TOKEN\", \"" + value + "\")\n",
             "generic-secret-assignment", value, "settings.py");
  EXPECT_TRUE(
      rule_ids("Format{\"pypi\", \"PyPI API token\", \"" + value + "\", 50},\n", "formats.cpp")
          .empty());
}

TEST(BuiltinRules, EnvListValueOnTheNextLineFires) {
  const std::string cf = fake(t::kAlnum, 40);
  const std::string pw = fake(t::kAlnum, 24);
  expect_one(
      "services:\n  - type: web\n    envVars:\n      - key: CLOUDFLARE_API_TOKEN\n"
      "        value: " +
          cf + "\n",
      "cloudflare-api-token", cf, "render.yaml");
  expect_one("env:\n  - name: DB_PASSWORD\n    value: \"" + pw + "\"\n",
             "generic-secret-assignment", pw, "k8s/deploy.yaml");
  for (const std::string& text : std::vector<std::string>{
           "envVars:\n  - key: CLOUDFLARE_API_TOKEN\n    sync: false\n",
           "envVars:\n  - key: DB_PASSWORD\n    fromDatabase:\n      name: db\n",
           "envVars:\n  - key: API_TOKEN\n    value: ${API_TOKEN}\n",
           "envVars:\n  - key: LOG_LEVEL\n    value: " + fake(t::kAlnum, 24) + "\n",
       }) {
    EXPECT_TRUE(rule_ids(text, "render.yaml").empty()) << text;
  }
}

TEST(BuiltinRules, IndentedPrivateKeyBlocksFire) {
  const std::string kind =
      "RSA PRIVATE"
      " KEY";
  auto block = [&](const std::string& indent, const std::string& body) {
    return "-----BEGIN " + kind + "-----\n" + indent + body + "\n" + indent + fake(t::kB64, 64) +
           "\n" + indent + "-----END " + kind + "-----";
  };
  const std::string tf = block("    ", fake(t::kB64, 64));
  expect_one("resource \"tls_cert\" \"x\" {\n  private_key = <<-EOT\n    " + tf + "\n  EOT\n}\n",
             "private-key", tf, "main.tf");
  const std::string yaml = block("    ", fake(t::kB64, 64));
  expect_one("tls:\n  key: |\n    " + yaml + "\n", "private-key", yaml, "values.yaml");
  const std::string pub =
      "-----BEGIN PUBLIC"
      " KEY-----\n    " +
      fake(t::kB64, 64) +
      "\n    -----END PUBLIC"
      " KEY-----\n";
  EXPECT_TRUE(rule_ids("  key: |\n    " + pub, "values.yaml").empty());
  EXPECT_TRUE(rule_ids("  key: |\n    " + block("    ", "...") + "\n", "values.yaml").empty());
}

TEST(BuiltinRules, BasicCredentialsInAStringConstantFire) {
  const std::string b64 = t::base64("svc-deploy:" + fake(t::kAlnum, 20));
  expect_one("    private static final String AUTH_HEADER = \"Basic " + b64 + "\";\n",
             "basic-auth-header", b64, "Client.java");
  for (const std::string& line : std::vector<std::string>{
           "    static final String AUTH_HEADER = \"Basic " + t::base64("no-colon-in-here-at-all") +
               "\";",
           "    static final String HELP = \"Basic authentication\";",
           "    String header = \"Basic \" + encode(user, password);",
       }) {
    EXPECT_TRUE(rule_ids(line + "\n", "Client.java").empty()) << line;
  }
}

TEST(BuiltinRules, TelegramTokenInABotApiUrlFires) {
  const std::string token = fake(t::kDigits, 10) + ":AA" + fake(t::kB64Url, 33);
  expect_one("curl -s \"https://api.telegram.org/bot" + token + "/sendMessage?chat_id=1\"\n",
             "telegram-bot-token", token, "notify.sh");
  for (const std::string& line : std::vector<std::string>{
           "curl -s \"https://api.telegram.org/bot${TELEGRAM_BOT_TOKEN}/sendMessage\"",
           "url = \"https://api.telegram.org/bot<token>/sendMessage\"",
           "id9" + token,  // glued to a longer word: not a token
       }) {
    EXPECT_TRUE(rule_ids(line + "\n", "notify.sh").empty()) << line;
  }
}

TEST(BuiltinRules, SeverityNamesRoundTrip) {
  for (auto s : {Severity::Low, Severity::Medium, Severity::High, Severity::Critical}) {
    EXPECT_EQ(parse_severity(severity_name(s)), s);
  }
  EXPECT_EQ(parse_severity("CRITICAL"), Severity::Critical);
  EXPECT_FALSE(parse_severity("urgent").has_value());
}

}  // namespace
}  // namespace gantry::scan
