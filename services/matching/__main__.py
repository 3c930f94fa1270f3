"""``python -m services.matching api|worker``."""

from shared.runtime import main

main("matching")
