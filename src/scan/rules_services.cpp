// Built-in rules for hosted services: chat (Slack, Discord, Telegram, Teams), payment and mail
// (Stripe, Square, Braintree, Shopify, Twilio, SendGrid, Mailgun, Mailchimp), AI APIs,
// monitoring and work tools. Pure.
#include "scan/rules_impl.h"

namespace gantry::scan::detail {
namespace {

using S = Severity;

void chat_rules(std::vector<Rule>& r) {
  r.push_back(token_rule("slack-bot-token", "Slack bot token", S::High,
                         R"(xoxb-[0-9]{8,14}-[A-Za-z0-9\-]{16,120})", {"xoxb-"},
                         {"chat", "slack"}));
  r.push_back(token_rule("slack-user-token", "Slack user token", S::High,
                         R"(xox[pe]-[0-9]{8,14}-[A-Za-z0-9\-]{16,150})", {"xoxp-", "xoxe-"},
                         {"chat", "slack"}));
  r.push_back(token_rule("slack-app-token", "Slack app-level token", S::High,
                         R"(xapp-[0-9]-[A-Za-z0-9\-]{20,150})", {"xapp-"}, {"chat", "slack"}));
  r.push_back(token_rule(
      "slack-webhook-url", "Slack incoming webhook URL", S::High,
      R"(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9]{8,12}/[A-Za-z0-9]{8,12}/[A-Za-z0-9]{20,40})",
      {"hooks.slack.com"}, {"chat", "slack", "webhook"}));
  r.push_back(token_rule(
      "discord-webhook-url", "Discord webhook URL", S::High,
      R"(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})",
      {"discord"}, {"chat", "discord", "webhook"}));
  r.push_back(
      assignment_rule("discord-bot-token", "Discord bot token", S::High, R"(discord)",
                      R"([A-Za-z0-9_\-]{24,28}\.[A-Za-z0-9_\-]{6,7}\.[A-Za-z0-9_\-]{27,40})",
                      {"discord"}, {"chat", "discord"}));
  {
    // Also inside a Bot API URL: https://api.telegram.org/bot<token>/sendMessage.
    Rule t =
        token_rule("telegram-bot-token", "Telegram bot token", S::High,
                   R"((?:/bot)?([0-9]{8,10}:AA[A-Za-z0-9_\-]{33}))", {":aa"}, {"chat", "telegram"});
    t.secret_group = 1;
    r.push_back(std::move(t));
  }
  r.push_back(token_rule(
      "teams-webhook-url", "Microsoft Teams incoming webhook URL", S::High,
      R"(https://(?:[A-Za-z0-9\-]{1,63}\.webhook\.office\.com/webhookb2|outlook\.office\.com/webhook)/[A-Za-z0-9@/\-]{40,300})",
      {"webhook.office.com", "outlook.office.com"}, {"chat", "teams", "webhook"}));
}

void payment_rules(std::vector<Rule>& r) {
  r.push_back(token_rule("twilio-api-key", "Twilio API key", S::High, R"(SK[0-9a-fA-F]{32})",
                         {"sk"}, {"messaging", "twilio"}));
  r.push_back(token_rule("sendgrid-api-key", "SendGrid API key", S::High,
                         R"(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})", {"sg."},
                         {"mail", "sendgrid"}));
  r.push_back(token_rule("mailgun-api-key", "Mailgun API key", S::High, R"(key-[0-9a-f]{32})",
                         {"key-"}, {"mail", "mailgun"}));
  r.push_back(token_rule("mailchimp-api-key", "Mailchimp API key", S::High,
                         R"([0-9a-f]{32}-us[0-9]{1,2})", {"-us"}, {"mail", "mailchimp"}));
  r.push_back(token_rule("stripe-secret-key", "Stripe secret key", S::Critical,
                         R"(sk_(?:live|test)_[A-Za-z0-9]{24,247})", {"sk_live_", "sk_test_"},
                         {"payment", "stripe"}));
  r.push_back(token_rule("stripe-restricted-key", "Stripe restricted key", S::Critical,
                         R"(rk_(?:live|test)_[A-Za-z0-9]{24,247})", {"rk_live_", "rk_test_"},
                         {"payment", "stripe"}));
  r.push_back(token_rule("stripe-webhook-secret", "Stripe webhook signing secret", S::High,
                         R"(whsec_[A-Za-z0-9]{24,64})", {"whsec_"}, {"payment", "stripe"}));
  r.push_back(token_rule("square-access-token", "Square access token", S::Critical,
                         R"(EAAA[A-Za-z0-9_\-]{60}|sq0atp-[A-Za-z0-9_\-]{22})", {"eaaa", "sq0atp-"},
                         {"payment", "square"}));
  r.push_back(token_rule("square-oauth-secret", "Square OAuth application secret", S::Critical,
                         R"(sq0csp-[A-Za-z0-9_\-]{43})", {"sq0csp-"}, {"payment", "square"}));
  r.push_back(token_rule("braintree-access-token", "Braintree access token", S::Critical,
                         R"(access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})",
                         {"access_token$"}, {"payment", "braintree"}));
  r.push_back(token_rule("shopify-token", "Shopify access token or shared secret", S::High,
                         R"(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})",
                         {"shpat_", "shpca_", "shppa_", "shpss_"}, {"payment", "shopify"}));
}

void ai_rules(std::vector<Rule>& r) {
  r.push_back(token_rule(
      "openai-api-key", "OpenAI API key", S::High,
      R"(sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48}))",
      {"sk-"}, {"ai", "openai"}));
  r.push_back(token_rule("anthropic-api-key", "Anthropic API key", S::High,
                         R"(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_\-]{80,})", {"sk-ant-"},
                         {"ai", "anthropic"}));
  r.push_back(token_rule("huggingface-token", "Hugging Face access token", S::High,
                         R"(hf_[A-Za-z0-9]{34,40})", {"hf_"}, {"ai", "huggingface"}));
  r.push_back(token_rule("replicate-api-token", "Replicate API token", S::High,
                         R"(r8_[A-Za-z0-9]{37,40})", {"r8_"}, {"ai", "replicate"}));
  r.push_back(token_rule("groq-api-key", "Groq API key", S::High, R"(gsk_[A-Za-z0-9]{52})",
                         {"gsk_"}, {"ai", "groq"}));
  r.push_back(token_rule("perplexity-api-key", "Perplexity API key", S::High,
                         R"(pplx-[A-Za-z0-9]{40,56})", {"pplx-"}, {"ai", "perplexity"}));
  r.push_back(token_rule("xai-api-key", "xAI (Grok) API key", S::High, R"(xai-[A-Za-z0-9]{70,90})",
                         {"xai-"}, {"ai", "xai"}));
  r.push_back(assignment_rule("cohere-api-key", "Cohere API key", S::High, R"(cohere|co_api_key)",
                              R"([A-Za-z0-9]{40})", {"cohere", "co_api_key"}, {"ai", "cohere"},
                              3.5));
}

void monitoring_rules(std::vector<Rule>& r) {
  r.push_back(assignment_rule(
      "datadog-api-key", "Datadog API or application key", S::High,
      R"(datadog[A-Za-z0-9_.\-]{0,20}|dd[_\-]?(?:api|app|application)[_\-]?key)",
      R"([a-f0-9]{40}|[a-f0-9]{32})", {"datadog", "dd"}, {"monitoring", "datadog"}));
  r.push_back(token_rule("new-relic-user-key", "New Relic user API key", S::High,
                         R"(NRAK-[A-Z0-9]{27})", {"nrak-"}, {"monitoring", "newrelic"}));
  r.push_back(token_rule("sentry-auth-token", "Sentry auth token", S::High,
                         R"(sntrys_eyJ[A-Za-z0-9+/=_\-]{60,}|sntryu_[a-f0-9]{64})",
                         {"sntrys_", "sntryu_"}, {"monitoring", "sentry"}));
  r.push_back(token_rule("grafana-cloud-token", "Grafana Cloud access policy token", S::High,
                         R"(glc_[A-Za-z0-9+/]{32,}={0,2})", {"glc_"}, {"monitoring", "grafana"}));
  r.push_back(token_rule("grafana-service-account-token", "Grafana service account token", S::High,
                         R"(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})", {"glsa_"},
                         {"monitoring", "grafana"}));
  r.push_back(token_rule("dynatrace-api-token", "Dynatrace API token", S::High,
                         R"(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})", {"dt0c01."},
                         {"monitoring", "dynatrace"}));
}

void work_tool_rules(std::vector<Rule>& r) {
  r.push_back(token_rule("atlassian-api-token", "Atlassian (Jira, Confluence) API token", S::High,
                         R"(ATATT3xFfGF0[A-Za-z0-9_=\-]{40,300})", {"atatt3"},
                         {"tools", "atlassian"}));
  r.push_back(token_rule("linear-api-key", "Linear API key", S::High, R"(lin_api_[A-Za-z0-9]{40})",
                         {"lin_api_"}, {"tools", "linear"}));
  r.push_back(token_rule("notion-token", "Notion integration token", S::High,
                         R"(secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{46})", {"secret_", "ntn_"},
                         {"tools", "notion"}));
  r.push_back(token_rule("airtable-pat", "Airtable personal access token", S::High,
                         R"(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})", {"pat"}, {"tools", "airtable"}));
  r.push_back(token_rule("figma-pat", "Figma personal access token", S::High,
                         R"(figd_[A-Za-z0-9_\-]{40,48})", {"figd_"}, {"tools", "figma"}));
  r.push_back(token_rule("postman-api-key", "Postman API key", S::High,
                         R"(PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34})", {"pmak-"},
                         {"tools", "postman"}));
  r.push_back(token_rule("mapbox-secret-token", "Mapbox secret access token", S::High,
                         R"(sk\.eyJ[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,40})", {"sk.eyj"},
                         {"tools", "mapbox"}));
  r.push_back(token_rule("age-secret-key", "age encryption secret key", S::Critical,
                         R"(AGE-SECRET-KEY-1[A-Z0-9]{58})", {"age-secret-key-1"}, {"key", "age"}));
}

}  // namespace

std::vector<Rule> service_rules() {
  std::vector<Rule> r;
  chat_rules(r);
  payment_rules(r);
  ai_rules(r);
  monitoring_rules(r);
  work_tool_rules(r);
  return r;
}

}  // namespace gantry::scan::detail
