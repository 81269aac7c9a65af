"""Realistic non-secret content for bench/scan: code, configs, docs, logs and data, per file
type, as blocks of lines that a file is assembled from. Pure functions of a random.Random."""

WORDS = ("account order invoice customer payment user session cart item product price stock "
         "shipment report event metric request response handler client server config cache queue "
         "worker job task batch record entry store index search filter page limit offset cursor "
         "status state region zone node cluster service route proxy upstream backend frontend "
         "build release deploy version commit branch tag image layer volume network port host "
         "address email name title description amount currency total balance refund charge plan "
         "tier quota usage rate window retry backoff timeout deadline schedule cron hook webhook "
         "notify alert message channel topic stream partition offset consumer producer key token "
         "auth login role permission scope tenant org team project member invite audit log trace "
         "span sample probe health ready live check result error warning info debug").split()
LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
SERVICES = ["billing", "orders", "auth", "search", "notifications", "gateway", "inventory",
            "analytics", "catalog", "payments", "shipping", "accounts", "media", "reports",
            "scheduler", "ledger", "checkout", "profiles", "webhooks", "exports"]


def w(r):
    return r.choice(WORDS)


def snake(r, n=2):
    return "_".join(w(r) for _ in range(n))


def camel(r, n=2):
    first = w(r)
    return first + "".join(w(r).capitalize() for _ in range(n - 1))


def pascal(r, n=2):
    return "".join(w(r).capitalize() for _ in range(n))


def upper(r, n=2):
    return snake(r, n).upper()


def sentence(r, lo=4, hi=12):
    text = " ".join(w(r) for _ in range(r.randint(lo, hi)))
    return text[0].upper() + text[1:]


def num(r):
    return r.choice([r.randint(0, 9), r.randint(10, 999), r.randint(1000, 65535)])


def host(r):
    return r.choice([f"{w(r)}.internal", f"{w(r)}-{r.randint(1, 9)}.acme.internal", "localhost",
                     f"{w(r)}.svc.cluster.local", "api.acme.dev", f"10.0.{r.randint(0, 255)}.{r.randint(1, 254)}"])


def scalar(r):
    k = r.randrange(7)
    if k == 0:
        return str(num(r))
    if k == 1:
        return r.choice(["true", "false"])
    if k == 2:
        return f"{r.randint(1, 120)}{r.choice(['s', 'm', 'ms', 'h'])}"
    if k == 3:
        return host(r)
    if k == 4:
        return f"https://{host(r)}/{w(r)}/{w(r)}"
    return snake(r, r.randint(1, 2))


def uuid(r):
    h = "%032x" % r.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[r.randrange(4)]}{h[17:20]}-{h[20:]}"


