"""The one normalisation function: every spelling of the same words compares equal."""
import unicodedata

import pytest

from bot.text import canonical, clean_user_text, fold, has_vietnamese_diacritics


@pytest.mark.parametrize("variant", ["Đền Cửa Ông", "den cua ong", "ĐỀN CỬA ÔNG", "Đền  Cửa Ông!",
                                     unicodedata.normalize("NFD", "Đền Cửa Ông")])
def test_spellings_of_a_name_fold_to_the_same_form(variant):
    assert fold(variant) == "den cua ong"


def test_teencode_expands_to_the_words_it_stands_for():
    assert canonical("dk tam tru ko") == canonical("đăng ký tạm trú không") == "dang ky tam tru khong"
    assert canonical("vé bn tiền z") == "ve bao nhieu tien vay"


def test_place_names_that_look_like_teencode_are_left_alone():
    # "Hồng Gai" must not become "không Gai".
    assert canonical("Hồng Gai") == "hong gai"


def test_diacritics_detection():
    assert has_vietnamese_diacritics("chào bạn")
    assert has_vietnamese_diacritics("đi")
    assert not has_vietnamese_diacritics("chao ban")


def test_a_huge_message_is_cut_and_cleaned():
    text = clean_user_text("xin\u0000chào   " + "a" * 20000, max_chars=1000)
    assert len(text) == 1000 and text.startswith("xin chào a")
