// Built-in rules for cloud providers and infrastructure platforms (AWS, Google Cloud, Azure,
// DigitalOcean, Alibaba, Heroku, Cloudflare, HashiCorp, Pulumi, Databricks, ...). Pure.
#include "scan/rules_impl.h"

namespace gantry::scan::detail {

std::vector<Rule> cloud_rules() {
  using S = Severity;
  std::vector<Rule> r;
  r.push_back(token_rule("aws-access-key-id", "AWS access key ID", S::Critical,
                         R"((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})", {"akia", "asia", "abia", "acca"},
                         {"cloud", "aws"}));
  r.push_back(assignment_rule("aws-secret-access-key", "AWS secret access key", S::Critical,
                              R"(aws_?secret|secret_?access_?key)", R"([A-Za-z0-9/+]{40})",
                              {"secret"}, {"cloud", "aws"}, 3.5));
  r.push_back(token_rule("gcp-api-key", "Google Cloud / Firebase API key", S::High,
                         R"(AIza[0-9A-Za-z_\-]{35})", {"aiza"}, {"cloud", "gcp"}));
  {
    Rule k = token_rule("gcp-service-account-key", "Google Cloud service account key ID",
                        S::Critical, R"re("private_key_id"[ \t]*:[ \t]*"([0-9a-f]{40})")re",
                        {"private_key_id"}, {"cloud", "gcp", "key"});
    k.secret_group = 1;
    r.push_back(std::move(k));
  }
  r.push_back(token_rule("gcp-oauth-client-secret", "Google OAuth client secret", S::High,
                         R"(GOCSPX-[A-Za-z0-9_\-]{28})", {"gocspx-"}, {"cloud", "gcp"}));
  r.push_back(assignment_rule("azure-storage-key", "Azure storage account key", S::Critical,
                              R"(accountkey|azure[A-Za-z0-9_.\-]{0,30})", R"([A-Za-z0-9+/]{86}==)",
                              {"accountkey", "azure"}, {"cloud", "azure"}, 4.0));
  r.push_back(token_rule("azure-client-secret", "Azure AD (Entra ID) client secret", S::High,
                         R"([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})", {"q~"},
                         {"cloud", "azure"}));
  r.push_back(token_rule("digitalocean-pat", "DigitalOcean personal access token", S::Critical,
                         R"(dop_v1_[a-f0-9]{64})", {"dop_v1_"}, {"cloud", "digitalocean"}));
  r.push_back(token_rule("digitalocean-oauth", "DigitalOcean OAuth or refresh token", S::High,
                         R"(do[or]_v1_[a-f0-9]{64})", {"doo_v1_", "dor_v1_"},
                         {"cloud", "digitalocean"}));
  r.push_back(token_rule("alibaba-access-key-id", "Alibaba Cloud access key ID", S::High,
                         R"(LTAI[A-Za-z0-9]{12,20})", {"ltai"}, {"cloud", "alibaba"}));
  r.push_back(assignment_rule(
      "heroku-api-key", "Heroku API key", S::High, R"(heroku)",
      R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|HRKU-[A-Za-z0-9_\-]{40,80})",
      {"heroku"}, {"cloud", "heroku"}));
  r.push_back(assignment_rule("cloudflare-api-token", "Cloudflare API token or key", S::High,
                              R"(cloudflare|cf_api)", R"([A-Za-z0-9_\-]{37,40})",
                              {"cloudflare", "cf_api"}, {"cloud", "cloudflare"}, 3.5));
  {
    // hvs./hvb. tokens anywhere; the legacy s.<24> form only next to a vault name.
    Rule v = token_rule(
        "hashicorp-vault-token", "HashiCorp Vault token", S::Critical,
        R"((hv[sb]\.[A-Za-z0-9_\-]{90,})|vault_?token["']?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(s\.[A-Za-z0-9]{24}))",
        {"hvs.", "hvb.", "vault"}, {"cloud", "hashicorp"});
    v.secret_group = 1;  // or 2 for the legacy form
    v.caseless = true;
    r.push_back(std::move(v));
  }
  r.push_back(token_rule("terraform-cloud-token", "Terraform Cloud / Enterprise API token",
                         S::Critical, R"([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70})",
                         {".atlasv1."}, {"cloud", "hashicorp"}));
  r.push_back(token_rule("pulumi-token", "Pulumi access token", S::High, R"(pul-[a-f0-9]{40})",
                         {"pul-"}, {"cloud", "pulumi"}));
  r.push_back(token_rule("databricks-token", "Databricks personal access token", S::High,
                         R"(dapi[a-f0-9]{32}(?:-[0-9]+)?)", {"dapi"}, {"cloud", "databricks"}));
  r.push_back(token_rule("fly-io-token", "Fly.io access token", S::High,
                         R"(fo1_[A-Za-z0-9_\-]{43})", {"fo1_"}, {"cloud", "fly"}));
  r.push_back(token_rule("doppler-token", "Doppler token", S::High,
                         R"(dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})", {"dp."},
                         {"cloud", "doppler"}));
  r.push_back(token_rule("supabase-access-token", "Supabase access token", S::High,
                         R"(sbp_[a-f0-9]{40})", {"sbp_"}, {"cloud", "supabase"}));
  r.push_back(token_rule("planetscale-password", "PlanetScale database password", S::Critical,
                         R"(pscale_pw_[A-Za-z0-9_.\-]{43})", {"pscale_pw_"},
                         {"cloud", "planetscale", "database"}));
  return r;
}

}  // namespace gantry::scan::detail
