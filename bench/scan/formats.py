"""Secret formats and decoys for bench/scan: random but format-valid credentials of each kind,
written from the providers' published formats (never from gantry's rules), and the look-alikes
that must not be findings. Pure functions of a random.Random; python3 stdlib only."""

import base64
import binascii
import json

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
BASE62_SORTED = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def s(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def base62_checksum(body):
    """GitHub's and npm's token checksum: CRC32 of the random part in base62, 6 chars."""
    n = binascii.crc32(body.encode())
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62_SORTED[r] + out
    return out.rjust(6, "0")


def checksummed(rng, prefix, random_len=30):
    body = s(rng, ALNUM, random_len)
    return prefix + body + base62_checksum(body)


def pem_block(rng, label, der_prefix, body_bytes):
    """A PEM block: BEGIN line, 64-column base64 body (starting like the real DER), END line."""
    body = base64.b64encode(der_prefix + rng.randbytes(body_bytes)).decode()
    lines = [f"-----BEGIN {label}-----"]
    lines += [body[i:i + 64] for i in range(0, len(body), 64)]
    lines.append(f"-----END {label}-----")
    return lines


def private_key_lines(rng, variant):
    if variant == "rsa":  # PKCS#1 RSA 2048: SEQUENCE of ~1190 bytes
        return pem_block(rng, "RSA PRIVATE KEY", b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00", 1180)
    if variant == "ec":  # SEC1 P-256
        return pem_block(rng, "EC PRIVATE KEY", b"\x30\x77\x02\x01\x01\x04\x20", 112)
    if variant == "openssh":
        return pem_block(rng, "OPENSSH PRIVATE KEY", b"openssh-key-v1\x00\x00\x00\x00\x04none", 380)
    # PKCS#8, as in Google service-account JSON
    return pem_block(rng, "PRIVATE KEY", b"\x30\x82\x04\xbd\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48", 1200)


def jwt(rng):
    alg = rng.choice(["HS256", "RS256"])
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    iat = 1_700_000_000 + rng.randrange(50_000_000)
    claims = {"sub": s(rng, HEX, 24), "iat": iat, "exp": iat + 3600 * rng.choice([1, 24, 720]),
              "scope": rng.choice(["read write", "admin", "deploy", "api"]),
              "iss": rng.choice(["https://auth.acme.dev", "api", "https://login.example-corp.io"])}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = b64url(rng.randbytes(32 if alg == "HS256" else 256))
    return f"{header}.{payload}.{sig}"


def _openai(rng):
    if rng.random() < 0.7:
        return "sk-proj-" + s(rng, B64URL, 74) + "T3BlbkFJ" + s(rng, B64URL, 74)
    return "sk-" + s(rng, ALNUM, 20) + "T3BlbkFJ" + s(rng, ALNUM, 20)


def _sentry(rng):
    if rng.random() < 0.5:
        return "sntryu_" + s(rng, HEX, 64)
    payload = json.dumps({"iat": 1_700_000_000 + rng.randrange(10**7), "url": "https://sentry.io",
                          "region_url": "https://us.sentry.io", "org": rng.choice(ORGS)},
                         separators=(",", ":")).encode()
    return "sntrys_" + base64.b64encode(payload).decode().rstrip("=") + "_" + s(rng, B64, 43)


ORGS = ["acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne"]

# kind -> (weight, value generator, variable names holding it). Weights make the common kinds
# proportionally more frequent; every kind is planted at least twice.
KINDS = {
    "aws-access-key-id": (4, lambda r: r.choice(["AKIA", "AKIA", "ASIA"]) + s(r, BASE32, 16),
                          ["AWS_ACCESS_KEY_ID", "S3_ACCESS_KEY", "AWS_KEY_ID"]),
    "aws-secret-access-key": (4, lambda r: s(r, B64, 40),
                              ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "S3_SECRET_ACCESS_KEY"]),
    "gcp-api-key": (2, lambda r: "AIza" + s(r, B64URL, 35),
                    ["GOOGLE_API_KEY", "GCP_API_KEY", "FIREBASE_API_KEY", "MAPS_API_KEY"]),
    "azure-storage-key": (1, lambda r: base64.b64encode(r.randbytes(64)).decode(),
                          ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY"]),
    "digitalocean-pat": (1, lambda r: "dop_v1_" + s(r, HEX, 64),
                         ["DIGITALOCEAN_TOKEN", "DO_API_TOKEN"]),
    "alibaba-access-key-id": (1, lambda r: "LTAI" + s(r, ALNUM, 20),
                              ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_ID"]),
    "hashicorp-vault-token": (1, lambda r: "hvs.CAESI" + s(r, B64URL, 90),
                              ["VAULT_TOKEN", "VAULT_ROOT_TOKEN"]),
    "pulumi-token": (1, lambda r: "pul-" + s(r, HEX, 40), ["PULUMI_ACCESS_TOKEN"]),
    "databricks-token": (1, lambda r: "dapi" + s(r, HEX, 32) + r.choice(["", "-2", "-3"]),
                         ["DATABRICKS_TOKEN", "DATABRICKS_ACCESS_TOKEN"]),
    "github-pat": (3, lambda r: checksummed(r, "ghp_"), ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"]),
    "github-oauth": (1, lambda r: checksummed(r, "gho_"), ["GITHUB_OAUTH_TOKEN", "GH_OAUTH_TOKEN"]),
    "github-app-token": (1, lambda r: checksummed(r, r.choice(["ghs_", "ghu_"])),
                         ["GITHUB_APP_TOKEN", "GH_INSTALLATION_TOKEN"]),
    "github-fine-grained-pat": (1, lambda r: "github_pat_11" + s(r, UPPER_ALNUM, 20) + "_" + s(r, ALNUM, 59),
                                ["GITHUB_TOKEN", "GH_FINE_GRAINED_TOKEN"]),
    "gitlab-pat": (2, lambda r: "glpat-" + s(r, B64URL, 20), ["GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "CI_JOB_TOKEN_OVERRIDE"]),
    "slack-bot-token": (3, lambda r: f"xoxb-{s(r, DIGITS, 12)}-{s(r, DIGITS, 13)}-{s(r, ALNUM, 24)}",
                        ["SLACK_BOT_TOKEN", "SLACK_TOKEN"]),
    "slack-user-token": (1, lambda r: f"xoxp-{s(r, DIGITS, 12)}-{s(r, DIGITS, 12)}-{s(r, DIGITS, 13)}-{s(r, HEX, 32)}",
                         ["SLACK_USER_TOKEN", "SLACK_OAUTH_TOKEN"]),
    "slack-webhook-url": (3, lambda r: f"https://hooks.slack.com/services/T{s(r, UPPER_ALNUM, 10)}/B{s(r, UPPER_ALNUM, 10)}/{s(r, ALNUM, 24)}",
                          ["SLACK_WEBHOOK_URL", "SLACK_ALERTS_WEBHOOK"]),
    "discord-webhook-url": (1, lambda r: f"https://discord.com/api/webhooks/{r.randrange(10**17, 10**19)}/{s(r, B64URL, 68)}",
                            ["DISCORD_WEBHOOK_URL", "DISCORD_WEBHOOK"]),
    "telegram-bot-token": (1, lambda r: f"{r.randrange(10**8, 10**10)}:AA{s(r, B64URL, 33)}",
                           ["TELEGRAM_BOT_TOKEN", "TG_BOT_TOKEN"]),
    "twilio-api-key": (1, lambda r: "SK" + s(r, HEX, 32), ["TWILIO_API_KEY", "TWILIO_API_KEY_SID"]),
    "sendgrid-api-key": (2, lambda r: "SG." + s(r, B64URL, 22) + "." + s(r, B64URL, 43),
                         ["SENDGRID_API_KEY", "SENDGRID_KEY"]),
    "mailgun-api-key": (1, lambda r: "key-" + s(r, HEX, 32), ["MAILGUN_API_KEY", "MAILGUN_KEY"]),
    "stripe-secret-key": (3, lambda r: "sk_live_" + s(r, ALNUM, r.choice([24, 99])),
                          ["STRIPE_SECRET_KEY", "STRIPE_API_KEY", "STRIPE_KEY"]),
    "stripe-restricted-key": (1, lambda r: "rk_live_" + s(r, ALNUM, r.choice([24, 99])),
                              ["STRIPE_RESTRICTED_KEY", "STRIPE_READ_KEY"]),
    "stripe-webhook-secret": (1, lambda r: "whsec_" + s(r, ALNUM, 32),
                              ["STRIPE_WEBHOOK_SECRET", "STRIPE_SIGNING_SECRET"]),
    "square-access-token": (1, lambda r: "EAAA" + s(r, B64URL, 60), ["SQUARE_ACCESS_TOKEN"]),
    "shopify-token": (1, lambda r: r.choice(["shpat_", "shpss_", "shpca_", "shppa_"]) + s(r, HEX, 32),
                      ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET"]),
    "openai-api-key": (3, _openai, ["OPENAI_API_KEY", "OPENAI_KEY"]),
    "anthropic-api-key": (2, lambda r: "sk-ant-api03-" + s(r, B64URL, 93) + "AA", ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"]),
    "huggingface-token": (1, lambda r: "hf_" + s(r, LETTERS, 34), ["HF_TOKEN", "HUGGINGFACE_TOKEN", "HUGGING_FACE_HUB_TOKEN"]),
    "replicate-api-token": (1, lambda r: "r8_" + s(r, ALNUM, 37), ["REPLICATE_API_TOKEN"]),
    "groq-api-key": (1, lambda r: "gsk_" + s(r, ALNUM, 52), ["GROQ_API_KEY"]),
    "npm-token": (2, lambda r: checksummed(r, "npm_"), ["NPM_TOKEN", "NODE_AUTH_TOKEN"]),
    "pypi-token": (1, lambda r: "pypi-AgEIcHlwaS5vcmc" + s(r, B64URL, 150), ["PYPI_TOKEN", "TWINE_PASSWORD"]),
    "docker-hub-pat": (1, lambda r: "dckr_pat_" + s(r, B64URL, 27), ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"]),
    "new-relic-user-key": (1, lambda r: "NRAK-" + s(r, UPPER_ALNUM, 27), ["NEW_RELIC_API_KEY", "NEW_RELIC_USER_KEY"]),
    "sentry-auth-token": (1, _sentry, ["SENTRY_AUTH_TOKEN"]),
    "grafana-service-account-token": (1, lambda r: "glsa_" + s(r, ALNUM, 32) + "_" + s(r, HEX, 8),
                                      ["GRAFANA_TOKEN", "GRAFANA_SERVICE_ACCOUNT_TOKEN"]),
    "linear-api-key": (1, lambda r: "lin_api_" + s(r, ALNUM, 40), ["LINEAR_API_KEY"]),
    "notion-token": (1, lambda r: "ntn_" + s(r, DIGITS, 11) + s(r, ALNUM, 35), ["NOTION_TOKEN", "NOTION_API_KEY"]),
    "age-secret-key": (1, lambda r: "AGE-SECRET-KEY-1" + s(r, BECH32, 58), ["SOPS_AGE_KEY", "AGE_SECRET_KEY"]),
    # The three below have their own placement (generate.py): the generator gives the value.
    "private-key": (3, None, ["PRIVATE_KEY", "SSH_PRIVATE_KEY", "TLS_KEY"]),
    "jwt": (3, jwt, ["AUTH_TOKEN", "ACCESS_TOKEN", "JWT"]),
    "connection-string-password": (3, lambda r: s(r, ALNUM, r.randrange(16, 33)),
                                   ["DATABASE_URL", "REDIS_URL", "MONGODB_URI", "MYSQL_URL"]),
    "basic-auth-header": (2, lambda r: base64.b64encode(
        f"{r.choice(['admin', 'deploy', 'ci', 'api', 'svc-billing'])}:{s(r, ALNUM, 20)}".encode()).decode(),
                          ["Authorization"]),
    "generic-secret-assignment": (4, lambda r: s(r, ALNUM, r.choice([24, 32, 40])),
                                  ["CLIENT_SECRET", "APP_SECRET", "SECRET_KEY", "API_SECRET",
                                   "SIGNING_SECRET", "ENCRYPTION_KEY", "DB_PASSWORD", "SESSION_SECRET"]),
}



def _b64_snowflake(rng):
    return base64.b64encode(str(rng.randrange(10**17, 10**19)).encode()).decode().rstrip("=")


def _grafana_cloud(rng):
    doc = {"o": str(rng.randrange(10**5, 10**7)), "n": f"stack-{rng.randrange(10**5, 10**6)}-deploy",
           "k": s(rng, ALNUM, 24), "m": {"r": rng.choice(["us", "eu", "prod-us-east-0"])}}
    return "glc_" + base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def _mapbox(rng):
    doc = {"u": rng.choice(ORGS), "a": s(rng, LOWER_ALNUM, 25)}
    return "sk." + b64url(json.dumps(doc, separators=(",", ":")).encode()) + "." + s(rng, B64URL, 22)


def _uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:]}"


# Less common providers, weight 1 each (planted at least twice).
KINDS.update({
    "gcp-oauth-client-secret": (1, lambda r: "GOCSPX-" + s(r, B64URL, 28), ["GOOGLE_CLIENT_SECRET", "GOOGLE_OAUTH_CLIENT_SECRET"]),
    "azure-client-secret": (1, lambda r: s(r, ALNUM + "_~.", 3) + s(r, DIGITS, 1) + "Q~" + s(r, ALNUM + "_~.-", 34),
                            ["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"]),
    "digitalocean-oauth": (1, lambda r: r.choice(["doo_v1_", "dor_v1_"]) + s(r, HEX, 64), ["DIGITALOCEAN_ACCESS_TOKEN"]),
    "heroku-api-key": (1, _uuid, ["HEROKU_API_KEY"]),
    "cloudflare-api-token": (1, lambda r: s(r, B64URL, 40), ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"]),
    "terraform-cloud-token": (1, lambda r: s(r, ALNUM, 14) + ".atlasv1." + s(r, ALNUM, 67), ["TFE_TOKEN", "TERRAFORM_CLOUD_TOKEN"]),
    "doppler-token": (1, lambda r: "dp.pt." + s(r, ALNUM, 43), ["DOPPLER_TOKEN"]),
    "supabase-access-token": (1, lambda r: "sbp_" + s(r, HEX, 40), ["SUPABASE_ACCESS_TOKEN"]),
    "planetscale-password": (1, lambda r: "pscale_pw_" + s(r, B64URL, 43), ["PLANETSCALE_PASSWORD", "DATABASE_PASSWORD"]),
    "slack-app-token": (1, lambda r: f"xapp-1-A{s(r, UPPER_ALNUM, 10)}-{s(r, DIGITS, 13)}-{s(r, HEX, 64)}", ["SLACK_APP_TOKEN"]),
    "discord-bot-token": (1, lambda r: _b64_snowflake(r) + "." + s(r, B64URL, 6) + "." + s(r, B64URL, 38),
                          ["DISCORD_BOT_TOKEN", "DISCORD_TOKEN"]),
    "teams-webhook-url": (1, lambda r: f"https://{r.choice(ORGS)}.webhook.office.com/webhookb2/{_uuid(r)}@{_uuid(r)}"
                                        f"/IncomingWebhook/{s(r, HEX, 32)}/{_uuid(r)}", ["TEAMS_WEBHOOK_URL"]),
    "mailchimp-api-key": (1, lambda r: s(r, HEX, 32) + f"-us{r.randint(1, 21)}", ["MAILCHIMP_API_KEY"]),
    "square-oauth-secret": (1, lambda r: "sq0csp-" + s(r, B64URL, 43), ["SQUARE_APPLICATION_SECRET"]),
    "braintree-access-token": (1, lambda r: f"access_token$production${s(r, LOWER_ALNUM, 16)}${s(r, HEX, 32)}",
                               ["BRAINTREE_ACCESS_TOKEN"]),
    "perplexity-api-key": (1, lambda r: "pplx-" + s(r, ALNUM, 48), ["PERPLEXITY_API_KEY"]),
    "xai-api-key": (1, lambda r: "xai-" + s(r, ALNUM, 80), ["XAI_API_KEY"]),
    "cohere-api-key": (1, lambda r: s(r, ALNUM, 40), ["COHERE_API_KEY", "CO_API_KEY"]),
    "datadog-api-key": (1, lambda r: s(r, HEX, 32), ["DD_API_KEY", "DATADOG_API_KEY"]),
    "grafana-cloud-token": (1, _grafana_cloud, ["GRAFANA_CLOUD_TOKEN"]),
    "dynatrace-api-token": (1, lambda r: "dt0c01." + s(r, UPPER_ALNUM, 24) + "." + s(r, UPPER_ALNUM, 64), ["DT_API_TOKEN"]),
    "atlassian-api-token": (1, lambda r: "ATATT3xFfGF0" + s(r, B64URL, 170) + "=" + s(r, HEX.upper()[:16], 8),
                            ["ATLASSIAN_API_TOKEN", "JIRA_API_TOKEN"]),
    "airtable-pat": (1, lambda r: "pat" + s(r, ALNUM, 14) + "." + s(r, HEX, 64), ["AIRTABLE_API_KEY", "AIRTABLE_TOKEN"]),
    "figma-pat": (1, lambda r: "figd_" + s(r, B64URL, 40), ["FIGMA_TOKEN"]),
    "postman-api-key": (1, lambda r: "PMAK-" + s(r, HEX, 24) + "-" + s(r, HEX, 34), ["POSTMAN_API_KEY"]),
    "mapbox-secret-token": (1, _mapbox, ["MAPBOX_SECRET_TOKEN", "MAPBOX_DOWNLOADS_TOKEN"]),
    "github-refresh-token": (1, lambda r: checksummed(r, "ghr_"), ["GITHUB_REFRESH_TOKEN"]),
    "gitlab-pipeline-token": (1, lambda r: "glptt-" + s(r, HEX, 40), ["GITLAB_TRIGGER_TOKEN"]),
    "gitlab-runner-token": (1, lambda r: "glrt-" + s(r, B64URL, 20), ["GITLAB_RUNNER_TOKEN", "RUNNER_TOKEN"]),
    "gitlab-deploy-token": (1, lambda r: "gldt-" + s(r, B64URL, 20), ["GITLAB_DEPLOY_TOKEN"]),
    "bitbucket-app-password": (1, lambda r: "ATBB" + s(r, ALNUM, 28) + s(r, HEX.upper()[:16], 8), ["BITBUCKET_APP_PASSWORD"]),
    "rubygems-api-key": (1, lambda r: "rubygems_" + s(r, HEX, 48), ["GEM_HOST_API_KEY"]),
    "nuget-api-key": (1, lambda r: "oy2" + s(r, LOWER_ALNUM, 43), ["NUGET_API_KEY"]),
})

# What the password of a connection string sits in, by variant.
CONNECTION_URLS = {
    "postgres": "postgresql://{user}:{pw}@{host}:5432/{db}",
    "mysql": "mysql://{user}:{pw}@{host}:3306/{db}",
    "mongodb+srv": "mongodb+srv://{user}:{pw}@cluster0.{host}.mongodb.net/{db}?retryWrites=true&w=majority",
    "redis": "redis://{user}:{pw}@{host}:6379/0",
}

# Documentation examples that are public and never valid.
AWS_EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT_IO_SAMPLE = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpva"
                 "G4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")

PLACEHOLDERS = ["${AWS_SECRET}", "changeme", "your-api-key-here", "xxxxxxxxxxxxxxxx", "<YOUR_TOKEN>",
                "secret://stripe-key", "${{ secrets.DEPLOY_TOKEN }}", "{{ .Values.apiKey }}",
                "REPLACE_ME", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "<redacted>", "********", "${STRIPE_SECRET_KEY}", "secret://database-url",
                "insert-your-token", "TODO"]

# Low-entropy words next to a key name. A real leak of "password123" would matter, but such
# values are indistinguishable from test fixtures: the bench counts them neither as secrets nor
# as false positives ("ambiguous"), and reports findings on them separately.
WEAK_VALUES = ["password123", "hunter2", "admin", "secret", "password", "letmein", "test1234", "postgres"]
