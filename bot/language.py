"""Tell Vietnamese from English in a chat message, so the bot can answer in the user's language.

Any Vietnamese letter or tone mark settles it. Without diacritics, words are counted against two lists:
common English words, and common Vietnamese syllables and chat abbreviations as typed without accents.
Words that are both ("to", "an", "me", "ban") count for neither. A message with too little evidence
("ok", "QN8K2P") gets None, and the conversation keeps its current language.
"""
from __future__ import annotations

import re

from bot.text import TEENCODE, fold, has_vietnamese_diacritics

# "don't", "I'm", "what's", "you're": an apostrophe inside a word never happens in Vietnamese.
_ENGLISH_CONTRACTION = re.compile(r"[a-z]['’](t|s|m|re|ve|ll|d)\b", re.IGNORECASE)

ENGLISH_WORDS = frozenset("""
a about after again all also am and any anyone are around as ask at available be because been before best
book booking bot buy by can cancel cheap check child children close closed closes could cost costs day days
did do does dont english entrance entry evening every far fee fees find for free from get go going good
goodbye great guide have hello help her here hey hi his history hour hours how human i id if in info
information is it its just know let like location look many me menu more morning much museum my near need
no not now of on one online only open opening opens or other our pagoda passport people person please price
prices real register registration residence robot see should show site sites so some someone student
students talk tell temple than thank thanks that the their them there these they thing this ticket tickets
time to today tomorrow tour tourist travel up us visa visit want was we weather what when where which who
why will with without would yes you your bye cool nice sure yeah yep nope okay thx welcome morning
afternoon night sorry agent staff operator machine are real doing fine who am hotline number call phone
think yup definitely exactly alright never mind right wrong correct nothing anything something maybe
really great awesome perfect fine done leave leaving later soon bye goodnight cheers appreciate helpful
""".split())

VIETNAMESE_SYLLABLES = frozenset("""
ai anh ban bao bay be bi biet bo bon cac cach cai cam can cao cau chao chi chieu cho chu chua chuc co con
cua cuoc cung da dau day den di dia dich dinh do doi don dong du duoc duong gi gia giay gio giup gom gui
ha hai hay hen het hieu hinh ho hoi hom hon huong khach khai khi khong kia la lai lam len lich luc mai may
minh mo moi mot mua muon nam nao nay ngay nghi nghiep ngoai nguoi nhan nhe nhieu nho nhu nhung noi nua o
oi phai phi phong qua quan ra rat roi sang sao sau se so sinh sua ta tai tam tang thang the theo thi thoi
thu tien tim tin toi trong tru tu tuan tuoi ve vi viec vien voi vui xem xin xa da dang ky thuong tru tro
vang nha dung roi duoc giup ho cam vay nhe a ak ah uh ha ne nhi day kia thui
""".split()) | frozenset(TEENCODE)

# Present in both lists, or too short to mean anything on their own.
_AMBIGUOUS = (ENGLISH_WORDS & VIETNAMESE_SYLLABLES) | {"ok", "a", "o", "i"}


def detect_language(text: str) -> str | None:
    """'vi', 'en', or None when the message does not tell."""
    if has_vietnamese_diacritics(text):
        return "vi"
    if _ENGLISH_CONTRACTION.search(text):
        return "en"
    words = [w for w in fold(text).split() if w not in _AMBIGUOUS and not w.isdigit()]
    english = sum(w in ENGLISH_WORDS for w in words)
    vietnamese = sum(w in VIETNAMESE_SYLLABLES for w in words)
    if english > vietnamese:
        return "en"
    if vietnamese > english:
        return "vi"
    return None
