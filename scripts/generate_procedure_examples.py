"""Write data/nlu/procedures_portal.yml: questions about the national portal's procedures, for the NLU.

    .venv/bin/python scripts/generate_procedure_examples.py [PORTAL_DIR]   (default ../shared/data/dvc)

The hand-written examples (data/nlu/procedures.yml) name the 30 curated procedures; citizens ask about any of the
2,642 in the portal's records, with words the model never saw ("xin giấy phép khai thác tổ yến", "sang tên sổ
đỏ"), and such questions went to out_of_scope or the fallback. This script asks, in the four styles the bot is
trained on, about procedures taken from the records' names (shortened the way people say them) and from the
vocabulary of knowledge/procedure_terms.yml (its Vietnamese and English phrases), with templates for the four
procedure intents. Names are not annotated as entities: at run time they are not in the gazetteer either, so the
model learns the question's shape around words it has not seen. Deterministic (seeded); any example close to a
held-out text (what bot.nlu.evaluation.leaked would report) is dropped, so the held-out sets stay unseen.
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.knowledge.portal import read_path  # noqa: E402
from bot.nlu.evaluation import HELDOUT_SETS, close_to_heldout, load_heldout  # noqa: E402
from bot.text import strip_diacritics  # noqa: E402

OUTPUT = ROOT / "data" / "nlu" / "procedures_portal.yml"
PER_INTENT = {"vi": 45, "no_diacritics": 35, "teencode": 35, "en": 35}
SEED = 17

TEMPLATES = {
    "ask_procedure": {
        "vi": ["Thủ tục {x} như thế nào?", "Làm {x} ở đâu?", "Hướng dẫn tôi {x}", "Muốn {x} thì phải làm sao?",
               "Các bước {x} ra sao?", "Tôi cần {x}, làm thế nào ạ?", "{X} làm ở cơ quan nào?",
               "Cho hỏi {x} nộp hồ sơ ở đâu", "{X} có làm online được không?", "Xin hỏi cách {x}"],
        "en": ["How do I {x}?", "How can I get {x}?", "Where do I apply for {x}?", "Steps for {x}",
               "What is the procedure for {x}?", "Can I do {x} online?", "I need {x}, how does it work?"],
    },
    "ask_procedure_documents": {
        "vi": ["{X} cần giấy tờ gì?", "Hồ sơ {x} gồm những gì?", "Làm {x} phải mang theo giấy tờ gì?",
               "Cần chuẩn bị hồ sơ gì để {x}?", "Thành phần hồ sơ {x} là gì?", "{X} cần mấy bản sao?"],
        "en": ["What documents do I need for {x}?", "Which papers are required for {x}?",
               "What should I bring for {x}?", "Documents for {x}?"],
    },
    "ask_procedure_fee": {
        "vi": ["Lệ phí {x} bao nhiêu?", "{X} mất bao nhiêu tiền?", "Phí {x} là bao nhiêu?",
               "{X} có mất phí không?", "Làm {x} hết bao nhiêu tiền vậy?", "Chi phí {x} thế nào?"],
        "en": ["How much does {x} cost?", "What is the fee for {x}?", "Is {x} free?", "Fee for {x}?"],
    },
    "ask_processing_time": {
        "vi": ["{X} mất bao lâu?", "Bao lâu thì có kết quả {x}?", "Thời gian giải quyết {x} là bao lâu?",
               "{X} bao nhiêu ngày thì xong?", "Nộp hồ sơ {x} mấy ngày có kết quả?", "{X} trong bao lâu?"],
        "en": ["How long does {x} take?", "How many days for {x}?", "When will I get the result of {x}?",
               "Processing time for {x}?"],
    },
}
ACTION_WORDS = {"làm", "đăng", "xin", "cấp", "đổi", "gia", "mở", "sang", "chuyển", "khai", "báo", "nhập", "tách",
                "đóng", "nộp", "thay", "sửa", "mua", "bán", "tặng", "hủy", "xóa", "thành", "giải", "kích", "tích"}
# Chat style: the abbreviations people type, applied to text without diacritics.
TEENCODE = [(" khong", " k"), ("duoc", "dc"), (" gi", " j"), ("bao nhieu", "bn"), ("nhu the nao", "ntn"),
            ("the nao", "tn"), ("lam ", "lm "), ("vay", "z"), ("ho so", "hs"), ("dang ky", "dk"),
            ("giay to", "gt"), ("thu tuc", "tt"), ("o dau", "o dau z"), (" a?", " ak?")]
# Where a name runs on, people stop: at a bracket, a comma, or the words that narrow it to a case.
CUT_AT = re.compile(r"\s*(?:\(|,|;|:| – | - | đối với | theo | trong trường hợp | tại | thực hiện | do | của )")


def spoken(name: str) -> str | None:
    """A long official name shortened the way people say it, or None when little is left."""
    name = re.sub(r"^Thủ tục\s+", "", name).strip().rstrip(".")
    words = CUT_AT.split(name, maxsplit=1)[0].split()
    if not 3 <= len(words) <= 8:  # a name cut mid-phrase reads as nobody writes
        return None
    text = " ".join(words)
    return text[0].lower() + text[1:]


def teencode(text: str) -> str:
    folded = strip_diacritics(text).lower()
    for long, short in TEENCODE:
        folded = folded.replace(long, short)
    return folded


def render(template: str, mention: str) -> str:
    return template.replace("{X}", mention[:1].upper() + mention[1:]).replace("{x}", mention)


def main() -> None:
    portal = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "dvc"
    rng = random.Random(SEED)
    names = sorted({m for p, _ in read_path(portal) if p and {"Cấp xã", "Cấp tỉnh"} & set(p.level)
                    for m in [spoken(p.name)] if m})
    terms = yaml.safe_load((ROOT / "knowledge" / "procedure_terms.yml").read_text(encoding="utf-8"))["terms"]
    said = [s for t in terms for s in t["say"] if len(s.split()) >= 2]
    # Vietnamese phrases that name something to do ("sang tên xe", "làm sổ đỏ"), not a situation ("bị trộm ví").
    vietnamese = sorted({s for s in said if strip_diacritics(s) != s and s.split()[0].lower() in ACTION_WORDS}
                        | set(names))
    english = sorted({s for s in said if s.isascii() and re.search(r"[a-z]{4,}", s) and " " in s})
    heldout = [e for path in HELDOUT_SETS.values() for e in load_heldout(ROOT / path)]

    examples: dict[str, list[str]] = {}
    for intent, by_language in TEMPLATES.items():
        chosen: list[str] = []
        for style, count in PER_INTENT.items():
            pool = english if style == "en" else vietnamese
            templates = by_language["en" if style == "en" else "vi"]
            for _ in range(count):
                text = render(rng.choice(templates), rng.choice(pool))
                if style == "no_diacritics":
                    text = strip_diacritics(text).lower()
                elif style == "teencode":
                    text = teencode(text)
                chosen.append(text)
        unique = list(dict.fromkeys(chosen))
        close = set(close_to_heldout(unique, heldout))
        examples[intent] = [t for t in unique if t not in close]
        print(f"{intent}: {len(examples[intent])} examples ({len(unique) - len(examples[intent])} dropped as close "
              "to a held-out text)")

    lines = ['version: "3.1"',
             "# Generated by scripts/generate_procedure_examples.py from the portal's procedure names and",
             "# knowledge/procedure_terms.yml: do not edit by hand, run the script again.", "nlu:"]
    for intent, texts in examples.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {t}" for t in texts)]
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
