"""The bot answers in the language the user writes."""
import pytest

from bot.language import detect_language


@pytest.mark.parametrize("text", ["chào bạn", "vé bảo tàng bao nhiêu?", "ve bao tang bao nhieu tien",
                                  "dk tam tru ko", "cam on ban nhe", "toi muon gap nhan vien",
                                  "ban la nguoi hay may"])
def test_vietnamese_with_or_without_accents(text):
    assert detect_language(text) == "vi"


@pytest.mark.parametrize("text", ["hello", "what can you do?", "where is the museum",
                                  "how much is a ticket", "thank you so much", "are you a bot",
                                  "I want to talk to a human"])
def test_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["ok", "QN8K2P", "123", "!!!", ""])
def test_messages_that_do_not_tell_keep_the_conversation_language(text):
    assert detect_language(text) is None
