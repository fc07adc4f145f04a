"""The runtime's settings are read once, and read again when the environment changes."""
from bot.settings import current_settings


def test_the_same_environment_gives_the_same_settings_object():
    assert current_settings() is current_settings()


def test_a_changed_environment_is_read_again(monkeypatch):
    monkeypatch.setenv("QN_MAX_MESSAGE_CHARS", "321")
    first = current_settings()
    assert first.max_message_chars == 321
    monkeypatch.setenv("QN_MAX_MESSAGE_CHARS", "654")
    assert current_settings().max_message_chars == 654


def test_the_rest_channel_sees_the_telegram_token(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:token-for-the-bridge")
    assert current_settings().telegram_bot_token == "123456:token-for-the-bridge"
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert current_settings().telegram_bot_token == ""
