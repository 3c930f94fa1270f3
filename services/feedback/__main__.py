"""``python -m services.feedback api|worker``."""

from shared.runtime import main

main("feedback")
