"""The AsyncAPI document as one readable HTML page, rendered on the server: no script, no CDN.

It shows what a platform team needs to publish to us or read from us: every channel (topic) with
its direction and key, the envelope, each message's headers and payload fields (type, required,
default, description), the nested types, and the dead-letter headers with their reasons.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Final

JsonObject = dict[str, Any]
SCHEMAS: Final = "#/components/schemas/"
STYLE: Final = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 2rem;color:#1b1f24}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #d0d7de;padding-bottom:.2rem;margin-top:2.5rem}
h3{margin:1.8rem 0 .3rem}h4{margin:1rem 0 .3rem;color:#57606a}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}
.send{color:#1a7f37}.receive{color:#9a6700}.muted{color:#57606a}a{color:#0969da}
"""


def _text(value: str) -> str:
    """Escaped text with `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(value))


def _ref_name(ref: str) -> str:
    return ref.removeprefix(SCHEMAS)


def type_of(schema: JsonObject) -> str:
    """A field's type as HTML: `string (uuid)`, `integer | null`, `array of <link>`..."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f'<a href="#schema-{html.escape(name)}">{html.escape(name)}</a>'
    if "anyOf" in schema:
        return " | ".join(type_of(option) for option in schema["anyOf"])
    if "const" in schema:
        return f"<code>{html.escape(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return " | ".join(f"<code>{html.escape(json.dumps(v))}</code>" for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    kind = " | ".join(kind) if isinstance(kind, list) else str(kind)
    return html.escape(f"{kind} ({schema['format']})" if "format" in schema else kind)


def fields_table(schema: JsonObject) -> str:
    required = set(schema.get("required", []))
    rows = []
    for name, field in schema.get("properties", {}).items():
        default = (
            f"<code>{html.escape(json.dumps(field['default']))}</code>"
            if "default" in field
            else ""
        )
        rows.append(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{type_of(field)}</td>"
            f"<td>{'yes' if name in required else 'no'}</td><td>{default}</td>"
            f"<td>{_text(field.get('description', ''))}</td></tr>"
        )
    return (
        '<table class="fields"><tr><th>field</th><th>type</th><th>required</th>'
        f"<th>default</th><th>description</th></tr>{''.join(rows)}</table>"
    )


def headers_table(headers: JsonObject) -> str:
    rows = "".join(
        f"<tr><td><code>{html.escape(name)}</code></td><td>{_text(h.get('description', ''))}</td></tr>"
        for name, h in headers.get("properties", {}).items()
    )
    return f"<table><tr><th>header</th><th>value</th></tr>{rows}</table>"


def _directions(doc: JsonObject) -> dict[str, str]:
    """Channel id -> `send` (Arcadia publishes) or `receive` (Arcadia consumes)."""
    return {
        op["channel"]["$ref"].rsplit("/", 1)[-1]: op["action"] for op in doc["operations"].values()
    }


def _message(doc: JsonObject, cid: str, name: str) -> str:
    message = doc["components"]["messages"][name]
    schemas = doc["components"]["schemas"]
    payload = schemas.get(name, {})
    key = message.get("bindings", {}).get("kafka", {}).get("key", {})
    return (
        f'<h3 id="{html.escape(cid)}-{html.escape(name)}">{html.escape(message["title"])}</h3>'
        f"<p>{_text(message.get('summary', ''))}</p>"
        f"<p>Key: {type_of(key)}, {_text(key.get('description', ''))} Value: the "
        f'<a href="#envelope">envelope</a> with <code>type</code> '
        f"<code>{html.escape(name)}</code>, <code>version</code> "
        f"<code>{html.escape(json.dumps(schemas[name + 'Envelope']['properties']['version']['const']))}</code>"
        f" and this <code>payload</code>:</p>{fields_table(payload)}"
        f"<h4>Headers</h4>{headers_table(message.get('headers', {}))}"
    )


def _overview(doc: JsonObject, directions: dict[str, str]) -> str:
    rows = []
    for cid, channel in doc["channels"].items():
        action = directions[cid]
        who = "Arcadia publishes" if action == "send" else "you publish, Arcadia consumes"
        links = ", ".join(
            f'<a href="#{html.escape(cid)}-{html.escape(n)}">{html.escape(n)}</a>'
            if n != "DeadLetter"
            else '<a href="#dead-letters">DeadLetter</a>'
            for n in channel["messages"]
        )
        rows.append(
            f'<tr><td><a href="#channel-{html.escape(cid)}"><code>'
            f"{html.escape(channel['address'])}</code></a></td>"
            f'<td class="{action}">{who}</td><td>{links}</td></tr>'
        )
    return (
        f"<table><tr><th>topic</th><th>direction</th><th>messages</th></tr>{''.join(rows)}</table>"
    )


def _channels(doc: JsonObject, directions: dict[str, str]) -> str:
    parts = []
    for cid, channel in doc["channels"].items():
        if "DeadLetter" in channel["messages"]:
            continue
        inbound = " (inbound)" if directions[cid] == "receive" else ""
        parts.append(
            f'<h2 id="channel-{html.escape(cid)}"><code>{html.escape(channel["address"])}</code>'
            f"{inbound}</h2><p>{_text(channel.get('description', ''))} Dead letters: "
            f"<code>{html.escape(channel['address'])}.dlq</code>.</p>"
        )
        parts.extend(_message(doc, cid, name) for name in channel["messages"])
    return "".join(parts)


def _nested(doc: JsonObject) -> str:
    """Structs used inside payloads (no event of their own, no envelope)."""
    schemas = doc["components"]["schemas"]
    messages = doc["components"]["messages"]
    names = [
        n
        for n in schemas
        if n not in messages and not n.endswith("Envelope") and n not in {"Envelope", "Event"}
    ]
    return "".join(
        f'<h3 id="schema-{html.escape(n)}">{html.escape(n)}</h3>'
        f"<p>{_text(schemas[n].get('description', ''))}</p>{fields_table(schemas[n])}"
        for n in names
    )


def render(doc: JsonObject) -> str:
    """The whole page for an AsyncAPI 3 document as `arcadia_contracts.asyncapi` builds it."""
    info = doc["info"]
    schemas = doc["components"]["schemas"]
    directions = _directions(doc)
    dead = doc["components"]["messages"]["DeadLetter"]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(info['title'])}: AsyncAPI</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(info['title'])}</h1>"
        f'<p class="muted">AsyncAPI {html.escape(doc["asyncapi"])}, document version '
        f'{html.escape(info["version"])}. Machine-readable: <a href="/asyncapi.json">'
        '/asyncapi.json</a>. The HTTP API: <a href="/schema">/schema</a>.</p>'
        f"<p>{_text(info.get('description', ''))}</p>"
        f"<h2>Topics</h2>{_overview(doc, directions)}"
        f'<h2 id="envelope">The envelope</h2><p>{_text(schemas["Envelope"].get("description", ""))}'
        " Every record's value is this JSON object; unknown fields are ignored.</p>"
        f"{fields_table(schemas['Envelope'])}"
        f"{_channels(doc, directions)}"
        f'<h2 id="nested">Nested types</h2>{_nested(doc)}'
        f'<h2 id="dead-letters">Dead letters</h2><p>{_text(dead["summary"])} '
        "Each topic <code>T</code> has <code>T.dlq</code>; the copy carries the original "
        f"headers plus these:</p>{headers_table(dead['headers'])}"
        "</body></html>"
    )
