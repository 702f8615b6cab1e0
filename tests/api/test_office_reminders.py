"""Reminders (issue #17): the daily digest and due-soon notice written as in-app messages and copied to a
webhook received by a real fake gateway — payloads and signatures checked with an HMAC computed here, each
user's messages only about their unit subtree, nothing sent twice, a failing gateway loses nothing."""

from __future__ import annotations

import csv
import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from office_support import deviation_case
from reminders_support import fake_gateway
from sqlalchemy import func, select

from api.models import Message, MessageDelivery, User
from api.office.services import reminders
from api.platform.services.notifiers import WebhookNotifier
from zhifa.clock import LOCAL, today
from zhifa.settings import SEEDS_DIR

SECRET = "gateway-shared-secret"


def setting(key: str) -> int:
    with (SEEDS_DIR / "ref_settings.csv").open(encoding="utf-8") as f:
        return int(next(r["value"] for r in csv.DictReader(f) if r["key"] == key and not r["province_code"]))


def notifier(url: str, attempts: int = 3) -> WebhookNotifier:
    return WebhookNotifier(url, SECRET, timeout_seconds=5, attempts=attempts, backoff_seconds=0)


def filing_due(client: TestClient, h: dict[str, str], case_id: str) -> date:
    discovered = datetime.fromisoformat(client.get(f"/cases/{case_id}", headers=h).json()["discovered_at"])
    return discovered.astimezone(LOCAL).date() + timedelta(days=setting("filing_days_after_discovery"))


def messages_of(app: Any) -> dict[tuple[str, str], Message]:
    with app.state.sessionmaker() as s:
        rows = s.execute(select(User.username, Message).join(User, User.id == Message.user_id)).tuples()
        return {(name, m.kind): m for name, m in rows}


def world(client: TestClient, as_user: Any) -> dict[str, tuple[str, date]]:
    """Three cases of Zhongmou county (410122) and one of Kaifeng (410200), each with a pending deviation:
    overdue, due soon and not due soon (filed: its next step is 90 days off)."""
    li, kf = as_user("li"), as_user("kaifeng")
    filing = setting("filing_days_after_discovery")
    late = deviation_case(client, li, days_ago=filing + 3)["case_id"]
    soon = deviation_case(client, li)["case_id"]
    filed = deviation_case(client, li)["case_id"]
    a = client.post(f"/cases/{filed}/approvals", json={"kind": "filing"}, headers=li).json()
    r = client.post(
        f"/approvals/{a['approval_id']}/decision", json={"outcome": "approved"}, headers=as_user("head")
    )
    assert r.status_code == 200, r.text
    other = deviation_case(
        client, kf, days_ago=filing + 1, officers=[{"officer_id": "O410200001", "role": "lead"}]
    )["case_id"]
    return {
        "late": (late, filing_due(client, li, late)),
        "soon": (soon, filing_due(client, li, soon)),
        "other": (other, filing_due(client, kf, other)),
        "filed": (filed, date.max),
    }


def test_digest_and_due_soon_per_user_scope_signed_once(app: Any, client: TestClient, as_user: Any) -> None:
    cases = world(client, as_user)
    on, window = today(), setting("deadline_due_soon_days")
    late, soon, other = cases["late"], cases["soon"], cases["other"]
    assert (late[1] - on).days < 0 <= (soon[1] - on).days <= window and (other[1] - on).days < 0
    with fake_gateway() as gw:
        first = reminders.run(app.state.sessionmaker, on, [notifier(gw.url)])
        got = messages_of(app)
        # the county's officer, approver and the city's manager see the county; Kaifeng only its own
        for who in ("li", "head", "cityboss"):
            digest = got[(who, "digest")].payload
            assert [i["case_id"] for i in digest["overdue"]] == [late[0]], who
            assert digest["counts"]["overdue"] == 1 and digest["counts"]["deadlines"] == 2, who
            items = got[(who, "due_soon")].payload["items"]
            assert [(i["case_id"], i["due_on"], i["days_left"]) for i in items] == [
                (soon[0], soon[1].isoformat(), (soon[1] - on).days)
            ], who
        assert got[("head", "digest")].payload["counts"]["approvals"] == 3  # the county's three deviations
        assert got[("li", "digest")].payload["counts"]["approvals"] == 0  # never his own requests
        assert [i["case_id"] for i in got[("kaifeng", "digest")].payload["overdue"]] == [other[0]]
        assert ("kaifeng", "due_soon") not in got
        assert got[("kaifeng", "digest")].payload["counts"]["approvals"] == 0  # his own request
        admin = got[("admin", "digest")].payload
        assert sorted(i["case_id"] for i in admin["overdue"]) == sorted([late[0], other[0]])
        for (who, _), m in got.items():  # nobody below the province reads of the other city's case
            assert who == "admin" or (other[0] in str(m.payload)) == (who == "kaifeng"), who
        assert not any(cases["filed"][0] in m.body for m in got.values())

        # every message once on the wire, signed over timestamp.body with the shared secret
        assert first.written == len(got) == len(gw.received) == first.delivered and first.failed == []
        by_id = {m.message_id: (who, m) for (who, _), m in got.items()}
        for headers, body in gw.received:
            expected = hmac.new(
                SECRET.encode(), headers["x-zhifa-timestamp"].encode() + b"." + body, hashlib.sha256
            )
            assert headers["x-zhifa-signature"] == "sha256=" + expected.hexdigest()
        payloads = gw.payloads()
        assert sorted(p["message_id"] for p in payloads) == sorted(by_id)
        for p in payloads:
            who, m = by_id[p["message_id"]]
            assert (p["user"], p["kind"], p["day"], p["title"]) == (who, m.kind, on.isoformat(), m.title)
        kf = next(p for p in payloads if p["user"] == "kaifeng")
        assert late[0] not in str(kf) and soon[0] not in str(kf)

        # the job again the same day: nothing new written, nothing sent
        again = reminders.run(app.state.sessionmaker, on, [notifier(gw.url)])
        assert (again.written, again.delivered, again.already) == (0, 0, len(got))
        assert len(gw.received) == len(got)