def timestamp(r):
    return (f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z")


# ---- code ----

def py_block(r):
    f, v, v2, a = snake(r), snake(r, 1), snake(r, 1), snake(r, 1)
    body = [f'    """{sentence(r)}."""']
    for _ in range(r.randint(3, 12)):
        k = r.randrange(7)
        if k == 0:
            body.append(f"    {v} = {snake(r)}({a}, {w(r)}={num(r)})")
        elif k == 1:
            body += [f"    if {v} is None:", f'        raise ValueError("{sentence(r)}")']
        elif k == 2:
            body += [f"    for {v2} in {v}.{w(r)}s:", f'        logger.info("{sentence(r)} %s", {v2})']
        elif k == 3:
            body.append(f"    # {sentence(r)}")
        elif k == 4:
            body.append(f'    {v2} = {{"{w(r)}": {num(r)}, "{w(r)}": "{w(r)}"}}')
        elif k == 5:
            body.append(f"    {v} = self.{snake(r)}.{w(r)}({v2})" if r.random() < 0.3 else f"    {v} = [{a}, {num(r)}]")
        else:
            body += [f"    try:", f"        {v} = {w(r)}.{snake(r)}({a})", f"    except {pascal(r)}Error:",
                     f'        logger.exception("{sentence(r)}")', "        raise"]
    body.append(f"    return {v}")
    return ["", "", f"def {f}({a}, {snake(r, 1)}=None):"] + body


def py_header(r):
    return ["import json", "import logging", "import os", f"from {w(r)}.{w(r)} import {pascal(r)}",
            "", "logger = logging.getLogger(__name__)"]


def js_block(r, ts=False):
    f, v, a = camel(r), camel(r, 1), camel(r, 1)
    t = (lambda x: f": {x}") if ts else (lambda x: "")
    body = []
    for _ in range(r.randint(3, 12)):
        k = r.randrange(6)
        if k == 0:
            body.append(f"  const {camel(r)}{t(pascal(r, 1))} = await {v}.{camel(r)}({a}, {num(r)});")
        elif k == 1:
            body += [f"  if ({a}.{w(r)} > {num(r)}) {{", f"    throw new Error('{sentence(r)}');", "  }"]
        elif k == 2:
            body.append(f"  logger.info('{sentence(r)}', {{ {w(r)}: {a}.{w(r)} }});")
        elif k == 3:
            body.append(f"  // {sentence(r)}")
        elif k == 4:
            body += [f"  for (const {w(r)} of {a}.{w(r)}s) {{", f"    {v}.push({w(r)}.{camel(r)}());", "  }"]
        else:
            body.append(f"  const {camel(r)} = {{ {w(r)}: '{w(r)}', {w(r)}: {num(r)} }};")
    body.append(f"  return {v};")
    head = f"export async function {f}({a}{t(pascal(r))}){t('Promise<' + pascal(r) + '>')} {{"
    return [""] + [head, f"  const {v} = [];"] + body + ["}"]


def js_header(r, ts=False):
    lines = [f"import {{ {pascal(r)} }} from '../{w(r)}/{w(r)}';",
             f"import {camel(r)} from '{w(r)}-{w(r)}';", "", f"const logger = createLogger('{w(r)}');"]
    if ts:
        lines += ["", f"export interface {pascal(r)} {{", f"  {w(r)}: string;", f"  {w(r)}: number;", "}"]
    return lines


def go_block(r):
    f, v = pascal(r), camel(r, 1)
    body = []
    for _ in range(r.randint(3, 10)):
        k = r.randrange(5)
        if k == 0:
            body += [f"\t{v}, err := {w(r)}.{pascal(r)}(ctx, {camel(r, 1)})", "\tif err != nil {",
                     f'\t\treturn nil, fmt.Errorf("{sentence(r).lower()}: %w", err)', "\t}"]
        elif k == 1:
            body.append(f'\tlog.Printf("{sentence(r)} %v", {v})')
        elif k == 2:
            body.append(f"\t// {sentence(r)}")
        elif k == 3:
            body += [f"\tfor _, {w(r)} := range {v}.{pascal(r, 1)}s {{", f"\t\t_ = {w(r)}", "\t}"]
        else:
            body.append(f"\t{camel(r)} := {num(r)}")
    return ["", f"// {f} {sentence(r).lower()}.",
            f"func (s *{pascal(r, 1)}Service) {f}(ctx context.Context, {camel(r, 1)} string) (*{pascal(r, 1)}, error) {{"
            ] + body + ["\treturn nil, nil", "}"]


def go_header(r):
    return [f"package {w(r)}", "", "import (", '\t"context"', '\t"fmt"', '\t"log"', ")"]


def java_block(r):
    m, v = camel(r), camel(r, 1)
    body = []
    for _ in range(r.randint(3, 10)):
        k = r.randrange(4)
        if k == 0:
            body.append(f"        final var {camel(r)} = {v}.{camel(r)}({num(r)});")
        elif k == 1:
            body += [f"        if ({v} == null) {{", f'            throw new IllegalStateException("{sentence(r)}");', "        }"]
        elif k == 2:
            body.append(f'        LOG.info("{sentence(r)} {{}}", {v});')
        else:
            body.append(f"        // {sentence(r)}")
    return ["", f"    public {pascal(r, 1)} {m}({pascal(r, 1)} {v}) {{"] + body + [f"        return {v};", "    }"]


def java_header(r):
    return [f"package com.acme.{w(r)}.{w(r)};", "", "import java.util.List;", "import org.slf4j.Logger;", "",
            f"public class {pascal(r)} {{", f"    private static final Logger LOG = LoggerFactory.getLogger({pascal(r)}.class);"]


def rb_block(r):
    m, v = snake(r), snake(r, 1)
    body = []
    for _ in range(r.randint(3, 9)):
        k = r.randrange(4)
        if k == 0:
            body.append(f"    {v} = {snake(r, 1)}.{snake(r)}({num(r)})")
        elif k == 1:
            body.append(f'    raise ArgumentError, "{sentence(r)}" if {v}.nil?')
        elif k == 2:
            body.append(f'    logger.info("{sentence(r)} #{{{v}}}")')
        else:
            body.append(f"    # {sentence(r)}")
    return ["", f"  def {m}({v})"] + body + [f"    {v}", "  end"]


def rb_header(r):
    return ["# frozen_string_literal: true", "", f"require '{w(r)}'", "", f"class {pascal(r)}"]


def php_block(r):
    m, v = camel(r), camel(r, 1)
    body = []
    for _ in range(r.randint(3, 9)):
        k = r.randrange(4)
        if k == 0:
            body.append(f"        ${camel(r)} = $this->{camel(r)}(${v}, {num(r)});")
        elif k == 1:
            body += [f"        if (${v} === null) {{", f"            throw new \\RuntimeException('{sentence(r)}');", "        }"]
        elif k == 2:
            body.append(f"        $this->logger->info('{sentence(r)}', ['{w(r)}' => ${v}]);")
        else:
            body.append(f"        // {sentence(r)}")
    return ["", f"    public function {m}(${v})", "    {"] + body + [f"        return ${v};", "    }"]


def php_header(r):
    return ["<?php", "", f"namespace App\\{pascal(r, 1)};", "", f"class {pascal(r)}", "{"]


def sh_block(r):
    k = r.randrange(4)
    if k == 0:
        return ["", f'echo "==> {sentence(r)}"', f"{w(r)}_{w(r)} --{w(r)} {scalar(r)} --{w(r)}={num(r)}"]
    if k == 1:
        return ["", f'if [ -f "{w(r)}/{w(r)}.{w(r)}" ]; then', f"  {w(r)} {w(r)} \"$@\"", "fi"]
    if k == 2:
        return ["", f"curl -fsS https://{host(r)}/{w(r)}/{w(r)} -o /tmp/{w(r)}.json"]
    return ["", f"# {sentence(r)}", f"{upper(r)}=${{{upper(r)}:-{scalar(r)}}}"]


# ---- configs ----

def yaml_block(r):
    lines = [f"{snake(r)}:"]
    for _ in range(r.randint(2, 7)):
        if r.random() < 0.3:
            lines.append(f"  {snake(r, 1)}:")
            lines += [f"    {snake(r, 1)}: {scalar(r)}" for _ in range(r.randint(1, 4))]
        elif r.random() < 0.2:
            lines.append(f"  {snake(r, 1)}: [{w(r)}, {w(r)}, {w(r)}]")
        else:
            lines.append(f"  {snake(r, 1)}: {scalar(r)}")
    return lines


def json_block(r):
    lines = [f'  "{camel(r)}": {{']
    items = []
    for _ in range(r.randint(2, 6)):
        k = r.randrange(3)
        if k == 0:
            items.append(f'    "{camel(r, 1)}": {num(r)}')
        elif k == 1:
            items.append(f'    "{camel(r, 1)}": "{scalar(r)}"')
        else:
            items.append(f'    "{camel(r, 1)}": {r.choice(["true", "false", "null"])}')
    return lines + [x + "," for x in items[:-1]] + [items[-1], "  }"]


def toml_block(r):
    return ["", f"[{snake(r)}]"] + [f'{snake(r, 1)} = "{scalar(r)}"' if r.random() < 0.6 else f"{snake(r, 1)} = {num(r)}"
                                    for _ in range(r.randint(2, 6))]


def ini_block(r):
    return ["", f"[{snake(r)}]"] + [f"{snake(r, 1)} = {scalar(r)}" for _ in range(r.randint(2, 6))]


def properties_block(r):
    p = f"{w(r)}.{w(r)}"
    return [f"# {sentence(r)}"] + [f"{p}.{w(r)}={scalar(r)}" for _ in range(r.randint(2, 6))]


def env_block(r):
    return ([f"# {sentence(r)}"] if r.random() < 0.4 else []) + [f"{upper(r)}={scalar(r)}" for _ in range(r.randint(1, 4))]


def dockerfile_block(r):
    k = r.randrange(4)
    if k == 0:
        return [f"RUN apt-get update && apt-get install -y --no-install-recommends {w(r)} {w(r)} \\",
                "    && rm -rf /var/lib/apt/lists/*"]
    if k == 1:
        return [f"COPY {w(r)}/ /app/{w(r)}/"]
    if k == 2:
        return [f"ENV {upper(r)}={scalar(r)}"]
    return [f"RUN {w(r)} {w(r)} --{w(r)} {num(r)}"]


def compose_block(r):
    s, p = r.choice(SERVICES), r.randint(3000, 9999)
    return [f"  {s}-{w(r)}:", f"    image: acme/{s}:{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}",
            "    ports:", f'      - "{p}:{p}"', "    environment:", f"      - PORT={p}",
            f"      - LOG_LEVEL={r.choice(['info', 'debug'])}", "    depends_on:", f"      - {w(r)}"]


def render_block(r):
    return [f"  - type: {r.choice(['web', 'worker', 'cron'])}", f"    name: {r.choice(SERVICES)}-{w(r)}",
            "    env: docker", f"    plan: {r.choice(['starter', 'standard', 'pro'])}", "    envVars:",
            "      - key: PORT", f'        value: "{r.randint(3000, 9999)}"', f"      - key: {upper(r)}",
            f"        value: {scalar(r)}"]


def tf_block(r):
    return ["", f'resource "aws_{snake(r)}" "{snake(r)}" {{', f'  name = "{w(r)}-{w(r)}"',
            f"  {snake(r, 1)} = {num(r)}", "  tags = {", f'    Environment = "{r.choice(["staging", "production"])}"',
            f'    Team        = "{w(r)}"', "  }", "}"]


# ---- docs, logs, data ----

def md_block(r):
    k = r.randrange(5)
    if k == 0:
        return ["", f"## {sentence(r, 2, 5)}", ""]
    if k == 1:
        return ["", " ".join(sentence(r, 8, 20) + "." for _ in range(r.randint(2, 6)))]
    if k == 2:
        return [""] + [f"- {sentence(r, 3, 10)}" for _ in range(r.randint(2, 6))]
    if k == 3:
        return ["", "```sh", f"curl -s https://{host(r)}/v1/{w(r)}s | jq '.{w(r)}'", f"{w(r)} {w(r)} --{w(r)}", "```"]
    return ["", f"| {w(r)} | {w(r)} | {w(r)} |", "|---|---|---|"] + [
        f"| {w(r)} | {num(r)} | {sentence(r, 2, 5)} |" for _ in range(r.randint(2, 5))]


def log_block(r):
    out = []
    for _ in range(r.randint(5, 20)):
        svc = r.choice(SERVICES)
        if r.random() < 0.05:
            out.append(f"{timestamp(r)} INFO [{svc}] deployed commit {'%040x' % r.getrandbits(160)}")
        else:
            out.append(f"{timestamp(r)} {r.choice(LEVELS)} [{svc}] {sentence(r).lower()} request_id={uuid(r)} "
                       f"duration_ms={r.randint(1, 3000)} status={r.choice([200, 200, 201, 204, 400, 404, 500])}")
    return out


def csv_block(r):
    return [f"{r.randint(1, 10**7)},{uuid(r)},{w(r)}.{w(r)}@example.com,{pascal(r)},{r.randint(1, 99999) / 100:.2f},"
            f"{r.choice(['USD', 'EUR', 'GBP'])},{timestamp(r)},{r.choice(['paid', 'open', 'refunded', 'void'])}"
            for _ in range(20)]


def minjs_chunk(r):
    a, b, c = (r.choice("abcdefghijklmnopqrstuvwxyz") + r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(3))
    k = r.randrange(4)
    if k == 0:
        return f"var {a}=function({b},{c}){{return {b}.{camel(r)}({c})||{num(r)}}};"
    if k == 1:
        return f'{a}.{camel(r)}="{sentence(r, 2, 4).lower()}";'
    if k == 2:
        return f"function {a}({b}){{if(!{b})throw new Error(\"{w(r)}\");return {b}.{w(r)}+{num(r)}}}"
    return f"{a}[{b}]={{{w(r)}:{num(r)},{w(r)}:!0,{w(r)}:\"{w(r)}\"}};"


CODE = {
    "py": (py_header, py_block, []), "js": (js_header, js_block, []),
    "ts": (lambda r: js_header(r, True), lambda r: js_block(r, True), []),
    "go": (go_header, go_block, []), "java": (java_header, java_block, ["}"]),
    "rb": (rb_header, rb_block, ["end"]), "php": (php_header, php_block, ["}"]),
    "sh": (lambda r: ["#!/usr/bin/env bash", "set -euo pipefail"], sh_block, []),
    "yaml": (lambda r: [f"# {sentence(r)}"], yaml_block, []),
    "json": (lambda r: ["{"], json_block, ["}"]),
    "toml": (lambda r: [f"# {sentence(r)}"], toml_block, []),
    "ini": (lambda r: [f"; {sentence(r)}"], ini_block, []),
    "properties": (lambda r: [f"# {sentence(r)}"], properties_block, []),
    "env": (lambda r: [f"# {sentence(r)}"], env_block, []),
    "dockerfile": (lambda r: [f"FROM {r.choice(['python:3.12-slim', 'node:20-alpine', 'golang:1.22', 'eclipse-temurin:21'])}",
                              "WORKDIR /app"], dockerfile_block, ['CMD ["./start"]']),
    "compose": (lambda r: ["services:"], compose_block, []),
    "render": (lambda r: ["services:"], render_block, []),
    "tf": (lambda r: ['terraform {', '  required_version = ">= 1.5"', "}"], tf_block, []),
    "md": (lambda r: [f"# {sentence(r, 2, 5)}"], md_block, []),
    "log": (lambda r: [], log_block, []),
    "csv": (lambda r: ["id,uuid,email,name,amount,currency,created_at,status"], csv_block, []),
    "npmrc": (lambda r: ["registry=https://registry.npmjs.org/", "save-exact=true"],
              lambda r: [f"{w(r)}-{w(r)}=true"], []),
    "pypirc": (lambda r: ["[distutils]", "index-servers =", "    pypi"], lambda r: ini_block(r), []),
}
