"""Abbreviations of chat read as the words they stand for, among the portal's 2,642 records (issue 17): "stk" is a
bank account number (số tài khoản), which the name of the procedure says in full."""
from __future__ import annotations

import pytest

from bot.lexicon import read_in_full
from tests.knowledge.conftest import code_found as found


def test_stk_is_read_as_a_bank_account_number():
    assert read_in_full("doi stk ngan hang") == "doi so tai khoan ngan hang"


@pytest.mark.parametrize("question", [
    "cty đổi stk ngân hàng có phải thông báo cho thuế không",
    "doi stk ngan hang thi bao co quan thue the nao",
    "hộ kd thay đổi stk nhận tiền thì báo thuế ntn",
])
def test_a_changed_bank_account_number_is_notified_to_the_tax_office(portal, question):
    assert found(portal, question) == "1.009825"
