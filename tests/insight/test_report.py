"""What staff read on the page, from turns as Rasa's events make them: which questions went unanswered and where
the answer belongs, the figures per day and channel, bookings; visitors' texts escaped and masked."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.db import get_engine
from bot.insight.bookings import bookings_per_day
from bot.insight.page import render_page, unanswered_csv
from bot.insight.report import Period, read_report
from bot.insight.turns import FALLBACK, UNKNOWN, TurnAssembler, create_table, save_turns, turns_of
from bot.insight.unanswered import UnansweredQuestion, group_unanswered
from bot.schema import migrate
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine

VIETNAM = timezone(timedelta(hours=7))
NOON = datetime(2026, 3, 10, 12, tzinfo=VIETNAM).timestamp()


def turn(text: str, intent: str, action: str, response: str | None = None, slot: tuple | None = None,
         at: float = NOON, took: float = 0.2, confidence: float = 0.9) -> list[dict]:
    """The events Rasa stores for one message and the bot's answer."""
    ranking = [{"name": intent, "confidence": confidence}]
    if intent == "nlu_fallback":
        ranking = [{"name": "nlu_fallback", "confidence": 0.55}, {"name": "ask_place_info", "confidence": confidence}]
    events = [UserUttered(text, {"name": intent, "confidence": confidence}, timestamp=at, input_channel="rest",
                          parse_data={"text": text, "intent": {"name": intent, "confidence": confidence},
                                      "intent_ranking": ranking, "entities": []}),
              ActionExecuted(action, timestamp=at + 0.05)]
    if response:
        events.append(BotUttered("...", metadata={"utter_action": response}, timestamp=at + 0.1))
    if slot:
        events.append(SlotSet(*slot, timestamp=at + 0.1))
    events.append(ActionExecuted("action_listen", timestamp=at + took))
    return [event.as_dict() for event in events]


def test_a_turn_says_whether_and_what_the_bot_could_not_answer():
    unknown, fallback, answered = turns_of("telegram-42", [
        *turn("Yên Tử mấy giờ mở cửa?", "ask_opening_hours", "action_opening_hours", "utter_place_hours_unknown",
              ("place_id", "yen-tu"), took=0.3),
        *turn("gọi cho tôi 0912 345 678 nhé", "nlu_fallback", "action_two_stage_fallback"),
        *turn("/affirm", "affirm", "action_two_stage_fallback")])
    assert (unknown.outcome, unknown.answer, unknown.subject, unknown.channel) == \
        (UNKNOWN, "action_opening_hours", "site:yen-tu", "telegram")
    assert unknown.response_seconds == 0.3 and unknown.text == "Yên Tử mấy giờ mở cửa?"
    assert fallback.outcome == FALLBACK and fallback.text == "gọi cho tôi ••• nhé"
    assert fallback.confidence == 0.9  # the best real intent's, not the fallback threshold
    assert answered.outcome == "answered" and answered.text is None  # a button pressed in the clarification


def test_turns_are_put_together_from_interleaved_conversations():
    assembler = TurnAssembler()
    first = turn("xin chào", "greet", "utter_greet")
    second = turn("giới thiệu Yên Tử", "ask_place_info", "action_place_info", slot=("place_id", "yen-tu"))
    done = []
    for a, b in zip(first, second + [{}] * (len(first) - len(second))):
        for sender, event in (("a", a), ("b", b)):
            if event and (made := assembler.add({"sender_id": sender, **event})):
                done.append((made.sender_id, made.intent))
    for event in second[len(first):]:
        if made := assembler.add({"sender_id": "b", **event}):
            done.append((made.sender_id, made.intent))
    assert sorted(done) == [("a", "greet"), ("b", "ask_place_info")]


def test_unanswered_questions_are_grouped_with_where_the_answer_belongs():
    questions = [UnansweredQuestion("site_hours", "site:yen-tu", text) for text in
                 ("Yên Tử mấy giờ mở cửa?", "yen tu mo cua luc may gio", "Yên Tử mấy giờ mở cửa?")]
    questions += [UnansweredQuestion("procedure_fee", "procedure:cap-ho-chieu", "làm hộ chiếu hết bao nhiêu tiền")]
    questions += [UnansweredQuestion("not_understood", None, text) for text in
                  ("thời tiết hôm nay thế nào", "thoi tiet hom nay the nao", "Thời tiết hôm nay thế nào?",
                   "có chỗ gửi xe máy không")]
    groups = group_unanswered(questions)
    assert [(g.count, g.example, g.link) for g in groups] == [
        (3, "Yên Tử mấy giờ mở cửa?", "knowledge/sites.yml › id: yen-tu › opening_hours"),
        (3, "thời tiết hôm nay thế nào", None),
        (1, "có chỗ gửi xe máy không", None),
        (1, "làm hộ chiếu hết bao nhiêu tiền", "knowledge/procedures.yml › id: cap-ho-chieu › fee")]


