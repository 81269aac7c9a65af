"""How a planted secret or decoy is written into each file type of the bench/scan tree: an
assignment in the file's own syntax, an SDK call, an HTTP header, a PEM block. Every renderer
returns (lines, index of the line where the value starts, lines the value spans). Pure."""

import json

import filler as F
import formats as X


def camel_of(name):
    parts = name.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def q_json(value):
    return json.dumps(value)[1:-1]


def kv(r, ftype, name, value):
    """`name = value` in the syntax of `ftype` (name given as UPPER_SNAKE)."""
    n, c, N = name.lower(), camel_of(name), name
    if ftype in ("env", "npmrc"):
        return [r.choice([f"{N}={value}", f'{N}="{value}"', f"export {N}={value}"])], 0, 1
    if ftype == "sh":
        return [f'export {N}="{value}"'], 0, 1
    if ftype == "dockerfile":
        return [f"{r.choice(['ENV', 'ARG'])} {N}={value}"], 0, 1
    if ftype == "compose":
        svc = r.choice(F.SERVICES)
        line = r.choice([f"      - {N}={value}", f'      {N}: "{value}"'])
        return [f"  {svc}-{F.w(r)}:", f"    image: acme/{svc}:latest", "    environment:", line], 3, 1
    if ftype == "render":
        return [f"  - type: web", f"    name: {r.choice(F.SERVICES)}", "    envVars:", f"      - key: {N}",
                f"        value: {value}"], 4, 1
    if ftype == "yaml":
        return [f"{F.snake(r, 1)}:", r.choice([f'  {n}: "{value}"', f"  {n}: {value}"])], 1, 1
    if ftype == "json":
        return [f'  "{F.camel(r, 1)}": {{', f'    "{c}": "{q_json(value)}"', "  }"], 1, 1
    if ftype == "toml":
        return ["", f"[{F.snake(r, 1)}]", f'{n} = "{value}"'], 2, 1
    if ftype in ("ini", "pypirc"):
        return ["", f"[{F.snake(r, 1)}]", f"{n} = {value}"], 2, 1
    if ftype == "properties":
        return [f"{F.w(r)}.{n.replace('_', '.')}={value}"], 0, 1
    if ftype == "tf":
        if r.random() < 0.5:
            return ["", f'variable "{n}" {{', "  type      = string", "  sensitive = true", f'  default   = "{value}"', "}"], 4, 1
        return ["", f'provider "{F.w(r)}" {{', f'  {n} = "{value}"', "}"], 2, 1
    if ftype == "py":
        return [r.choice([f'{N} = "{value}"', f'os.environ.setdefault("{N}", "{value}")', f"{n} = '{value}'"])], 0, 1
    if ftype == "js":
        return [r.choice([f"const {c} = '{value}';", f"process.env.{N} = process.env.{N} || '{value}';",
                          f'module.exports.{c} = "{value}";'])], 0, 1
    if ftype == "ts":
        return [r.choice([f'export const {N}: string = "{value}";', f"const {c} = '{value}';"])], 0, 1
    if ftype == "go":
        if r.random() < 0.5:
            return [f'const {c} = "{value}"'], 0, 1
        return ["var (", f'\t{c} = "{value}"', ")"], 1, 1
    if ftype == "java":
        return [f'    private static final String {N} = "{value}";'], 0, 1
    if ftype == "rb":
        return [r.choice([f"  {N} = '{value}'", f"  ENV['{N}'] ||= '{value}'"])], 0, 1
    if ftype == "php":
        return [r.choice([f"    const {N} = '{value}';", f"    private $config = ['{n}' => '{value}'];"])], 0, 1
    if ftype == "md":
        return ["", "```sh", f"export {N}={value}", "```"], 2, 1
    if ftype == "log":
        return [f"{F.timestamp(r)} DEBUG [{r.choice(F.SERVICES)}] loaded environment {N}={value}"], 0, 1
    if ftype == "csv":
        return [f"{r.randint(1, 10**7)},{F.uuid(r)},{r.choice(F.SERVICES)}@acme.dev,{N},{value},USD,{F.timestamp(r)},active"], 0, 1
    raise ValueError(f"no assignment syntax for {ftype}")


