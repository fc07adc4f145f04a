"""Long procedure guides are cut into pages of whole steps behind a "xem thêm" button; a typed page is checked."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from actions.procedures import STEPS_PAGE_CHARS, requested_page, step_pages
from tests.actions.conftest import make_tracker

steps_lists = st.lists(st.text(alphabet="abc đêô ", min_size=1, max_size=700).map(str.strip).filter(bool),
                       min_size=1, max_size=30)


@given(steps_lists)
def test_every_step_is_on_exactly_one_page_in_order_and_pages_fit_unless_one_step_is_longer(steps):
    pages = step_pages(tuple(steps))
    lines = [line for page in pages for line in page.split("\n")]
    assert lines == [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    assert all(len(page) <= STEPS_PAGE_CHARS or "\n" not in page for page in pages)


@given(st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 20).map(str)))
def test_a_page_asked_for_is_taken_only_when_it_exists(value):
    entities = [] if value is None else [{"entity": "procedure_page", "value": value}]
    page = requested_page(make_tracker("", "ask_procedure", entities=entities), pages=3)
    assert 1 <= page <= 3  # never a page that does not exist, whatever is typed
    if value in ("1", "2", "3"):
        assert page == int(value)
    elif value is None or not any(ch.isdigit() for ch in value):
        assert page == 1
