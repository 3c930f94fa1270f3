"""Where the bench finds the CSV columns; the importer itself lives in intake's domain."""

from services.intake.domain.importer import COLUMNS

__all__ = ["COLUMNS"]