def header(r, ftype, scheme, value, name="AUTH_HEADER"):
    """An HTTP Authorization header carrying `value` (Bearer JWT, Basic credentials)."""
    h = f"{scheme} {value}"
    if ftype == "log":
        return [f"{F.timestamp(r)} DEBUG [{r.choice(F.SERVICES)}] -> GET https://{F.host(r)}/v1/{F.w(r)} "
                f"headers={{'Authorization': '{h}', 'Accept': 'application/json'}}"], 0, 1
    if ftype == "md":
        return ["", "```sh", f'curl -H "Authorization: {h}" https://api.acme.dev/v1/{F.w(r)}s', "```"], 2, 1
    if ftype == "sh":
        return [f'curl -fsS -H "Authorization: {h}" https://{F.host(r)}/{F.w(r)}'], 0, 1
    if ftype == "py":
        return [f'HEADERS = {{"Authorization": "{h}", "Content-Type": "application/json"}}'], 0, 1
    if ftype in ("js", "ts"):
        return [f"const headers = {{ Authorization: '{h}' }};"], 0, 1
    if ftype == "go":
        return ["func init() {", f'\tdefaultHeaders.Set("Authorization", "{h}")', "}"], 1, 1
    if ftype == "java":
        return [f'    private static final String AUTH_HEADER = "{h}";'], 0, 1
    if ftype == "rb":
        return [f"  HEADERS = {{ 'Authorization' => '{h}' }}.freeze"], 0, 1
    if ftype == "php":
        return [f"    const AUTH_HEADER = 'Authorization: {h}';"], 0, 1
    if ftype == "yaml":
        return [f"{F.snake(r, 1)}:", "  headers:", f'    Authorization: "{h}"'], 2, 1
    if ftype == "json":
        return [f'  "{F.camel(r, 1)}": {{', f'    "Authorization": "{h}"', "  }"], 1, 1
    return kv(r, ftype, name, h)


# Provider SDK calls and tool invocations, by kind and file type; {v} is the value.
SDK = {
    "stripe-secret-key": {"js": "const stripe = require('stripe')('{v}');", "ts": "const stripe = new Stripe('{v}', {{ apiVersion: '2024-06-20' }});",
                          "py": 'stripe.api_key = "{v}"', "rb": "  Stripe.api_key = '{v}'", "php": "    // \\Stripe\\Stripe::setApiKey('{v}');"},
    "openai-api-key": {"py": 'client = OpenAI(api_key="{v}")', "js": "const openai = new OpenAI({{ apiKey: '{v}' }});",
                       "ts": "const openai = new OpenAI({{ apiKey: '{v}' }});"},
    "anthropic-api-key": {"py": 'client = anthropic.Anthropic(api_key="{v}")', "ts": 'const anthropic = new Anthropic({{ apiKey: "{v}" }});'},
    "slack-bot-token": {"js": "const app = new App({{ token: '{v}', signingSecret: process.env.SLACK_SIGNING_SECRET }});",
                        "py": 'client = WebClient(token="{v}")'},
    "github-pat": {"sh": "git clone https://{v}@github.com/acme/deploy-config.git",
                   "dockerfile": "RUN git clone https://x-access-token:{v}@github.com/acme/infra.git /opt/infra"},
    "telegram-bot-token": {"py": 'TELEGRAM_URL = "https://api.telegram.org/bot{v}/sendMessage"',
                           "sh": 'curl -s "https://api.telegram.org/bot{v}/sendMessage" -d chat_id="$CHAT_ID" -d text="deployed"'},
    "docker-hub-pat": {"sh": 'echo "{v}" | docker login -u acmebot --password-stdin'},
    "npm-token": {"npmrc": "//registry.npmjs.org/:_authToken={v}"},
    "sendgrid-api-key": {"py": 'sg = SendGridAPIClient("{v}")', "js": "sgMail.setApiKey('{v}');"},
    "twilio-api-key": {"py": 'client = Client("{v}", os.environ["TWILIO_API_SECRET"], ACCOUNT_SID)'},
    "huggingface-token": {"py": 'login(token="{v}")', "sh": 'huggingface-cli login --token "{v}"'},
    "replicate-api-token": {"py": 'replicate_client = replicate.Client(api_token="{v}")'},
    "groq-api-key": {"py": 'groq_client = Groq(api_key="{v}")'},
    "discord-webhook-url": {"py": 'requests.post("{v}", json={{"content": message}})'},
    "slack-webhook-url": {"js": "await fetch('{v}', {{ method: 'POST', body: JSON.stringify(payload) }});",
                          "py": 'requests.post("{v}", json={{"text": text}})'},
}


