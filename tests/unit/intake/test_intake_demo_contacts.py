"""The demo organisation gives every employee contact details intake accepts as they are, so ``make run``
participants can be reached (example.com addresses only)."""

from __future__ import annotations

from services.intake.domain.participants import clean_contact
from shared.demo import generate_cohort, generate_organisation


def test_every_demo_employee_has_a_unique_example_com_address_intake_accepts_unchanged():
    org = generate_organisation(7, 2000)
    contacts = [org.contact_of(e["employee_id"]) for e in org.employees]
    emails = [c["email"] for c in contacts]
    assert len(set(emails)) == len(emails)
    assert all(email.endswith("@example.com") for email in emails)
    assert all(clean_contact(contact) == contact for contact in contacts)
    first = org.employees[0]
    first_name, last_name = first["name"].lower().split()
    assert org.contact_of(first["employee_id"])["email"] == f"{first_name}.{last_name}@example.com"
    assert {c["locale"] for c in contacts} >= {"en", "pt-PT", "de"}


def test_demo_contacts_are_deterministic_and_stay_out_of_the_cohort_payloads():
    first, second = generate_organisation(3, 300), generate_organisation(3, 300)
    assert [first.contact_of(e["employee_id"]) for e in first.employees] == [
        second.contact_of(e["employee_id"]) for e in second.employees
    ]
    cohort = generate_cohort(first, "prog", leaders=5, juniors=5, seed=3)
    assert not {"display_name", "email", "locale"} & {key for p in cohort for key in p}
