"""``python -m services.notifications api|worker``."""

from shared.runtime import main

main("notifications")
