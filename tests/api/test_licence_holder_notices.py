"""Renewal reminders to licence holders (issue #23 §4 "validity and renewal reminders"): the daily reminder
run texts the holder through the bureau's gateway once per licence period, from
``licence_holder_notice_days`` before the last day to apply for renewal; a gateway that refuses gets the
notice again on the next run. The gateway is a real HTTP server started here (reminders_support)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from licence_support import body, licensed_neighbour, seed
from reminders_support import fake_gateway
from sqlalchemy import select

from api.licensing.services.holder_notices import WIRE_KIND
from api.models import HolderNotice, Licence, LicenceApplication
from api.office.services import reminders
from api.platform.services.notifiers import WebhookNotifier


def _setting(key: str) -> int:
    return int(seed("ref_settings.csv", key=key, province_code="")[0]["value"])


def _licensed(client: TestClient, as_user: Any) -> tuple[str, date]:
    """A licence issued through the whole path: its number and last valid day."""
    li = as_user("li")
    number = licensed_neighbour(client, li, as_user("head"), li)
    licence = client.get(f"/licensing/licences/{number}", headers=li).json()
    return number, date.fromisoformat(licence["valid_to"])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_holder_is_texted_once_per_period_and_again_after_a_refusal(
    app: Any, client: TestClient, as_user: Any, backend: str
) -> None:
    number, valid_to = _licensed(client, as_user)
    last_day = valid_to - timedelta(days=_setting("licence_renewal_notice_days"))
    first_day = last_day - timedelta(days=_setting("licence_holder_notice_days"))
    phone = body("x", (0.0, 0.0))["applicant_phone"]

    with fake_gateway() as gateway:
        notifier = WebhookNotifier(gateway.url, "test-secret", attempts=1, backoff_seconds=0)

        def run(day: date) -> tuple[reminders.RunReport, list[dict[str, Any]]]:
            before = len(gateway.received)
            report = reminders.run(app.state.sessionmaker, day, [notifier])
            texts = [p for p in gateway.payloads()[before:] if p["kind"] == WIRE_KIND]
            return report, texts

        report, texts = run(first_day - timedelta(days=1))  # not yet in the window
        assert (report.holders.written, texts) == (0, [])

        gateway.fail_next = 10  # the gateway is down on the first day: the notice is kept
        report, texts = run(first_day)
        assert report.holders.written == 1 and len(texts) == 1 and len(report.holders.failed) == 1
        text = texts[0]
        assert (text["to"], text["licence_no"]) == (phone, number)
        assert valid_to.isoformat() in text["body"] and last_day.isoformat() in text["body"]
        gateway.fail_next = 0

        report, texts = run(first_day + timedelta(days=1))  # sent again, not written again
        assert (report.holders.written, report.holders.delivered, len(texts)) == (0, 1, 1)
        assert texts[0]["message_id"] == text["message_id"]

        report, texts = run(first_day + timedelta(days=2))  # delivered: never again this period
        assert (report.holders.written, texts) == (0, [])

    with app.state.sessionmaker() as session:
        notices = session.scalars(select(HolderNotice)).all()
    assert [(n.licence_no, n.valid_to, n.attempts, n.delivered_at is not None) for n in notices] == [
        (number, valid_to, 2, True)
    ]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_renewal_under_way_or_no_phone_means_no_text(
    app: Any, client: TestClient, as_user: Any, backend: str
) -> None:
    li = as_user("li")
    number, valid_to = _licensed(client, as_user)
    day = valid_to - timedelta(days=_setting("licence_renewal_notice_days"))  # the last day to apply

    with app.state.sessionmaker() as session:  # a register without a contact phone
        lic = session.get(Licence, number)
        assert lic is not None
        application = session.get(LicenceApplication, lic.application_id)
        assert application is not None
        application.applicant_phone = None
        session.commit()
    report = reminders.run(app.state.sessionmaker, day, [])
    assert (report.holders.written, report.holders.without_phone) == (0, [number])

    renewal = body("中牟县青年路1号", (34.76, 113.62), name="王五") | {
        "kind": "renewal",
        "licence_no": number,
    }
    assert client.post("/licensing/applications", json=renewal, headers=li).status_code == 201
    report = reminders.run(app.state.sessionmaker, day, [])
    assert (report.holders.written, report.holders.without_phone) == (0, [])
