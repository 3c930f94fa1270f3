"""Contract tests of intake's store ports, one abstract class per port: subclassed with the in-memory stores
here (unit) and with the Mongo ones on FerretDB (tests/integration/intake/test_intake_stores.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.contracts.types import OrgChartEmployeeUpserted, ProgramCreated

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
PROGRAM = {
    "program_id": "p1",
    "name": "Digital leaders",
    "status": "closed",
    "focus_areas": ["ai-tools"],
    "custom_focus_areas": [],
    "starts_on": "2027-01-11",
    "ends_on": "2027-06-30",
    "admins": ["E1"],
    "rules": {},
}


def participant(participant_id: str, employee_id: str | None, program_id: str = "p1") -> dict:
    return {
        "participant_id": participant_id,
        "program_id": program_id,
        "employee_id": employee_id,
        "role": "leader",
        "level": 10,
        "timezone": "UTC",
        "languages": ["en"],
        "consent": {"matching": True, "data_processing": True},
        "status": "enrolled",
    }


def line(employee: str, manager: str) -> OrgChartEmployeeUpserted:
    return OrgChartEmployeeUpserted(employee, {"employee_id": employee, "manager_id": manager})


class ProgramRepositoryContract:
    """Subclasses provide ``uow``: an empty intake unit of work."""

    def test_programs_are_found_by_status_a_page_at_a_time_in_id_order(self, uow):
        for key, status in (("p2", "closed"), ("p1", "closed"), ("p3", "draft")):
            record = {**PROGRAM, "program_id": key, "status": status}
            assert uow.programs.insert(key, record, [ProgramCreated(key, record)])
        records, total = uow.programs.find("closed", 0, 1)
        assert total == 2 and [r["program_id"] for r in records] == ["p1"]
        assert {v.record["program_id"] for v in uow.programs.with_status("closed")} == {"p1", "p2"}
        assert uow.programs.find(None, 0, 10)[1] == 3

    def test_a_recent_read_sees_this_process_s_own_save_at_once(self, uow):
        uow.programs.insert("p1", dict(PROGRAM), [])
        assert uow.programs.load_recent("p1").record["name"] == "Digital leaders"
        uow.programs.save("p1", {**PROGRAM, "name": "Renamed"}, 1)
        assert uow.programs.load_recent("p1") == uow.programs.load("p1")
        assert uow.programs.load_recent("missing") is None


class ParticipantRepositoryContract:
    def test_an_employee_enrols_once_per_program_but_in_several_programs(self, uow):
        assert uow.participants.insert("a", participant("a", "E1"))
        assert not uow.participants.insert("b", participant("b", "E1"))
        assert uow.participants.insert("c", participant("c", "E1", program_id="p2"))
        assert uow.participants.load("b") is None

    def test_an_erased_participant_frees_the_enrolment_and_keeps_no_key_of_its_own(self, uow):
        uow.participants.insert("a", participant("a", "E1"))
        uow.participants.save("a", {**participant("a", None), "status": "erased"}, 1)
        assert uow.participants.insert("b", participant("b", "E1"))
        assert set(uow.participants.load("a").record) == set(participant("a", None))

    def test_participants_are_listed_by_program_and_found_by_filters(self, uow):
        for key, employee, program in (("b", "E2", "p1"), ("a", "E1", "p1"), ("c", "E3", "p2")):
            uow.participants.insert(key, participant(key, employee, program))
        assert {v.record["participant_id"] for v in uow.participants.in_program("p1")} == {"a", "b"}
        records, total = uow.participants.find({"program_id": "p1", "role": "leader"}, 1, 5)
        assert total == 2 and [r["participant_id"] for r in records] == ["b"]
        assert "enrolment_key" not in records[0]

    def test_a_bulk_write_reports_a_duplicate_enrolment_and_writes_the_rest(self, uow):
        from shared.versioned import Insert

        uow.participants.insert("a", participant("a", "E1"))
        failed = uow.participants.bulk(
            [Insert("b", participant("b", "E1")), Insert("c", participant("c", "E2"))], []
        )
        assert failed == {"b"} and uow.participants.load("c") is not None


class OrgChartRepositoryContract:
    def pending_orgchart_events(self, uow) -> list:
        """The org chart's events not relayed yet (each store keeps them its own way)."""
        raise NotImplementedError

    def test_the_latest_line_wins_whatever_the_order_and_a_repeat_writes_nothing(self, uow):
        chart = uow.orgchart
        assert chart.set_line("E1", "M2", [line("E1", "M2")], T0 + timedelta(hours=1))
        assert not chart.set_line("E1", "M1", [line("E1", "M1")], T0)
        assert not chart.set_line("E1", "M2", [line("E1", "M2")], T0 + timedelta(hours=2))
        assert chart.load(["E1"]) == {"E1": "M2"}

    def test_lines_set_together_have_the_outcome_of_one_after_another_and_keep_their_events(self, uow):
        chart, hour = uow.orgchart, timedelta(hours=1)
        assert chart.set_line("E1", "M1", [line("E1", "M1")], T0)
        lines = [
            ("E1", "M1", [line("E1", "M1")], T0 + hour),  # the same line
            ("E1", "M2", [line("E1", "M2")], T0 + 3 * hour),  # changed
            ("E1", "M3", [line("E1", "M3")], T0 + 2 * hour),  # older than M2: ignored
            ("E.2", "M1", [line("E.2", "M1")], T0),  # new, its bucket written with E1's or on its own
            ("E1", "M1", [line("E1", "M1")], T0 + 4 * hour),  # back to the first line, later
        ]
        assert chart.set_lines(lines) == [False, True, False, True, True]
        assert chart.load() == {"E1": "M1", "E.2": "M1"}
        assert chart.set_lines(lines) == [False, False, False, False, False]  # redelivered: nothing changes
        pending = [(e.subject, e.data["manager_id"]) for e in self.pending_orgchart_events(uow)]
        assert [p for p in pending if p[0] == "E1"] == [("E1", "M1"), ("E1", "M2"), ("E1", "M1")]
        assert [p for p in pending if p[0] == "E.2"] == [("E.2", "M1")]

    def test_a_write_sets_and_removes_lines_and_loads_by_employee(self, uow):
        chart = uow.orgchart
        chart.write({"E1": "M1", "E.2": None}, [], [line("E1", "M1")], T0)
        chart.write({"E3": "E1"}, ["E.2"], [line("E3", "E1")], T0)
        assert chart.load() == {"E1": "M1", "E3": "E1"}
        assert chart.load(["E3", "nobody"]) == {"E3": "E1"}

    def test_the_last_whole_upload_only_moves_forward(self, uow):
        assert uow.orgchart.last_whole_upload() is None
        uow.orgchart.mark_whole_upload(T0 + timedelta(days=1))
        uow.orgchart.mark_whole_upload(T0)
        assert uow.orgchart.last_whole_upload() == T0 + timedelta(days=1)