def sdk(kind, ftype, value):
    template = SDK.get(kind, {}).get(ftype)
    return None if template is None else ([template.format(v=value)], 0, 1)


def private_key(r, ftype, name, pem):
    """A PEM block (list of lines) embedded in a file: multi-line where the syntax allows it."""
    N, c = name, camel_of(name)
    if ftype == "yaml":
        return ["tls:", "  key: |"] + ["    " + x for x in pem], 2, len(pem)
    if ftype == "tf":
        return ["", "locals {", "  deploy_key = <<-EOT"] + ["    " + x for x in pem] + ["  EOT", "}"], 3, len(pem)
    if ftype == "py":
        return [f'{N} = """{pem[0]}'] + pem[1:] + ['"""'], 0, len(pem)
    if ftype in ("js", "ts"):
        return [f"const {c} = `{pem[0]}"] + pem[1:-1] + [pem[-1] + "`;"], 0, len(pem)
    if ftype == "go":
        return [f"const {c} = `{pem[0]}"] + pem[1:-1] + [pem[-1] + "`"], 0, len(pem)
    if ftype == "json":
        return [f'  "{F.camel(r, 1)}": {{', f'    "privateKey": "{q_json(chr(10).join(pem) + chr(10))}"', "  }"], 1, 1
    if ftype == "env":
        return [f'{N}="' + "\\n".join(pem) + '\\n"'], 0, 1
    raise ValueError(f"no private key syntax for {ftype}")


# ---- decoys ----

CODE_REFS = {
    "py": ['{n} = os.environ["{N}"]', '{n} = os.getenv("{N}")', "{n} = settings.{N}"],
    "js": ["const {c} = process.env.{N};"], "ts": ['const {c}: string = process.env.{N} ?? "";'],
    "go": ['var {c} = os.Getenv("{N}")'], "java": ['    private final String {c} = System.getenv("{N}");'],
    "rb": ["  {N} = ENV.fetch('{N}')"], "php": ["    private $config = ['{n}' => getenv('{N}')];"],
    "sh": ['export {N}="$(vault kv get -field=value secret/{n})"'], "properties": ["app.{d}=${{{N}}}"],
    "dockerfile": ["ARG {N}"], "json": ['  "{c}": "${{{N}}}"'],
}


def code_reference(r, ftype, name):
    """The value read from the environment or a secret store: never a literal."""
    n, c, N = name.lower(), camel_of(name), name
    if ftype == "yaml":
        return [f"{F.snake(r, 1)}:", f"  {n}: ${{{N}}}"], 1, 1
    if ftype == "compose":
        return [f"  {r.choice(F.SERVICES)}:", "    environment:", f"      - {N}=${{{N}}}"], 2, 1
    if ftype == "render":
        return ["  - type: web", f"    name: {r.choice(F.SERVICES)}", "    envVars:", f"      - key: {N}", "        sync: false"], 3, 1
    if ftype == "tf":
        return ["", f'resource "aws_db_instance" "{F.w(r)}" {{', f"  password = var.{n}", "}"], 2, 1
    if ftype == "env":
        return [f"DATABASE_URL=postgresql://app:${{DB_PASSWORD}}@db:5432/app"], 0, 1
    if ftype == "json":
        return [f'  "{F.camel(r, 1)}": {{', f'    "{c}": "${{{N}}}"', "  }"], 1, 1
    template = r.choice(CODE_REFS[ftype])
    return [template.format(n=n, c=c, N=N, d=n.replace("_", "."))], 0, 1


