"""``python -m services.intake api|worker``."""

from shared.runtime import main

main("intake")
