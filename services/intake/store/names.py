"""Intake's collections and the source its events carry, shared by the Mongo stores."""

SOURCE = "/services/intake"
PROGRAMS = "programs"
PARTICIPANTS = "participants"
ORGCHART = "orgchart"
IMPORTS = "imports"
OUTBOX_COLLECTIONS = (PROGRAMS, PARTICIPANTS, ORGCHART)
