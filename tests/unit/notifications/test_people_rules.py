"""The pure rules of the people side: routing, preferences and their times across DST, template rendering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifications.domain import preferences as prefs
from services.notifications.domain import rendering
from services.notifications.domain.routing import HR_INBOX, ROUTES, TEMPLATE_NAMES, match_reasons, routes_for
from shared.contracts import types as t
from shared.errors import InvalidInput

PROGRAM = {"admins": ["A1", "A2"]}
PAIRING = {"pairing_id": "pr-1", "program_id": "prog-1", "leader_id": "L1", "junior_id": "J1"}
PARIS = prefs.zone("Europe/Paris")


@pytest.mark.parametrize("locale", prefs.SUPPORTED_LOCALES)
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_each_template_renders_its_sample_in_each_locale(name, locale):
    rendered = rendering.render(name, locale, rendering.sample(name))
    assert rendered.subject and rendered.text.strip() and f'<html lang="{locale}">' in rendered.html
    if name.startswith("chat_"):  # a program's shared channel: never a person's name
        assert "Camille Dupont" not in rendered.text + rendered.subject
    else:
        assert "Camille Dupont" in rendered.text


def test_every_template_on_disk_is_one_a_route_may_name():
    assert set(rendering.template_names()) == set(TEMPLATE_NAMES)


def test_html_is_escaped_and_text_is_not():
    data = {**rendering.sample("pairing_accepted"), "partner_name": "<script>x</script> & co"}
    rendered = rendering.render("pairing_accepted", "en", data)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>x</script> & co" in rendered.text


def test_an_undefined_variable_fails_naming_the_template_file_and_line():
    data = {k: v for k, v in rendering.sample("checkin_due").items() if k != "weeks_without"}
    with pytest.raises(rendering.TemplateFailure) as failure:
        rendering.render("checkin_due", "fr", data)
    assert failure.value.template == "checkin_due" and failure.value.file == "checkin_due.txt.j2"
    assert failure.value.line == 4 and "weeks_without" in failure.value.detail


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    for locale in ("en",):
        (tmp_path / locale).mkdir()
        (tmp_path / locale / "broken.subject.j2").write_text("Hi\n{% if %}\n")
    with pytest.raises(rendering.TemplateFailure) as failure:
        rendering.render("broken", "en", {}, root=tmp_path)
    assert (failure.value.file, failure.value.line) == ("broken.subject.j2", 2)


def test_why_they_were_matched_names_the_strongest_non_zero_components_first():
    scores = {"topic_fit": 0.4, "reverse_fit": 0.9, "availability": 0.4, "language": 0, "focus": 0.1}
    assert match_reasons(scores) == ["reverse_fit", "topic_fit", "availability"]
    assert match_reasons(None) == []


def test_an_escalation_to_admins_names_only_them_and_one_to_hr_only_the_hr_inbox():
    admin = {"escalation_id": "x", "program_id": "p", "route": "admin", "recipient_ids": ["A2"]}
    assert [r.audience.employee_id for r in routes_for(t.PulseEscalated, admin, PROGRAM)] == ["A2"]
    hr = {**admin, "route": "hr", "recipient_ids": ["A2"]}
    (route,) = routes_for(t.PulseEscalated, hr, PROGRAM)
    assert route.audience.employee_id == HR_INBOX and route.audience.participant_id is None


def test_no_feedback_route_reaches_a_leader_except_reminders_to_both_sides():
    leader_facing = {
        kind.type
        for kind, route in ROUTES.items()
        if kind.topic == t.PulseEscalated.topic
        for r in route(
            {
                **PAIRING,
                "escalation_id": "x",
                "route": "admin",
                "recipient_ids": [],
                "due_on": "d",
                "weeks_without": 1,
                "survey_id": "s",
                "kind": "midpoint",
                "insight_id": "i",
                "area": "a",
                "reason": "r",
                "pulse_id": "p",
                "released": False,
                "status": "x",
                "k": 5,
            },
            PROGRAM,
        )
        if r.audience.participant_id == "L1"
    }
    assert leader_facing == {t.CheckInDue.type, t.SurveyDue.type}


def test_insight_acted_upon_tells_only_the_junior_and_at_risk_only_the_admins():
    insight = {**PAIRING, "insight_id": "i", "area": "tiktok", "status": "acted_upon"}
    assert [r.audience.participant_id for r in routes_for(t.InsightActedUpon, insight, PROGRAM)] == ["J1"]
    risk = {**PAIRING, "reason": "low_health"}
    assert [r.audience.employee_id for r in routes_for(t.PairingAtRisk, risk, PROGRAM)] == ["A1", "A2"]


def test_quiet_hours_end_at_local_wall_time_across_the_spring_dst_change():
    quiet = prefs.QuietHours(
        datetime.strptime("22:00", "%H:%M").time(), datetime.strptime("07:00", "%H:%M").time()
    )
    before_change = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 CET, the night clocks go forward
    assert prefs.deliver_at(before_change, quiet, PARIS) == datetime(2026, 3, 29, 5, tzinfo=UTC)  # 07:00 CEST
    autumn = datetime(2026, 10, 24, 21, 30, tzinfo=UTC)  # 23:30 CEST, the night clocks go back
    assert prefs.deliver_at(autumn, quiet, PARIS) == datetime(2026, 10, 25, 6, tzinfo=UTC)  # 07:00 CET
    daytime = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert prefs.deliver_at(daytime, quiet, PARIS) == daytime


def test_the_digest_goes_at_the_next_local_morning_across_dst():
    assert prefs.next_digest_at(datetime(2026, 3, 28, 9, tzinfo=UTC), 8, PARIS) == datetime(
        2026, 3, 29, 6, tzinfo=UTC
    )
    assert prefs.next_digest_at(datetime(2026, 3, 28, 6, tzinfo=UTC), 8, PARIS) == datetime(
        2026, 3, 28, 7, tzinfo=UTC
    )


def test_switching_off_a_mandatory_category_is_refused_naming_the_field_and_changes_nothing():
    with pytest.raises(InvalidInput) as refused:
        prefs.updated(prefs.Preferences(), {"channels": {"pairing": ["in_app"], "reminders": ["in_app"]}})
    assert list(refused.value.errors) == ["channels.pairing"]
    changed = prefs.updated(prefs.Preferences(), {"channels": {"reminders": ["in_app"]}, "locale": "fr-CA"})
    assert not changed.allows("reminders", "email") and changed.allows("pairing", "email")
    assert changed.locale == "fr-CA" and prefs.choose_locale(None, changed.locale) == "fr"


def test_locale_falls_back_from_contact_to_preference_to_program_to_english():
    assert prefs.choose_locale("de-AT", "fr", "en") == "de"
    assert prefs.choose_locale(None, "fr", "de") == "fr"
    assert prefs.choose_locale("pt", None, "de") == "de"
    assert prefs.choose_locale(None, None, None) == "en"
