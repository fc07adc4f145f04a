"""The runtime's settings are read once, and read again when the environment changes."""
import pytest

from bot.settings import SettingsError, current_settings, current_vnpay_settings, current_zalo_settings


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


def test_the_telegram_push_refuses_a_placeholder_token(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "changeme")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/")
    settings = current_settings()
    assert settings.telegram_api_base_url == "http://127.0.0.1:9"
    with pytest.raises(SettingsError):
        settings.telegram_push_token()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:token-for-the-push")
    assert current_settings().telegram_push_token() == "123456:token-for-the-push"


def test_zalo_settings_are_read_once_and_refused_until_complete(monkeypatch):
    for name in ("ZALO_APP_SECRET", "ZALO_OA_REFRESH_TOKEN"):
        monkeypatch.setenv(name, "")  # overrides a developer's .env too
    monkeypatch.setenv("ZALO_APP_ID", "")
    with pytest.raises(SettingsError):
        current_zalo_settings()
    monkeypatch.setenv("ZALO_APP_ID", "1234")
    monkeypatch.setenv("ZALO_OA_SECRET_KEY", "oa-secret-key-1234")
    monkeypatch.setenv("ZALO_OA_ACCESS_TOKEN", "access-token-1234")
    assert current_zalo_settings() is current_zalo_settings()
    assert current_zalo_settings().app_id == "1234"


def test_vnpay_settings_are_none_until_complete_and_then_read_once(monkeypatch):
    monkeypatch.setenv("QN_VNPAY_TMN_CODE", "")  # overrides a developer's .env too
    assert current_vnpay_settings() is None
    monkeypatch.setenv("QN_VNPAY_TMN_CODE", "TESTTMN1")
    monkeypatch.setenv("QN_VNPAY_HASH_SECRET", "vnpay-hash-secret-0123456789")
    monkeypatch.setenv("QN_VNPAY_RETURN_URL", "https://bot.example/webhooks/vnpay/return")
    assert current_vnpay_settings() is current_vnpay_settings()
    assert current_vnpay_settings().tmn_code == "TESTTMN1"
