#!/usr/bin/env python3
"""bench/scan/generate.py OUT_DIR --size-mb N --seed S [--truth PATH]

Writes a realistic repository-like tree of about N MB (10^6 bytes) of files a scanner must read,
with planted secrets of every kind in formats.KINDS and decoys that must not be findings, and
writes the ground truth next to it (never the secrets themselves):

  truth.json   [{path, line, column, end_line, kind, variant, context, value_sha256}]  line and
               column (1-based, bytes) of the secret's first character; end_line > line only for
               multi-line PEM blocks; "accept": [first, last] lines for a service-account key file,
               which is one credential as a whole
  decoys.json  [{path, line, end_line, decoy, class}]  class "decoy" (a finding there is a false
               positive) or "ambiguous" (weak passwords such as password123: neither counted)
  tree.json    byte and file counts: scanned (not ignored by .gitignore), ignored, binary

Deterministic for a seed (file contents depend only on the seed and the path). python3 stdlib only.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import filler as F  # noqa: E402
import formats as X  # noqa: E402
import snippets as S  # noqa: E402

MB = 1_000_000
LANGS = ["py", "go", "ts", "js", "java", "rb", "php", "py", "ts", "go"]
# ftype -> (files per 100 picks, size range in KiB, log-uniform)
SMALL = {
    "code": (60, (2, 64)), "yaml": (8, (1, 16)), "json": (6, (1, 16)), "toml": (2, (1, 8)),
    "ini": (2, (1, 8)), "properties": (2, (1, 8)), "env": (3, (0.5, 4)), "dockerfile": (2, (0.5, 3)),
    "compose": (1, (2, 12)), "render": (1, (2, 10)), "tf": (4, (2, 32)), "md": (8, (2, 48)),
    "sh": (3, (1, 12)), "log": (2, (8, 64)), "csv": (1, (8, 64)),
}
# Where a secret of each kind may sit: file type -> weight (the token kinds share DEFAULT_HOSTS).
DEFAULT_HOSTS = {"env": 6, "yaml": 4, "json": 3, "toml": 1, "ini": 1, "properties": 1, "dockerfile": 1,
                 "compose": 1, "render": 1, "tf": 2, "py": 4, "js": 3, "ts": 3, "go": 2, "java": 2,
                 "rb": 1, "php": 1, "md": 1, "sh": 2, "log": 1, "minjs": 1}
HOSTS = {
    "private-key": {"pem": 6, "sa_json": 2, "yaml": 1, "env": 1, "tf": 1, "py": 1, "js": 1, "go": 1},
    "jwt": {"log": 3, "md": 1, "env": 2, "py": 1, "js": 1, "ts": 1, "go": 1, "json": 1, "yaml": 1, "sh": 1, "minjs": 1},
    "basic-auth-header": {"log": 3, "md": 1, "sh": 2, "py": 1, "js": 1, "go": 1, "yaml": 1, "json": 1, "java": 1},
    "npm-token": {"npmrc": 4, "env": 2, "yaml": 1, "sh": 1, "dockerfile": 1},
    "pypi-token": {"pypirc": 3, "env": 1, "yaml": 1, "sh": 1},
    "docker-hub-pat": {"sh": 3, "env": 1, "yaml": 1},
}
DECOYS = {  # class -> (weight, file types)
    "placeholder": (5, ["env", "yaml", "json", "toml", "py", "js", "ts", "go", "md", "tf", "compose", "render", "properties"]),
    "doc-example": (3, ["md", "env", "py", "yaml", "js"]),
    "code-reference": (5, ["py", "js", "ts", "go", "java", "rb", "php", "sh", "yaml", "compose", "render", "tf", "env", "json", "properties", "dockerfile"]),
    "uuid": (3, ["env", "yaml", "json", "py", "ts", "go", "tf", "log"]),
    "git-sha": (2, ["env", "yaml", "json", "py", "md", "log", "dockerfile"]),
    "sha256": (2, ["yaml", "json", "toml", "env", "md", "tf"]),
    "hash-near-key": (2, ["py", "js", "ts", "go", "json", "yaml"]),
    "base64-image": (1, ["md", "js", "ts", "json"]),
    "public-key": (1, ["md", "yaml", "tf"]),
    "weak-value": (2, ["env", "yaml", "py", "ini", "properties", "compose"]),
}
GITIGNORE = ["# dependencies and build output", "node_modules/", "dist/", "coverage/", "__pycache__/",
             "*.pyc", ".cache/", ""]
WEB_GITIGNORE = [".next/", "*.tsbuildinfo", ""]


def loguniform(r, lo, hi):
    return math.exp(r.uniform(math.log(lo), math.log(hi)))


def weighted(r, table):
    keys = sorted(table)
    return r.choices(keys, weights=[table[k] for k in keys])[0]


class Plan:
    """The files of the tree and what is planted in each."""

    def __init__(self, seed, size_mb):
        self.r = random.Random(f"{seed}:plan")
        self.seed = seed
        self.files = {}  # path -> {"ftype", "size", "items": [], "ignored", "example"}
        self.by_type = {}
        n_services = max(3, min(len(F.SERVICES), int(size_mb // 5) + 3))
        self.services = [(F.SERVICES[i], LANGS[i % len(LANGS)]) for i in range(n_services)]

    def add(self, path, ftype, size, ignored=False, example=False):
        base, n = path, 1
        while path in self.files:  # Dockerfile, .env, README.md: a second one goes one level down
            d, name = os.path.split(base)
            path = os.path.join(d, f"v{n}", name)
            n += 1
        self.files[path] = {"ftype": ftype, "size": int(size), "items": [], "ignored": ignored, "example": example}
        if not ignored and not example:
            self.by_type.setdefault(ftype, []).append(path)
        return path

    def path_for(self, ftype, svc=None):
        r = self.r
        svc = svc or r.choice(self.services)[0]
        sub = f"{F.w(r)}/{F.w(r)}" if r.random() < 0.5 else F.w(r)
        name = F.snake(r)
        return {
            "py": f"services/{svc}/{svc}/{sub}/{name}.py", "go": f"services/{svc}/internal/{sub}/{name}.go",
            "ts": r.choice([f"apps/web/src/{sub}/{name}.ts", f"services/{svc}/src/{sub}/{name}.ts"]), "js": f"services/{svc}/src/{sub}/{name}.js",
            "java": f"services/{svc}/src/main/java/com/acme/{svc}/{sub}/{F.pascal(r)}.java",
            "rb": f"services/{svc}/app/{sub}/{name}.rb", "php": f"services/{svc}/src/{F.pascal(r, 1)}/{F.pascal(r)}.php",
            "yaml": r.choice([f"services/{svc}/config/{name}.yaml", f"deploy/k8s/{svc}-{name}.yaml",
                              f".github/workflows/{name}.yml"]),
            "json": r.choice([f"services/{svc}/config/{name}.json", f"apps/web/config/{name}.json"]),
            "toml": f"services/{svc}/{name}.toml", "ini": f"services/{svc}/{name}.ini",
            "properties": f"services/{svc}/src/main/resources/application-{F.w(r)}.properties",
            "env": r.choice([f"services/{svc}/.env", f"services/{svc}/.env.production", f"services/{svc}/.env.staging"]),
            "dockerfile": f"services/{svc}/Dockerfile", "compose": f"services/{svc}/docker-compose.yml",
            "render": f"services/{svc}/render.yaml", "tf": f"infra/terraform/{r.choice(['staging', 'production', 'modules'])}/{name}.tf",
            "md": r.choice([f"docs/{sub}/{name}.md", f"services/{svc}/README.md", f"docs/{name}.md"]),
            "sh": r.choice([f"scripts/{name}.sh", f"services/{svc}/bin/{name}.sh"]),
            "log": f"logs/{svc}-2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}.log",
            "csv": f"data/{name}.csv", "minjs": f"vendor/static/{name}.min.js", "lock": "package-lock.json",
        }[ftype]

    def build(self, size_mb):
        r = self.r
        target = size_mb * MB
        # Fixed files every repository of this kind has.
        self.add("README.md", "md", 6000)
        self.add("docker-compose.yml", "compose", 5000)
        self.add("render.yaml", "render", 4000)
        self.add(".npmrc", "npmrc", 200)
        self.add("apps/web/.npmrc", "npmrc", 200)
        self.add("config/aws/credentials", "ini", 600)
        py_svc = next((s for s, lang in self.services if lang == "py"), self.services[0][0])
        self.add(f"services/{py_svc}/.pypirc", "pypirc", 300)
        self.add(".env.example", "env", 2500, example=True)
        self.add("config/settings.example.yaml", "yaml", 4000, example=True)
        # About 15 % of the bytes in ~1 MB files: logs, CSV exports, minified bundles, lock files.
        big_budget = target * 0.15
        n_big = max(4, round(big_budget / MB))
        for i in range(n_big):
            ftype = ["lock", "log", "minjs", "csv"][i % 4]
            path = self.path_for(ftype) if not (ftype == "lock" and i >= 4) else f"apps/{F.w(r)}/package-lock.json"
            self.add(path, ftype, big_budget / n_big * r.uniform(0.7, 1.3))
        total = sum(f["size"] for f in self.files.values())
        kinds = sorted(SMALL)
        while total < target:
            kind = r.choices(kinds, weights=[SMALL[k][0] for k in kinds])[0]
            svc, lang = r.choice(self.services)
            ftype = lang if kind == "code" else kind
            lo, hi = SMALL[kind][1]
            size = loguniform(r, lo * 1024, hi * 1024)
            self.add(self.path_for(ftype, svc), ftype, size)
            total += size
        # Ignored by .gitignore: dependencies, build output, a nested .gitignore's .next/.
        self.ignored_paths = []
        ignored_budget, t = max(200_000, target * 0.03), 0
        while t < ignored_budget:
            k = r.randrange(4)
            if k == 0:
                p = self.add(f"node_modules/{F.w(r)}-{F.w(r)}/lib/{F.snake(r)}.js", "js", loguniform(r, 2048, 40960), ignored=True)
            elif k == 1:
                p = self.add(f"apps/web/dist/assets/{F.w(r)}-{r.getrandbits(32):08x}.min.js", "minjs",
                             loguniform(r, 20_000, 200_000), ignored=True)
            elif k == 2:
                p = self.add(f"apps/web/.next/server/{F.w(r)}/{F.snake(r)}.js", "js", loguniform(r, 2048, 40960), ignored=True)
            else:
                p = self.add(f"services/{r.choice(self.services)[0]}/dist/{F.snake(r)}.js", "js", loguniform(r, 2048, 40960), ignored=True)
            self.ignored_paths.append(p)
            t += self.files[p]["size"]
        # Binary files (PNG): must be skipped; a few carry text chunks with secrets.
        self.binary_paths = []
        for _ in range(max(3, int(size_mb // 4))):
            p = self.add(r.choice([f"apps/web/public/img/{F.snake(r)}.png", f"docs/images/{F.snake(r)}.png"]),
                         "png", loguniform(r, 4096, 150_000))
            self.binary_paths.append(p)
        self.plant(size_mb)

    def host_file(self, ftype, kind):
        r = self.r
        if ftype == "pem":
            name = r.choice(["id_rsa", "deploy_key", "server.key", "tls.key", f"{F.w(r)}-signing.pem", "private.pem"])
            return self.add(f"{r.choice(['keys', 'deploy/ssh', 'certs', 'infra/certs'])}/{F.w(r)}/{name}", "pem", 0)
        if ftype == "sa_json":
            return self.add(f"infra/gcp/{F.w(r)}-{F.w(r)}-sa.json", "sa_json", 0)
        paths = self.by_type.get(ftype)
        if not paths:
            return self.add(self.path_for(ftype), ftype, 4096)
        return r.choice(paths)

    def plant(self, size_mb):
        r = self.r
        total_w = sum(v[0] for v in X.KINDS.values())
        n_secrets = max(2 * len(X.KINDS), round(10 * size_mb))
        for kind in sorted(X.KINDS):
            count = max(2, round(n_secrets * X.KINDS[kind][0] / total_w))
            for _ in range(count):
                ftype = weighted(r, HOSTS.get(kind, DEFAULT_HOSTS))
                self.files[self.host_file(ftype, kind)]["items"].append(("secret", kind))
        n_decoys = max(3 * len(DECOYS), round(8 * size_mb))
        dw = sum(v[0] for v in DECOYS.values())
        for cls in sorted(DECOYS):
            for _ in range(max(3, round(n_decoys * DECOYS[cls][0] / dw))):
                ftype = r.choice(DECOYS[cls][1])
                self.files[self.host_file(ftype, None)]["items"].append(("decoy", cls))
        for kind in ("aws-access-key-id", "aws-secret-access-key"):  # a profile in the AWS CLI's file
            self.files["config/aws/credentials"]["items"].append(("secret", kind))
        for path in (".env.example", "config/settings.example.yaml"):
            for _ in range(12):
                self.files[path]["items"].append(("decoy", r.choice(["placeholder", "placeholder", "doc-example"])))
        for _ in range(max(4, int(size_mb // 5))):
            self.files[r.choice(self.ignored_paths)]["items"].append(("ignored", r.choice(["github-pat", "stripe-secret-key", "aws-access-key-id", "npm-token"])))
        for _ in range(max(2, int(size_mb // 20))):
            self.files[r.choice(self.binary_paths)]["items"].append(("binary", r.choice(["github-pat", "slack-bot-token"])))


# ---- writing one file ----

class Writer:
    def __init__(self, seed, path, spec):
        self.r = random.Random(f"{seed}:{path}")
        self.path, self.spec, self.ftype = path, spec, spec["ftype"]
        self.truth, self.decoys = [], []
        self.checks = []  # (line, text that must be on it): the truth is verified as it is written

    def secret_value(self, kind):
        """(text placed, secret, variant, renderer) for a planted secret of `kind`."""
        r = self.r
        if kind == "private-key":
            variant = "pkcs8" if self.ftype == "sa_json" else r.choice(["rsa", "rsa", "ec", "openssh"])
            return X.private_key_lines(r, variant), variant
        if kind == "connection-string-password":
            name = r.choice(X.KINDS[kind][2])
            variant = {"REDIS_URL": "redis", "MONGODB_URI": "mongodb+srv", "MYSQL_URL": "mysql"}.get(name) or r.choice(["postgres", "mysql"])
            return (name, X.KINDS[kind][1](r)), variant
        return X.KINDS[kind][1](r), None

    def connection_url(self, value, variant):
        name, pw = value
        r = self.r
        url = X.CONNECTION_URLS[variant].format(user=r.choice(["app", "admin", "svc_orders", "root", "deploy"]), pw=pw,
                                                host=r.choice(["db", "db.internal", "prod-db-1", "cache", "primary"]),
                                                db=r.choice(F.SERVICES))
        return name, url, pw

    def render_secret(self, kind):
        """(lines, index, span, secret, variant) for one planted secret in this file's type."""
        r, ft = self.r, self.ftype
        value, variant = self.secret_value(kind)
        names = X.KINDS[kind][2]
        if kind == "private-key":
            lines, idx, span = S.private_key(r, ft, r.choice(names), value)
            return lines, idx, span, "\n".join(value), variant
        if kind == "connection-string-password":
            name, url, pw = self.connection_url(value, variant)
            code = {"py": f'engine = create_engine("{url}")', "js": f"await mongoose.connect('{url}');",
                    "go": f'var dsn = "{url}"'}.get(ft)
            if code and r.random() < 0.4:
                return [code], 0, 1, pw, variant
            lines, idx, span = S.kv(r, ft, name, url)
            return lines, idx, span, pw, variant
        if kind == "jwt" and (r.random() < 0.6 or ft == "log"):
            return (*S.header(r, ft, "Bearer", value), value, None)
        if kind == "basic-auth-header":
            return (*S.header(r, ft, "Basic", value), value, None)
        if kind == "azure-storage-key" and r.random() < 0.6:
            cs = f"DefaultEndpointsProtocol=https;AccountName=acme{F.w(r)};AccountKey={value};EndpointSuffix=core.windows.net"
            return (*S.kv(r, ft, "AZURE_STORAGE_CONNECTION_STRING", cs), value, None)
        if kind == "pypi-token" and ft == "pypirc":
            return ["", "[pypi]", "username = __token__", f"password = {value}"], 3, 1, value, None
        via_sdk = S.sdk(kind, ft, value) if r.random() < 0.6 else None
        if via_sdk:
            return (*via_sdk, value, None)
        return (*S.kv(r, ft, r.choice(names), value), value, None)

    def record_secret(self, kind, line, span, secret, variant):
        first, last = secret.split("\n")[0], secret.split("\n")[-1]
        self.checks += [(line, first, self.truth_entry_index()), (line + span - 1, last if span > 1 else first, None)]
        self.truth.append({"path": self.path, "line": line, "end_line": line + span - 1, "kind": kind,
                           "variant": variant, "context": self.ftype,
                           "value_sha256": hashlib.sha256(secret.encode()).hexdigest()})

    def truth_entry_index(self):
        return len(self.truth)  # the entry record_secret is about to append

    def record_decoy(self, cls, line, span):
        self.decoys.append({"path": self.path, "line": line, "end_line": line + span - 1, "decoy": cls,
                            "class": "ambiguous" if cls == "weak-value" else "decoy"})

    def snippets(self):
        """Each planted item rendered: [(lines, idx, span, record)] where record(line) logs it."""
        out = []
        for what, arg in self.spec["items"]:
            if what == "secret":
                lines, idx, span, secret, variant = self.render_secret(arg)
                out.append((lines, idx, span, lambda ln, k=arg, s=span, v=secret, va=variant: self.record_secret(k, ln, s, v, va)))
            elif what == "decoy":
                lines, idx, span = S.decoy(self.r, self.ftype, arg)
                out.append((lines, idx, span, lambda ln, c=arg, s=span: self.record_decoy(c, ln, s)))
            else:  # a real-format secret where no scanner must look (ignored path, binary file)
                lines, idx, span, _, _ = self.render_secret(arg)
                out.append((lines, idx, span, lambda ln, c=what, s=span: self.record_decoy("gitignored" if c == "ignored" else "binary-file", ln, s)))
        return out

    def text(self, pools):
        ft, r = self.ftype, self.r
        if ft == "pem":
            return self.pem_file()
        if ft == "sa_json":
            return self.sa_json_file()
        if ft == "lock":
            return self.lock_file()
        if ft == "minjs":
            return self.minjs_file(pools)
        header, _, footer = F.CODE[ft]
        pool = pools.get(ft)
        lines = header(r)
        body, size = [], sum(len(x) + 1 for x in lines)
        while size < self.spec["size"]:
            block = pool[r.randrange(len(pool))]
            body.append(block)
            size += block[1]
        snips = self.snippets()
        slots = sorted(r.randrange(len(body) + 1) for _ in snips)
        out_blocks = []  # (lines or pre-joined text, nlines, snippet or None)
        j = 0
        for i in range(len(body) + 1):
            while j < len(snips) and slots[j] == i:
                out_blocks.append(snips[j])
                j += 1
            if i < len(body):
                out_blocks.append(body[i])
        parts, line_no = [], len(lines) + 1  # next line's number
        if lines:
            parts.append("\n".join(lines))
        for n, b in enumerate(out_blocks):
            last = n == len(out_blocks) - 1
            comma = ft == "json" and not last
            if len(b) == 4:  # a snippet
                blines, idx, span, record = b
                record(line_no + idx)
                if comma:
                    blines = blines[:-1] + [blines[-1] + ","]
                parts.append("\n".join(blines))
                line_no += len(blines)
            else:
                text, _, nlines = b
                parts.append(text + ("," if comma else ""))
                line_no += nlines
        if footer:
            parts.append("\n".join(footer))
        return "\n".join(parts) + "\n"

    def pem_file(self):
        """A key file holds one key (host_file makes one file per planted key)."""
        value, variant = self.secret_value("private-key")
        self.record_secret("private-key", 1, len(value), "\n".join(value), variant)
        text = "\n".join(value) + "\n"
        if self.r.random() < 0.3:  # a certificate after the key, as in a bundle: not a secret
            cert = X.pem_block(self.r, "CERTIFICATE", b"\x30\x82\x03\x5d\x30\x82\x02\x45", 860)
            self.record_decoy("certificate", len(value) + 1, len(cert))
            text += "\n".join(cert) + "\n"
        return text

    def sa_json_file(self):
        r = self.r
        value, variant = self.secret_value("private-key")
        project = f"{F.w(r)}-{F.w(r)}-{r.randint(100000, 999999)}"
        doc = {"type": "service_account", "project_id": project, "private_key_id": S.hex_value(r, 160),
               "private_key": "\n".join(value) + "\n", "client_email": f"deployer@{project}.iam.gserviceaccount.com",
               "client_id": str(r.randrange(10**20, 10**21)), "auth_uri": "https://accounts.google.com/o/oauth2/auth",
               "token_uri": "https://oauth2.googleapis.com/token"}
        text = json.dumps(doc, indent=2) + "\n"
        line = text.split("\n").index(next(x for x in text.split("\n") if '"private_key":' in x)) + 1
        self.record_secret("private-key", line, 1, "\n".join(value), variant)
        # The file is one credential: a finding on any of its lines is a finding of this key.
        self.truth[-1]["accept"] = [1, text.count("\n")]
        return text

    def lock_file(self):
        r = self.r
        lines = ["{", f'  "name": "{F.w(r)}-{F.w(r)}",', '  "version": "1.0.0",', '  "lockfileVersion": 3,',
                 '  "requires": true,', '  "packages": {']
        size, first = 200, True
        while size < self.spec["size"]:
            name = f"{F.w(r)}-{F.w(r)}" if r.random() < 0.7 else f"@{F.w(r)}/{F.w(r)}"
            ver = f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 20)}"
            integrity = "sha512-" + __import__("base64").b64encode(r.randbytes(64)).decode()
            entry = [("    " if first else "    ") + f'"node_modules/{name}": {{', f'      "version": "{ver}",',
                     f'      "resolved": "https://registry.npmjs.org/{name}/-/{name.split("/")[-1]}-{ver}.tgz",',
                     f'      "integrity": "{integrity}",', f'      "license": "{r.choice(["MIT", "ISC", "Apache-2.0"])}"']
            if r.random() < 0.3:
                entry[-1] += ","
                entry.append(f'      "dev": true')
            entry.append("    }")
            if not first:
                lines[-1] += ","
            self.record_decoy("lock-integrity", len(lines) + 4, 1)
            lines += entry
            size += sum(len(x) + 1 for x in entry)
            first = False
        lines += ["  }", "}"]
        return "\n".join(lines) + "\n"

    def minjs_file(self, pools):
        r = self.r
        chunks = pools["minjs"]
        n_lines = max(1, self.spec["size"] // 120_000)
        per_line = self.spec["size"] // n_lines
        lines = []
        for _ in range(n_lines):
            parts, size = [], 0
            while size < per_line:
                c = chunks[r.randrange(len(chunks))]
                parts.append(c)
                size += len(c)
            lines.append(parts)
        for what, arg in self.spec["items"]:  # line li is the file's line li + 2 (a banner comes first)
            li = r.randrange(len(lines))
            if what == "decoy":
                chunk = f'var Qz={{apiKey:"{r.choice(X.PLACEHOLDERS)}",env:"production"}};'
                self.record_decoy(arg, li + 2, 1)
            else:
                value, variant = self.secret_value(arg)
                if arg == "jwt":
                    chunk = f'var Hd={{headers:{{Authorization:"Bearer {value}"}}}};'
                elif arg == "connection-string-password":
                    name, url, value = self.connection_url(value, variant)
                    chunk = f'var Db={{{S.camel_of(name)}:"{url}"}};'
                elif arg == "azure-storage-key":
                    chunk = f'var Az={{connectionString:"DefaultEndpointsProtocol=https;AccountName=acmeweb;AccountKey={value};EndpointSuffix=core.windows.net"}};'
                else:
                    chunk = f'var Cf={{{S.camel_of(r.choice(X.KINDS[arg][2]))}:"{value}",env:"production"}};'
                if what == "secret":
                    self.record_secret(arg, li + 2, 1, value, variant)
                else:
                    self.record_decoy("gitignored", li + 2, 1)
            lines[li].insert(r.randrange(len(lines[li]) + 1), chunk)
        body = "\n".join("".join(p) for p in lines)
        return f"/*! {F.w(r)} v{r.randint(1, 9)}.{r.randint(0, 20)}.0 | MIT */\n" + body + "\n//# sourceMappingURL=app.min.js.map\n"

    def png_file(self):
        r = self.r
        data = bytearray(b"\x89PNG\r\n\x1a\n")

        def chunk(kind, payload):
            data.extend(len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big"))
        chunk(b"IHDR", r.randint(16, 2048).to_bytes(4, "big") + r.randint(16, 2048).to_bytes(4, "big") + b"\x08\x06\x00\x00\x00")
        for what, arg in self.spec["items"]:
            value, _ = self.secret_value(arg)
            chunk(b"tEXt", b"Comment\x00token=" + value.encode())
            self.record_decoy("binary-file", 1, 1)  # line is meaningless in a binary file: match by path
        while len(data) < self.spec["size"]:
            chunk(b"IDAT", r.randbytes(8192))
        chunk(b"IEND", b"")
        return bytes(data)


def make_pools(seed):
    r = random.Random(f"{seed}:pools")
    pools = {}
    for ft, (_, block, _) in F.CODE.items():
        pool = []
        for _ in range(1200 if ft not in ("npmrc", "pypirc") else 20):
            lines = block(r)
            text = "\n".join(lines)
            pool.append((text, len(text) + 1, len(lines)))
        pools[ft] = pool
    pools["minjs"] = [F.minjs_chunk(r) for _ in range(6000)]
    return pools


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--size-mb", type=float, default=100)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--truth", help="default: OUT_DIR/../truth.json (decoys.json, tree.json beside it)")
    args = ap.parse_args()
    out = os.path.abspath(args.out_dir)
    truth_path = os.path.abspath(args.truth or os.path.join(out, "..", "truth.json"))
    meta_dir = os.path.dirname(truth_path)
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"generate.py: {out} exists and is not empty")
    os.makedirs(out, exist_ok=True)
    os.makedirs(meta_dir, exist_ok=True)

    plan = Plan(args.seed, args.size_mb)
    plan.build(args.size_mb)
    pools = make_pools(args.seed)
    truth, decoys = [], []
    stats = {"seed": args.seed, "size_mb": args.size_mb, "files": 0, "bytes": 0, "ignored_files": 0,
             "ignored_bytes": 0, "binary_files": 0, "binary_bytes": 0}
    files = dict(plan.files)
    for path in sorted(files):
        spec = files[path]
        wr = Writer(args.seed, path, spec)
        data = wr.png_file() if spec["ftype"] == "png" else wr.text(pools)
        if isinstance(data, str):
            data = data.encode()
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        if wr.checks:
            text_lines = data.split(b"\n")
            for line, needle, entry in wr.checks:
                col = text_lines[line - 1].find(needle.encode())
                if col < 0:
                    sys.exit(f"generate.py: internal error: {path}:{line} does not hold the planted secret")
                if entry is not None:
                    wr.truth[entry]["column"] = col + 1  # 1-based byte column of the first character
                    if wr.truth[entry]["end_line"] == line:
                        wr.truth[entry]["length"] = len(needle.encode())
        truth += wr.truth
        decoys += wr.decoys
        key = "ignored" if spec["ignored"] else "binary" if spec["ftype"] == "png" else None
        if key:
            stats[f"{key}_files"] += 1
            stats[f"{key}_bytes"] += len(data)
        if not spec["ignored"]:
            stats["files"] += 1
            stats["bytes"] += len(data)
    for path, lines in ((".gitignore", GITIGNORE), ("apps/web/.gitignore", WEB_GITIGNORE)):
        data = ("\n".join(lines)).encode()
        with open(os.path.join(out, path), "wb") as f:
            f.write(data)
        stats["files"] += 1
        stats["bytes"] += len(data)
    stats["secrets"] = len(truth)
    stats["kinds"] = len({t["kind"] for t in truth})
    stats["decoys"] = sum(1 for d in decoys if d["decoy"] != "lock-integrity")
    stats["lock_integrity_lines"] = len(decoys) - stats["decoys"]
    for name, obj in (("truth.json", truth), ("decoys.json", decoys), ("tree.json", stats)):
        p = truth_path if name == "truth.json" else os.path.join(meta_dir, name)
        with open(p, "w") as f:
            json.dump(obj, f, indent=1 if name != "tree.json" else 2)
            f.write("\n")
    print(f"generate.py: {out}: {stats['files']} files, {stats['bytes'] / MB:.1f} MB scanned "
          f"(+{stats['ignored_files']} ignored files, {stats['ignored_bytes'] / MB:.1f} MB), "
          f"{stats['secrets']} secrets of {stats['kinds']} kinds, {stats['decoys']} decoys; truth in {truth_path}")


if __name__ == "__main__":
    main()
