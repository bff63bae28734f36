"""``geo-service users``: add users, grant roles, make API tokens (issue 12). Every change is audited."""

from __future__ import annotations

import sys

import click

from geo_service.access import audit, oidc_accounts
from geo_service.access import service as access
from geo_service.cli.context import cli_actor, database
from geo_service.db.repositories import users as users_repo

ROLE = click.Choice(access.ROLES)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users() -> None:
    """Users, roles (editor, approver, admin) and API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Name shown in pages and the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--no-password", is_flag=True, help="No password (API tokens only).")
def add(username: str, display_name: str, password_stdin: bool, no_password: bool) -> None:
    """Add a user (the password is asked for, or read with --password-stdin)."""
    password = None if no_password else _password(password_stdin)
    db = database()
    try:
        with db.connection() as conn:
            uid = access.add_user(conn, username, display_name, password)
            audit.record(conn, cli_actor(), "user.add", "user", uid, None, {"username": username.lower()})
    finally:
        db.close()
    click.echo(f"Added user {username.lower()} (id {uid}).")


@users.command("list")
def list_() -> None:
    """Users with their roles."""
    db = database()
    try:
        with db.connection() as conn:
            rows = users_repo.list_users(conn)
    finally:
        db.close()
    for r in rows:
        state = " (disabled)" if r["disabled"] else ""
        click.echo(f"{r['username']}\t{r['display_name']}\t{', '.join(r['roles']) or '-'}{state}")


def _role_change(username: str, role: str, commissioner: str | None, grant: bool) -> None:
    db = database()
    try:
        with db.connection() as conn:
            changed = (access.grant if grant else access.revoke)(conn, username, role, commissioner)
            if changed:
                entry = {"role": role, "commissioner": commissioner or "*"}
                before, after = (None, entry) if grant else (entry, None)
                audit.record(conn, cli_actor(), f"role.{'grant' if grant else 'revoke'}", "user", username,
                             before, after)  # fmt: skip
    finally:
        db.close()
    where = f" for {commissioner}" if commissioner else " everywhere"
    verb = ("granted" if grant else "revoked") if changed else ("already had" if grant else "did not have")
    click.echo(f"{username}: {verb} {role}{where}.")


@users.command("grant")
@click.argument("username")
@click.argument("role", type=ROLE)
@click.option("--commissioner", default=None, help="Limit the role to one commissioner code (e.g. 99J).")
def grant(username: str, role: str, commissioner: str | None) -> None:
    """Give a user a role (approvers: per commissioner area with --commissioner)."""
    _role_change(username, role, commissioner, True)


@users.command("revoke")
@click.argument("username")
@click.argument("role", type=ROLE)
@click.option("--commissioner", default=None)
def revoke(username: str, role: str, commissioner: str | None) -> None:
    """Take a role away."""
    _role_change(username, role, commissioner, False)


@users.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the user again.")
def disable(username: str, enable: bool) -> None:
    """Disable a user: sign-in and their API tokens stop working."""
    db = database()
    try:
        with db.connection() as conn:
            access.disable(conn, username, not enable)
            audit.record(conn, cli_actor(), "user.enable" if enable else "user.disable", "user", username,
                         None, {"disabled": not enable})  # fmt: skip
    finally:
        db.close()
    click.echo(f"{username}: {'enabled' if enable else 'disabled'}.")


@users.command("link-oidc")
@click.argument("username")
@click.argument("subject")
@click.option("--issuer", envvar="GEO_OIDC_ISSUER", required=True,
              help="The provider's issuer URL (default: GEO_OIDC_ISSUER).")  # fmt: skip
def link_oidc(username: str, subject: str, issuer: str) -> None:
    """Link a user to the identity provider's subject (its 'sub' claim): they then sign in with the provider.
    With GEO_OIDC_ACCOUNTS=existing, only linked identities may sign in (issue 26)."""
    db = database()
    try:
        with db.connection() as conn:
            uid = oidc_accounts.link(conn, username, issuer, subject)
            audit.record(conn, cli_actor(), "user.link_oidc", "user", uid, None,
                         {"username": username, "issuer": issuer.rstrip("/"), "subject": subject})  # fmt: skip
    finally:
        db.close()
    click.echo(f"{username}: linked to {subject} at {issuer.rstrip('/')}.")


@users.group("token")
def token() -> None:
    """API tokens (sent as 'Authorization: Bearer <token>')."""


@token.command("create")
@click.argument("username")
@click.option("--label", default="api", help="What the token is for.")
def token_create(username: str, label: str) -> None:
    """Make a token and print it once: only its hash is kept."""
    db = database()
    try:
        with db.connection() as conn:
            token_id, value = access.create_token(conn, username, label)
            audit.record(conn, cli_actor(), "token.create", "api_token", token_id, None,
                         {"user": username, "label": label})  # fmt: skip
    finally:
        db.close()
    click.echo(f"Token {token_id} for {username} ({label}); shown once, keep it safe:", err=True)
    click.echo(value)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    db = database()
    try:
        with db.connection() as conn:
            done = access.revoke_token(conn, token_id)
            if done:
                audit.record(conn, cli_actor(), "token.revoke", "api_token", token_id, None, {"revoked": True})
    finally:
        db.close()
    click.echo(f"Token {token_id} {'revoked' if done else 'was not live (unknown or already revoked)'}.")
