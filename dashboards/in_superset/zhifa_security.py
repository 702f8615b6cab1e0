"""Runs inside Superset's own virtualenv (imports superset, never zhifa): the sign-in handed over by the
platform and the sync of its users into Superset's accounts, roles and row-level security.

- ``ZhifaSecurityManager`` (``CUSTOM_SECURITY_MANAGER`` in superset_config.py) adds ``/zhifa/sso/``: a
  short-lived token signed by the platform API (HS256, key ``ZHIFA_DASHBOARDS_SSO_KEY``) logs its user in
  and redirects to a path on this server. Only accounts the sync created are accepted, and only while
  active; FAB's session loader also drops a user who was disabled after signing in.
- ``python zhifa_security.py sync`` reads the accounts as JSON on stdin (see ``dashboards/access.py``)
  and makes Superset match: users created, re-roled or disabled; one role per unit scope, each with a
  row-level-security filter on every dataset of the snapshot database (and one more per further unit
  column a dataset has, e.g. the second case of a similar-case pair).
"""

from __future__ import annotations

import json
import sys
from typing import Any

SYNC_MAIL_DOMAIN = "sync.zhifa.invalid"  # marks the accounts this module owns; others are left alone
DATA_ROLE = "zhifa_dashboards"  # may read the snapshot database (the datasets' rows, after RLS)
BASE_ROLE = "Gamma"  # Superset's read-only role: dashboards and charts, no SQL Lab
SCOPE_PREFIX = "zhifa_scope_"  # one role per unit scope, named after the scope key
AUDIENCE = "zhifa-dashboards"
LEEWAY_S = 5


def _owned(user: Any) -> bool:
    return bool(user is not None and (user.email or "").endswith("@" + SYNC_MAIL_DOMAIN))


def security_manager_class() -> type:
    import os

    import jwt
    from flask import abort, redirect, request
    from flask_appbuilder import BaseView, expose
    from flask_login import login_user
    from superset.security import SupersetSecurityManager

    class SsoView(BaseView):
        route_base = "/zhifa"
        default_view = "sso"

        @expose("/sso/")
        def sso(self) -> Any:
            key = os.environ.get("ZHIFA_DASHBOARDS_SSO_KEY", "")
            token = request.args.get("token", "")
            target = request.args.get("next", "/superset/welcome/")
            # a path on this server only: no redirect to another host
            if not target.startswith("/") or target.startswith("//") or "\\" in target:
                target = "/superset/welcome/"
            if not key or not token:
                abort(401)
            try:
                claims = jwt.decode(
                    token, key, algorithms=["HS256"], audience=AUDIENCE, leeway=LEEWAY_S,
                    options={"require": ["sub", "exp", "aud"]},
                )  # fmt: skip
            except jwt.PyJWTError:
                abort(401)
            user = self.appbuilder.sm.find_user(username=str(claims["sub"]))
            if not _owned(user) or not user.is_active:
                abort(401)
            login_user(user, remember=False)
            return redirect(target)

    class ZhifaSecurityManager(SupersetSecurityManager):
        def register_views(self) -> None:
            super().register_views()
            self.appbuilder.add_view_no_menu(SsoView())

    return ZhifaSecurityManager


def sync(payload: dict[str, Any]) -> dict[str, Any]:
    """Make Superset's accounts, scope roles and RLS filters match ``payload`` (app context needed)."""
    from superset import db
    from superset import security_manager as sm
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.core import Database

    database = db.session.query(Database).filter_by(database_name=payload["database"]).one_or_none()
    if database is None:
        raise SystemExit(f"no database {payload['database']!r}: import the dashboards first")
    data_role = sm.find_role(DATA_ROLE) or sm.add_role(DATA_ROLE)
    access = sm.find_permission_view_menu("database_access", database.perm)
    if access is None:
        sm.add_permission_view_menu("database_access", database.perm)
        access = sm.find_permission_view_menu("database_access", database.perm)
    sm.add_permission_role(data_role, access)
    base_role = sm.find_role(BASE_ROLE)
    tables = db.session.query(SqlaTable).filter_by(database_id=database.id).all()

    by_name = {t.table_name: t for t in tables}
    scope_roles: dict[str, Any] = {}
    for spec in payload["filters"]:
        role_name = SCOPE_PREFIX + spec["scope"]
        role = scope_roles.get(spec["scope"]) or sm.find_role(role_name) or sm.add_role(role_name)
        scope_roles[spec["scope"]] = role
        name = SCOPE_PREFIX + spec["name"]
        rls = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
        if rls is None:
            rls = RowLevelSecurityFilter(name=name, filter_type="Regular")
            db.session.add(rls)
        rls.description = "zhifa: rows of this unit scope only (written by zhifa dashboards sync-users)"
        rls.clause = spec["clause"]
        rls.roles = [role]
        # no list: every dataset of the database, those imported later included at the next sync
        rls.tables = list(tables) if spec["tables"] is None else [by_name[t] for t in spec["tables"]]
    report: dict[str, Any] = {"created": [], "updated": [], "disabled": [], "skipped": []}
    wanted = set()
    for account in payload["accounts"]:
        username = account["username"]
        wanted.add(username)
        roles = [r for r in (base_role, data_role, scope_roles.get(account["scope"] or "")) if r is not None]
        user = sm.find_user(username=username)
        if user is not None and not _owned(user):
            report["skipped"].append(username)  # a Superset-local account (the bootstrap admin)
            continue
        if user is None:
            user = sm.add_user(
                username, account["display_name"], "", f"{username}@{SYNC_MAIL_DOMAIN}", roles
            )  # no password: signing in is through the platform's token only
            if not user:
                raise SystemExit(f"could not create the Superset user {username!r}")
            report["created"].append(username)
        elif {r.name for r in user.roles} != {r.name for r in roles} or user.active != account["active"]:
            report["updated"].append(username)
        user.roles = roles
        user.active = bool(account["active"])
        user.first_name = account["display_name"]
        if not user.active:
            report["disabled"].append(username)
    # an owned account whose platform user is gone is disabled, never left able to sign in
    for user in db.session.query(sm.user_model).all():
        if _owned(user) and user.username not in wanted and user.active:
            user.active = False
            report["disabled"].append(user.username)
    db.session.commit()
    report["tables"] = len(tables)
    report["scopes"] = len(scope_roles)
    return report


def main() -> None:
    if sys.argv[1:] != ["sync"]:
        raise SystemExit("usage: python zhifa_security.py sync < accounts.json")
    payload = json.load(sys.stdin)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        print(json.dumps(sync(payload), ensure_ascii=False))


if __name__ == "__main__":
    main()
