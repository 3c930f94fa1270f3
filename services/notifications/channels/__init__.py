"""The channels that reach people and systems outside the service: e-mail, chat, webhooks."""