def data_uri(r, ftype):
    import base64
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + r.randbytes(r.randint(600, 4000))
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    if ftype == "md":
        return ["", f"![diagram]({uri})"], 1, 1
    if ftype in ("js", "ts"):
        return [f"const logoDataUri = '{uri}';"], 0, 1
    return kv(r, ftype, "LOGO_DATA_URI", uri)


def public_key(r, ftype):
    import base64
    key = "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 " + r.randbytes(32)).decode()
    if r.random() < 0.4:
        key = "ssh-rsa " + base64.b64encode(b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01" + r.randbytes(260)).decode()
    key += f" {F.w(r)}@{F.w(r)}-laptop"
    if ftype == "md":
        return ["", "```", key, "```"], 2, 1
    if ftype == "yaml":
        return ["ssh_authorized_keys:", f"  - {key}"], 1, 1
    if ftype == "tf":
        return ["", 'resource "aws_key_pair" "deploy" {', f'  public_key = "{key}"', "}"], 2, 1
    return kv(r, ftype, "SSH_PUBLIC_KEY", key)


def hex_value(r, bits):
    return "%0*x" % (bits // 4, r.getrandbits(bits))


def decoy(r, ftype, cls):
    """One decoy of class `cls` in `ftype`: (lines, index, span)."""
    if cls == "placeholder":
        kind = r.choice(sorted(X.KINDS))
        return kv(r, ftype, r.choice(X.KINDS[kind][2]).replace("Authorization", "AUTH_HEADER"), r.choice(X.PLACEHOLDERS))
    if cls == "doc-example":
        k = r.randrange(3)
        if k == 0:
            return kv(r, ftype, "AWS_ACCESS_KEY_ID", X.AWS_EXAMPLE_KEY_ID)
        if k == 1:
            return kv(r, ftype, "AWS_SECRET_ACCESS_KEY", X.AWS_EXAMPLE_SECRET)
        return header(r, ftype, "Bearer", X.JWT_IO_SAMPLE)
    if cls == "code-reference":
        kind = r.choice(sorted(X.KINDS))
        return code_reference(r, ftype, r.choice(X.KINDS[kind][2]).replace("Authorization", "AUTH_HEADER"))
    if cls == "uuid":
        return kv(r, ftype, r.choice(["REQUEST_ID", "CLIENT_ID", "TENANT_ID", "ORG_ID", "INSTALLATION_ID", "PROJECT_ID"]), F.uuid(r))
    if cls == "git-sha":
        return kv(r, ftype, r.choice(["GIT_COMMIT", "GIT_SHA", "REVISION", "BUILD_COMMIT", "SOURCE_VERSION"]), hex_value(r, 160))
    if cls == "sha256":
        return kv(r, ftype, r.choice(["CHECKSUM_SHA256", "IMAGE_DIGEST", "ARTIFACT_SHA256"]),
                  r.choice(["sha256:", ""]) + hex_value(r, 256))
    if cls == "hash-near-key":
        return kv(r, ftype, r.choice(["CACHE_KEY", "ETAG", "FILE_HASH", "CONTENT_MD5"]), hex_value(r, r.choice([128, 160])))
    if cls == "base64-image":
        return data_uri(r, ftype)
    if cls == "public-key":
        return public_key(r, ftype)
    if cls == "weak-value":
        return kv(r, ftype, r.choice(["DB_PASSWORD", "ADMIN_PASSWORD", "PASSWORD", "SECRET"]), r.choice(X.WEAK_VALUES))
    raise ValueError(cls)
