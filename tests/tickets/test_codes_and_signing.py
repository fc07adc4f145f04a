"""Booking codes are unambiguous; e-ticket payloads cannot be forged or altered."""
from bot.tickets.codes import ALPHABET, new_booking_code, normalise_code
from bot.tickets.signing import check_ticket, sign_ticket

SECRET = "test-secret-for-signing-0123456789"


def test_codes_avoid_look_alike_characters_and_are_read_back_however_typed():
    codes = {new_booking_code() for _ in range(2000)}
    assert len(codes) > 1990
    assert not any(set(code) & set("0O1I") for code in codes)
    assert set("".join(codes)) <= set(ALPHABET)
    assert all(any(c.isdigit() for c in code) and any(c.isalpha() for c in code) for code in codes)
    assert normalise_code("THUONG") is None  # a word is not a code
    assert normalise_code(" qn8k2p ") == "QN8K2P" and normalise_code("QN8-K2P") == "QN8K2P"
    assert normalise_code("QN0K2P") is None and normalise_code("ab") is None


def test_a_genuine_ticket_passes_and_forged_or_altered_ones_fail():
    payload = sign_ticket("QN8K2P", SECRET)
    assert check_ticket(payload, SECRET).code == "QN8K2P"
    altered = payload.replace("QN8K2P", "QN8K2Q")
    assert check_ticket(altered, SECRET).problem == "signature"
    assert check_ticket(payload, "another-secret-entirely-0123456789").problem == "signature"
    assert check_ticket("QN8K2P", SECRET).problem == "format"
    assert check_ticket(payload[:-1] + ("A" if payload[-1] != "A" else "B"), SECRET).problem == "signature"
