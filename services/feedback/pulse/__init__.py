"""The anonymous psychological-safety pulse and its escalation.

How an answer stays unlinkable to the person who gave it (every join path we know of):

- Ids. A ballot holds its answers and, when the pulse has a breakdown, a coarse group; no participant id,
  no employee id, no time. Its only id is 128 random bits (``secrets``), never an ObjectId (which encodes
  its creation second). The "has answered" marker (``pulse_markers``, key ``<pulse_id>|<participant_id>``)
  holds no ballot id once the answer is written, so no key or value is shared between the two.
- Insertion order. Ballots are not documents of their own (a natural-order scan of two collections would
  pair the n-th marker with the n-th ballot): all ballots of a pulse live in ONE ballot-box document,
  and every answer rewrites the box reshuffled with the OS's random source (a compare-and-set on the
  box's version; ``$position`` is not honoured by every Mongo-wire server), so a ballot's place says
  nothing of when it came.
- Times and counters. Nothing of a ballot has a time; the box has a version counter and the pulse a
  close time, both shared by all ballots. Markers carry no time either.
- Quasi-identifiers. A ballot's group is the respondent's department only when, at the pulse's creation,
  at least k eligible people were in it; else ``other``. A small department would name its members.
- Outbox, events, logs and metrics. ``PulseClosed`` carries only an aggregate the k rule released;
  ``PulseEscalated`` ids of the recipients only. ``pulse_responses_total`` has no labels. Nothing here
  logs, and the chassis logs no request or event bodies (only route, status and ids).
- Escalations name the person on purpose (they ask to be contacted) and live in their own collection with
  their own random id; they name the program, not the pulse, and no ballot.

Release rules: figures only once the pulse is closed (by the scheduler at ``closes_at`` or by an admin),
and only with at least k ballots (k per program, at least 3, fixed when the pulse is created and only ever
raised); below k nothing — not even the count. A breakdown is shown only when every group and its
complement hold at least k ballots; otherwise it is suppressed whole.

Write order of an answer (no multi-document transactions): (1) the marker, pending, holding a random
ballot id and escalation id; (2) the ballot under that id, idempotently (a ballot id already in the box is
not cast again); (3) the escalation under its id, idempotently; (4) the marker finished, dropping both ids.
A second answer finds a finished marker: 409. A crash anywhere leaves a pending marker; the same person's
retry finishes the SAME answer (reusing the ids), so nobody answers twice and nothing is lost as long as
they retry while the pulse is open. The price: from (1) to (4) — milliseconds, or after a crash until the
retry or the pulse's close, which strips the ids from every pending marker — a pending marker and its
ballot share a random id. We chose that short window over the alternatives: marker-after-ballot lets a
crash count someone twice, and marker-first without ids loses the answer of anyone a crash interrupts.
"""

from services.feedback.pulse.queries import released_aggregates

__all__ = ["released_aggregates"]