def test_failing_gateway_keeps_the_message_and_records_retries(
    app: Any, client: TestClient, as_user: Any
) -> None:
    world(client, as_user)
    on = today()
    with fake_gateway() as gw:
        gw.fail_next = 10**6
        report = reminders.run(app.state.sessionmaker, on, [notifier(gw.url, attempts=3)])
        count = len(messages_of(app))
        assert count > 0 and report.written == count and report.delivered == 0
        assert len(report.failed) == count and len(gw.received) == 3 * count
        with app.state.sessionmaker() as s:
            attempts = s.execute(
                select(MessageDelivery.attempt, MessageDelivery.ok, MessageDelivery.status_code)
            ).all()
        assert sorted(attempts) == sorted((n, False, 503) for n in (1, 2, 3) for _ in range(count))
        # the in-app message is there for its reader meanwhile
        body = client.get("/messages", headers=as_user("li")).json()
        assert body["unread"] == 2 and {m["kind"] for m in body["messages"]} == {"digest", "due_soon"}

        gw.fail_next, sent_before = 1, len(gw.received)  # the gateway recovers after one more refusal
        retry = reminders.run(app.state.sessionmaker, on, [notifier(gw.url)])
        assert (retry.written, retry.delivered, retry.failed) == (0, count, [])
        assert len(gw.received) == sent_before + count + 1
        delivered = [p["message_id"] for p in gw.payloads()[sent_before + 1 :]]
        assert sorted(delivered) == sorted({p["message_id"] for p in gw.payloads()})  # each once, none lost
        assert reminders.run(app.state.sessionmaker, on, [notifier(gw.url)]).delivered == 0


def test_unreachable_gateway_records_the_error(app: Any, client: TestClient, as_user: Any) -> None:
    world(client, as_user)
    with fake_gateway() as gw:
        url = gw.url
    report = reminders.run(app.state.sessionmaker, today(), [notifier(url, attempts=2)])  # server gone
    assert report.delivered == 0 and len(report.failed) == report.written > 0
    with app.state.sessionmaker() as s:
        errors = s.scalars(select(MessageDelivery.error)).all()
        assert len(errors) == 2 * report.written and all(e and "Connect" in e for e in errors)
        assert s.scalar(select(func.count()).select_from(Message)) == report.written


def test_messages_are_the_callers_own(app: Any, client: TestClient, as_user: Any) -> None:
    world(client, as_user)
    reminders.run(app.state.sessionmaker, today(), [])
    li, head = as_user("li"), as_user("head")
    mine = client.get("/messages", headers=li).json()
    assert mine["unread"] == 2 and len(mine["messages"]) == 2
    theirs = client.get("/messages", headers=head).json()["messages"][0]["message_id"]
    r = client.post(f"/messages/{theirs}/read", headers=li)
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    assert client.post("/messages/999999/read", headers=li).json() == r.json()  # looks like a missing one
    first = mine["messages"][0]["message_id"]
    r = client.post(f"/messages/{first}/read", headers=li)
    assert r.status_code == 200 and r.json()["read_at"]
    again = client.post(f"/messages/{first}/read", headers=li).json()
    assert again["read_at"] == r.json()["read_at"]  # reading twice keeps the first time
    assert client.get("/messages", headers=li).json()["unread"] == 1
    assert (
        client.get("/messages", params={"unread_only": True}, headers=li).json()["messages"][0]["message_id"]
        != first
    )
    assert client.post("/messages/read-all", headers=li).json()["unread"] == 0
    assert client.get("/messages", headers=head).json()["unread"] == 2  # head's untouched
    assert client.get("/messages").status_code == 401
    assert client.post("/messages/0/read", headers=li).status_code == 422


def test_the_dagster_job_runs_the_same_once_a_day(
    app: Any, client: TestClient, as_user: Any, backend: str
) -> None:
    from dagster_defs import defs
    from dagster_defs.reminders import reminders_job

    if backend != "sqlite":
        pytest.skip("the job only opens the store by URL: one backend shows it")
    world(client, as_user)
    schedule = defs.get_repository_def().get_schedule_def("daily_reminders")
    assert schedule.execution_timezone == "Asia/Shanghai" and schedule.job_name == "reminders_job"
    config = {"ops": {"send_reminders": {"config": {"database_url": str(app.state.engine.url)}}}}
    first = reminders_job.execute_in_process(run_config=config)
    again = reminders_job.execute_in_process(run_config=config)
    written: list[Any] = [
        e.event_specific_data.metadata["written"].value  # type: ignore[union-attr]
        for r in (first, again)
        for e in r.all_events
        if e.event_type_value == "STEP_OUTPUT"
    ]
    assert written == [len(messages_of(app)), 0] and written[0] > 0


def test_the_webhook_needs_its_secret() -> None:
    from api.core.config import NotifySettings
    from api.core.errors import Misconfigured
    from api.platform.services.notifiers import configured

    assert configured(NotifySettings(webhook_url=None)) == []  # in-app only
    with pytest.raises(Misconfigured):
        configured(NotifySettings(webhook_url="http://127.0.0.1:9/hook", webhook_secret=None))
    [hook] = configured(
        NotifySettings(webhook_url="http://127.0.0.1:9/hook", webhook_secret="s", webhook_attempts=4)
    )
    assert (hook.channel, hook.attempts) == ("webhook", 4)
