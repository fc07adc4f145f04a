"""Which fact an "I do not know" answer was about, and which knowledge file and field would answer it."""
from __future__ import annotations

from dataclasses import dataclass

NOT_UNDERSTOOD, OUT_OF_SCOPE = "not_understood", "out_of_scope"


@dataclass(frozen=True)
class FactKind:
    key: str
    label: str  # for staff, Vietnamese first
    file: str | None  # under knowledge/
    field: str | None
    per_record: bool  # the field belongs to the site or procedure the question was about


KINDS = {kind.key: kind for kind in (
    FactKind("site_hours", "Giờ mở cửa di tích (site opening hours)", "sites.yml", "opening_hours", True),
    FactKind("site_fee", "Giá vé di tích (site entry fee)", "sites.yml", "entry_fee", True),
    FactKind("museum_hours", "Giờ mở cửa bảo tàng (museum opening hours)", "museum.yml", "opening_hours", False),
    FactKind("museum_fee", "Giá vé bảo tàng (museum ticket prices)", "museum.yml", "ticket_types", False),
    FactKind("procedure_documents", "Giấy tờ của thủ tục (procedure documents)", "procedures.yml", "documents",
             True),
    FactKind("procedure_fee", "Lệ phí thủ tục (procedure fee)", "procedures.yml", "fee", True),
    FactKind("procedure_time", "Thời hạn giải quyết (processing time)", "procedures.yml", "processing_time", True),
    FactKind("unknown_site", "Di tích chưa có (site not in the files)", "sites.yml", "aliases, or a new record",
             False),
    FactKind("unknown_procedure", "Thủ tục chưa có (procedure not in the files)", "procedures.yml",
             "aliases, or a new record", False),
    FactKind("cancellation_rule", "Quy định hủy vé (cancellation rule)", "museum.yml", "cancellation_rule", False),
    FactKind(NOT_UNDERSTOOD, "Chưa hiểu câu hỏi (not understood)", None, None, False),
    FactKind(OUT_OF_SCOPE, "Ngoài phạm vi của bot (out of scope)", None, None, False),
)}

# The action that answered, for the response every procedure fact shares.
_PROCEDURE_FACTS = {"action_procedure_documents": "procedure_documents", "action_procedure_fee": "procedure_fee",
                    "action_processing_time": "procedure_time"}


def fact_kind(unknown_response: str | None, answer: str | None, subject: str | None, museum_id: str | None) -> str:
    """The kind of fact a turn the bot could not answer was about (NOT_UNDERSTOOD for a fallback)."""
    about_museum = museum_id is not None and subject == f"site:{museum_id}"
    if unknown_response == "utter_place_hours_unknown":
        return "museum_hours" if about_museum else "site_hours"
    if unknown_response == "utter_place_fee_unknown":
        return "museum_fee" if about_museum else "site_fee"
    if unknown_response == "utter_procedure_fact_unknown":
        return _PROCEDURE_FACTS.get(answer or "", "procedure_documents")
    return {"utter_place_unknown": "unknown_site", "utter_procedure_unknown": "unknown_procedure",
            "utter_cancellation_rule_unknown": "cancellation_rule"}.get(unknown_response or "", NOT_UNDERSTOOD)


def knowledge_link(kind: str, subject: str | None) -> str | None:
    """Where staff would write the answer: `knowledge/<file>`, the record when the question named one, and the
    field; None when no knowledge file answers it (a question the bot did not understand)."""
    fact = KINDS[kind]
    if fact.file is None:
        return None
    record = subject.split(":", 1)[1] if fact.per_record and subject and ":" in subject else None
    return " › ".join(part for part in (f"knowledge/{fact.file}", f"id: {record}" if record else None, fact.field)
                      if part)
