"""Messages typed with the letters' shapes but no tone mark ("gplx bi mât", "muôn câp sô"), a keyboard that drops tones
(issue 17): read as typed without diacritics, so search finds what the same message typed bare finds."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import strip_diacritics, without_toneless_marks
from tests.knowledge.conftest import code_found

TONES = "\u0301\u0300\u0309\u0303\u0323"


def toneless(text: str) -> str:
    """Text as a keyboard dropping tones types it: "mất" -> "mât", "cấp sổ" -> "câp sô"."""
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", text) if ch not in TONES))


QUESTIONS = [
    "giấy phép lái xe bị mất, muốn xin cấp lại thì làm sao",
    "đăng ký hộ kinh doanh bán hàng ăn hết bao nhiêu tiền",
    "muốn cấp đổi sổ đỏ theo diện tích mới sau khi đo lại đất",
    "thẻ bảo hiểm y tế bị sai tên, xin đổi lại ở đâu",
    "hợp tác xã không hoạt động được nữa thì giải thể thế nào",
]


@given(st.sampled_from(QUESTIONS))
def test_a_message_without_any_tone_mark_reads_as_typed_bare(question):
    assert without_toneless_marks(toneless(question)) == strip_diacritics(toneless(question))


@given(st.text(alphabet="aăâeêioôơuưyđ ", min_size=1, max_size=40))
def test_a_message_with_a_tone_mark_stays_as_typed(words):
    message = f"đăng ký {words}"  # "ký" carries one
    assert without_toneless_marks(message) == message


@pytest.mark.parametrize("message", ["Ông", "đi đâu", "hello world, how are you", "tam tru online"])
def test_short_or_bare_messages_stay_as_typed(message):
    assert without_toneless_marks(message) == message


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(QUESTIONS))
def test_search_finds_for_a_toneless_message_what_it_finds_typed_bare(portal, question):
    assert code_found(portal, toneless(question)) == code_found(portal, strip_diacritics(question))


@pytest.mark.parametrize("message, code", [
    ("bang lai o to bi mât, muôn xin câp lai thi lm sao", "3.000348"),  # Cấp lại giấy phép lái xe
    ("muôn đăng ky hô kinh doanh ban hang ăn thi lm sao", "1.001612"),  # Đăng ký thành lập hộ kinh doanh
])
def test_a_toneless_message_finds_the_procedure(portal, message, code):
    assert code_found(portal, message) == code
