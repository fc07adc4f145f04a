"""How the words of an English question are read (issue 17): the countries that say a foreigner."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.retrieval import _FOREIGN_FORMS, Vocabulary
from bot.language import VIETNAMESE_SYLLABLES
from bot.text import TEENCODE

_COUNTRIES = ["England", "Britain", "the United Kingdom", "the USA", "America", "the United States", "Japan", "Korea",
              "China", "Taiwan", "France", "Germany", "Australia", "Russia", "Thailand", "India", "Italy",
              "the Netherlands", "Sweden", "Spain", "the Philippines", "Malaysia", "Indonesia", "Cambodia", "Europe",
              "New Zealand", "Brazil", "Mexico", "the UK", "the U.S."]


@settings(deadline=None, max_examples=40)
@given(country=st.sampled_from(_COUNTRIES),
       question=st.sampled_from(["I have a driving licence from {}. How do I convert it?",
                                 "my husband is from {} and we want to register our marriage",
                                 "I moved here from {} and need a work permit"]))
def test_a_country_named_in_english_says_a_foreigner(country, question):
    # "I have a UK driving licence": the licence of a foreigner, as "người Anh" or "British" says.
    assert "nước ngoài" in Vocabulary([]).read(question.format(country)).meanings


@given(question=st.sampled_from(["uk minh biet roi, dang ky ket hon o dau", "uk, con toi di lao dong o tinh",
                                 "cho em hoi thu tuc cho lao dong tu do", "us nay lam the nao"]))
def test_vietnamese_chat_says_no_foreigner_in_words_spelled_like_a_country(question):
    # Lower-case "uk" is chat for "ừ", "lao" the Vietnamese word (not "Laos"), "us" no country.
    assert "nước ngoài" not in Vocabulary([]).read(question).meanings


def test_no_foreign_word_is_read_like_a_vietnamese_syllable():
    single = {form for form in _FOREIGN_FORMS if " " not in form}
    assert not single & (VIETNAMESE_SYLLABLES | set(TEENCODE))


@settings(deadline=None, max_examples=30)
@given(married=st.sampled_from(["I'm married to a Vietnamese citizen", "I am married to a Vietnamese woman",
                                "I got married to a Vietnamese man last year", "I plan to marry a Vietnamese nurse",
                                "My wife is Vietnamese", "my husband is Vietnamese and we live in Ha Long",
                                "Our family: my spouse is Vietnamese"]),
       asked=st.sampled_from(["how do I get a residence card?", "which visa should I apply for?",
                              "can I stay longer?"]))
def test_one_married_to_a_vietnamese_is_a_foreigner_asking(married, asked):
    # Whoever is married to a Vietnamese says so because they are not one: the foreigners' version is meant.
    assert "nước ngoài" in Vocabulary([]).read(f"{married}, {asked}").meanings


@given(question=st.sampled_from(["My Vietnamese wife's birth certificate has a typo", "we are Vietnamese and married",
                                 "my Vietnamese husband lost his ID card"]))
def test_a_vietnamese_spouse_named_alone_says_no_foreigner(question):
    # Her own papers are a Vietnamese citizen's: nothing says the asker's, or the procedure's, foreign element.
    assert "nước ngoài" not in Vocabulary([]).read(question).meanings
