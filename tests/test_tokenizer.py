"""The Vietnamese tokenizer: pyvi words, offsets into the user's text, folded lemmas."""
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import VietnameseTokenizer, segment


def tokenize(text: str):
    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())
    return tokenizer.tokenize(Message(data={"text": text}), "text")


def test_compound_words_are_one_token_with_offsets_into_the_text():
    text = "Bảo tàng Quảng Ninh mở cửa mấy giờ?"
    tokens = tokenize(text)
    assert [t.text for t in tokens][:3] == ["Bảo tàng", "Quảng Ninh", "mở cửa"]
    for token in tokens:
        assert text[token.start:token.end] == token.text


def test_lemmas_are_the_same_with_and_without_diacritics():
    with_accents = " ".join(t.lemma for t in tokenize("vé bảo tàng bao nhiêu tiền"))
    without = " ".join(t.lemma for t in tokenize("ve bao tang bao nhieu tien"))
    assert with_accents == without == "ve bao tang bao nhieu tien"


def test_teencode_lemmas_are_expanded():
    assert [t.lemma for t in tokenize("dk tam tru ko")] == ["dang ky", "tam", "tru", "khong"]


def test_punctuation_is_dropped_and_emoji_only_text_still_has_a_token():
    assert [t.text for t in tokenize("chào bạn !!!")] == ["chào", "bạn"]
    assert len(tokenize("🙂🙂")) == 1


def test_only_the_first_characters_of_a_huge_message_are_analysed():
    tokens = tokenize("xin chào " * 5000)
    assert tokens[-1].end <= 1000


def test_segment_survives_text_pyvi_rewrites():
    words = segment("giá vé là 40.000đ (người lớn)...")
    assert all(w for w, _, _ in words)
