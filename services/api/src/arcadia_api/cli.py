"""`arcadia token --tenant T [--role R ...] [--sub S] [--ttl SECONDS]`: a token for the local stack."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from arcadia_api.config import ApiSettings
from arcadia_api.http.tokens import TENANT_ID, issue_token

ROLE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="arcadia", description="Arcadia Cloud developer tools")
    commands = root.add_subparsers(dest="command", required=True)
    token = commands.add_parser(
        "token",
        help="print a bearer token the local gateway accepts",
        description="Signs with the gateway's settings (ARCADIA_API_JWT_*): the same claims as "
        "the identity app's tokens (sub, tenant_id, roles, iss, aud, iat, exp, jti).",
    )
    token.add_argument("--tenant", required=True, help="tenant_id claim")
    token.add_argument(
        "--role",
        action="append",
        dest="roles",
        metavar="ROLE",
        help="role slug, repeatable (default: admin); operators: platform-admin",
    )
    token.add_argument("--sub", default="arcadia-cli", help="subject (default: arcadia-cli)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.add_argument(
        "--private-key", type=Path, help="PEM private key, when the gateway is set up for RS256"
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if TENANT_ID.fullmatch(args.tenant) is None:
        print(f"arcadia: {args.tenant!r} is not a valid tenant id", file=sys.stderr)
        return 2
    if args.ttl <= 0:
        print("arcadia: --ttl must be positive", file=sys.stderr)
        return 2
    roles: list[str] = args.roles or ["admin"]
    for role in roles:
        if ROLE_SLUG.fullmatch(role) is None:
            print(
                f"arcadia: warning: {role!r} is not a hyphenated role slug; the gateway will not"
                " treat it as any known role (the operator role is platform-admin)",
                file=sys.stderr,
            )
    settings = ApiSettings()
    private_key = args.private_key.read_text() if args.private_key else None
    try:
        token = issue_token(
            settings,
            tenant_id=args.tenant,
            roles=roles,
            sub=args.sub,
            ttl_s=args.ttl,
            private_key=private_key,
        )
    except ValueError as exc:
        print(f"arcadia: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