def seeded_conversations(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    create_table(engine)
    day = 86400
    events = {
        "telegram-1": [*turn("xin chào", "greet", "utter_greet", took=0.1),
                       *turn("Yên Tử mấy giờ mở cửa", "ask_opening_hours", "action_opening_hours",
                             "utter_place_hours_unknown", ("place_id", "yen-tu"), took=0.5)],
        "web-1": [*turn("<script>alert(1)</script> số 0987654321", "nlu_fallback", "action_two_stage_fallback",
                        took=0.3)],
        "web-2": [*turn("giới thiệu Yên Tử", "ask_place_info", "action_place_info", slot=("place_id", "yen-tu"),
                        at=NOON - day, took=0.2, confidence=0.42)],
        "web-old": [*turn("xin chào", "greet", "utter_greet", at=NOON - 30 * day)],
    }
    with engine.begin() as connection:
        for sender, stored in events.items():
            save_turns(connection, turns_of(sender, stored))
    return engine


def test_the_report_counts_per_day_and_channel(tmp_path):
    engine = seeded_conversations(tmp_path)
    period = Period(date(2026, 3, 9), date(2026, 3, 10))
    report = read_report(engine, period)
    assert report.messages_per_day == {date(2026, 3, 9): 1, date(2026, 3, 10): 3}
    assert report.conversations_per_day == {date(2026, 3, 9): 1, date(2026, 3, 10): 2}
    assert (report.messages, report.conversations, report.fallbacks) == (4, 3, 1)
    assert report.unknown_per_kind == {"Giờ mở cửa di tích (site opening hours)": 1}
    assert report.top_subjects == [("yen-tu", 2)]  # its id: this report was read without the knowledge base
    assert dict(report.top_intents) == {"greet": 1, "ask_opening_hours": 1, "nlu_fallback": 1, "ask_place_info": 1}
    assert report.response_p50 == 0.3 and report.response_p95 == 0.5
    assert report.confidence_bins[4] == 1 and sum(report.confidence_bins) == 4
    assert report.channels == ["rest", "telegram"]
    telegram = read_report(engine, period, "telegram")
    assert (telegram.messages, telegram.fallbacks, len(telegram.unanswered)) == (2, 0, 1)


def test_the_page_and_the_export_show_visitors_text_escaped_and_masked(tmp_path):
    report = read_report(seeded_conversations(tmp_path), Period(date(2026, 3, 9), date(2026, 3, 10)))
    page = render_page(report, "plotly.min.js", "unanswered.csv")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; số •••" in page
    assert "0987654321" not in page
    assert 'id="fallback-rate">25.0%<' in page and "knowledge/sites.yml › id: yen-tu › opening_hours" in page
    rows = list(csv.DictReader(io.StringIO(unanswered_csv(report))))
    assert {(row["count"], row["knowledge"]) for row in rows} == {
        ("1", "knowledge/sites.yml › id: yen-tu › opening_hours"), ("1", "")}


def test_bookings_per_day_counts_made_cancelled_and_never_shows_who(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'tickets.db'}")
    migrate(engine)
    repository = BookingRepository(engine)
    made_at = datetime(2026, 3, 10, 1, tzinfo=timezone.utc)  # 08:00 in Vietnam
    for n, sender in enumerate(("telegram-1", "web-1", "web-2")):
        repository.book(BookingRequest(f"k{n}", sender, date(2026, 3, 20), "08:00-10:00",
                                       (TicketLine("adult", 2, 40000),), "Nguyễn Văn A", "0912345678", "counter"),
                        50, now=made_at)
    code = repository.for_sender("web-2")[0].code
    repository.cancel(code, "web-2", now=made_at + timedelta(days=1))
    days = bookings_per_day(engine, Period(date(2026, 3, 10), date(2026, 3, 11)))
    assert [(d.made, d.cancelled, d.paid) for d in days] == [(3, 0, 0), (0, 1, 0)]
    telegram = bookings_per_day(engine, Period(date(2026, 3, 10), date(2026, 3, 11)), "telegram")
    assert [d.made for d in telegram] == [1, 0]


def test_a_finished_day_counted_once_still_takes_a_turn_that_arrives_late(tmp_path):
    engine = seeded_conversations(tmp_path)
    period = Period(date(2026, 3, 10), date(2026, 3, 10))
    assert read_report(engine, period).messages == 3  # counted, and kept: the day is over
    late = turns_of("zalo-9", turn("giá vàng hôm nay", "out_of_scope", "utter_out_of_scope", took=0.1))
    with engine.begin() as connection:
        save_turns(connection, late)  # a consumer catching up with RabbitMQ
    report = read_report(engine, period)
    assert report.messages == 4 and "zalo" in report.channels
    assert [(g.kind, g.example) for g in report.unanswered if g.kind == "out_of_scope"] == [
        ("out_of_scope", "giá vàng hôm nay")]


def test_the_turn_writer_counts_a_day_once_it_is_finished(tmp_path):
    from bot.conversations.store import conversations_engine
    from bot.insight.broker import TurnWriter
    from bot.insight.turns import conversation_days

    writer = TurnWriter(conversations_engine(f"sqlite:///{tmp_path / 'turns.db'}"))
    day = 86400
    for at in (NOON - 2 * day, NOON):  # 8 March, then 10 March: 8 March is finished now
        writer.write_now(turns_of("web-1", turn("xin chào", "greet", "utter_greet", at=at)))
    writer.close()
    with writer.engine.connect() as connection:
        kept = connection.execute(conversation_days.select()).all()
    assert [(row.day, row.channel) for row in kept] == [("2026-03-08", "rest")]
