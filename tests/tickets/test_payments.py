"""Only a genuine VNPAY callback for the right amount marks a booking paid."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from bot.db import get_engine
from bot.schema import migrate
from bot.tickets.payments import (
    CounterPayment,
    VnpayGateway,
    configured_gateway,
    handle_vnpay_ipn,
    vnpay_signature,
)
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine

GATEWAY = VnpayGateway("TESTTMN1", "TESTSECRETTESTSECRETTESTSECRET12", "https://bot.example/return")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def test_the_signature_is_hmac_sha512_of_the_sorted_url_encoded_query():
    params = {"vnp_TxnRef": "QN8K2P", "vnp_Amount": "8000000", "vnp_OrderInfo": "Ve bao tang QN8K2P"}
    expected_data = "vnp_Amount=8000000&vnp_OrderInfo=Ve+bao+tang+QN8K2P&vnp_TxnRef=QN8K2P"
    expected = hmac.new(GATEWAY.hash_secret.encode(), expected_data.encode(), hashlib.sha512).hexdigest()
    assert vnpay_signature(params, GATEWAY.hash_secret) == expected


def test_the_payment_url_carries_the_amount_in_hundredths_and_a_valid_signature():
    start = GATEWAY.start("QN8K2P", 80000, "Ve bao tang QN8K2P", "127.0.0.1", NOW)
    params = dict(parse_qsl(urlsplit(start.url).query))
    assert params["vnp_Amount"] == "8000000" and params["vnp_TxnRef"] == "QN8K2P"
    assert params["vnp_CreateDate"] == "20261123100000"  # Vietnam time
    assert GATEWAY.signature_ok(params)
    assert CounterPayment().start("QN8K2P", 80000, "", "", NOW).url is None


@pytest.fixture
def pending(tmp_path):
    repository = BookingRepository(get_engine(f"sqlite:///{tmp_path / 'pay.db'}"))
    migrate(repository._engine)
    booking = repository.book(BookingRequest("k", "u", date(2026, 12, 5), "08:00-10:00",
                                             (TicketLine("adult", 2, 40000),), "A", "0912345678", "vnpay"), 50).booking
    return repository, booking


def ipn(code: str, amount_vnd: int, response: str = "00", secret: str = GATEWAY.hash_secret) -> dict:
    params = {"vnp_TxnRef": code, "vnp_Amount": str(amount_vnd * 100), "vnp_ResponseCode": response,
              "vnp_TransactionStatus": response, "vnp_TmnCode": GATEWAY.tmn_code, "vnp_TransactionNo": "14000001"}
    return {**params, "vnp_SecureHashType": "HmacSHA512", "vnp_SecureHash": vnpay_signature(params, secret)}


def test_a_genuine_callback_pays_the_booking_once(pending):
    repository, booking = pending
    assert handle_vnpay_ipn(ipn(booking.code, 80000), GATEWAY, repository)["RspCode"] == "00"
    assert repository.get(booking.code).status == "paid"
    assert handle_vnpay_ipn(ipn(booking.code, 80000), GATEWAY, repository)["RspCode"] == "02"


def test_forged_wrong_amount_and_unknown_callbacks_change_nothing(pending):
    repository, booking = pending
    assert handle_vnpay_ipn(ipn(booking.code, 80000, secret="attacker-secret"), GATEWAY, repository)["RspCode"] == "97"
    tampered = ipn(booking.code, 80000)
    tampered["vnp_Amount"] = "100"
    assert handle_vnpay_ipn(tampered, GATEWAY, repository)["RspCode"] == "97"
    assert handle_vnpay_ipn(ipn(booking.code, 1000), GATEWAY, repository)["RspCode"] == "04"
    assert handle_vnpay_ipn(ipn("ZZZZZZ", 80000), GATEWAY, repository)["RspCode"] == "01"
    assert handle_vnpay_ipn(ipn(booking.code, 80000, response="24"), GATEWAY, repository)["RspCode"] == "00"
    assert repository.get(booking.code).status == "pending_payment"


def test_an_unpaid_online_hold_expires_and_gives_its_places_back(tmp_path):
    repository = BookingRepository(get_engine(f"sqlite:///{tmp_path / 'hold.db'}"))
    migrate(repository._engine)
    lines = (TicketLine("adult", 3, 40000),)
    held = repository.book(BookingRequest("h", "u", date(2026, 12, 5), "08:00-10:00", lines, "A", "0912345678",
                                          "vnpay"), 3, now=NOW).booking
    paid = repository.book(BookingRequest("p", "v", date(2026, 12, 5), "10:00-12:00", lines, "B", "0912345679",
                                          "vnpay"), 3, now=NOW).booking
    assert handle_vnpay_ipn(ipn(paid.code, 120000), GATEWAY, repository)["RspCode"] == "00"
    assert repository.places_left(date(2026, 12, 5), "08:00-10:00", 3) == 0
    assert repository.release_expired_holds(NOW + timedelta(minutes=29)) == 0

    assert repository.release_expired_holds(NOW + timedelta(minutes=31)) == 1
    assert repository.get(held.code).status == "expired"
    assert repository.get(paid.code).status == "paid"
    assert repository.places_left(date(2026, 12, 5), "08:00-10:00", 3) == 3
    # A late callback cannot revive it: the places may be someone else's by now.
    assert handle_vnpay_ipn(ipn(held.code, 120000), GATEWAY, repository)["RspCode"] == "02"


def test_the_gateway_is_offered_only_when_fully_configured():
    full = {"QN_VNPAY_TMN_CODE": "TESTTMN1", "QN_VNPAY_HASH_SECRET": "S" * 32,
            "QN_VNPAY_RETURN_URL": "https://bot.example/webhooks/vnpay/return"}
    gateway = configured_gateway(full)
    assert gateway is not None and gateway.pay_url.startswith("https://sandbox.vnpayment.vn/")
    assert configured_gateway({}) is None
    assert configured_gateway({**full, "QN_VNPAY_HASH_SECRET": "changeme"}) is None
    assert configured_gateway({**full, "QN_VNPAY_RETURN_URL": ""}) is None
    assert configured_gateway({**full, "QN_VNPAY_PAY_URL": "http://127.0.0.1:9/pay"}).pay_url == "http://127.0.0.1:9/pay"
