"""Input channels: how messages reach Rasa and replies reach users (REST, Telegram, Zalo)."""
