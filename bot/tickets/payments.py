"""Payment providers. "Pay at the counter" is the default; VNPAY's redirect protocol is the online one.

A booking becomes PAID only through `handle_vnpay_ipn`, i.e. a callback whose HMAC-SHA512 signature checks
out and whose amount equals the booking's total; nothing a chat user sends can mark a booking paid.
"""
from __future__ import annotations

import hashlib
import hmac
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Mapping, Protocol
from urllib.parse import quote_plus

from bot.settings import VnpaySettings, current_vnpay_settings
from bot.tickets.repository import BookingRepository

VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class PaymentStart:
    method: str
    url: str | None  # where the user pays online; None: pay at the counter


class PaymentProvider(Protocol):
    name: str

    def start(self, code: str, amount_vnd: int, description: str, client_ip: str, now: datetime) -> PaymentStart:
        ...


class CounterPayment:
    """Pay at the museum's ticket counter on the day (no online payment)."""

    name = "counter"

    def start(self, code: str, amount_vnd: int, description: str, client_ip: str, now: datetime) -> PaymentStart:
        return PaymentStart(self.name, None)


def _vnpay_query(params: Mapping[str, str]) -> str:
    """Sorted by key, each key and value URL-encoded as VNPAY's reference code does (spaces as '+')."""
    return "&".join(f"{quote_plus(k)}={quote_plus(str(v))}" for k, v in sorted(params.items()) if v != "")


def vnpay_signature(params: Mapping[str, str], hash_secret: str) -> str:
    return hmac.new(hash_secret.encode(), _vnpay_query(params).encode(), hashlib.sha512).hexdigest()


@dataclass(frozen=True)
class VnpayGateway:
    tmn_code: str
    hash_secret: str
    return_url: str
    pay_url: str = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    name: str = "vnpay"

    def start(self, code: str, amount_vnd: int, description: str, client_ip: str, now: datetime) -> PaymentStart:
        local = now.astimezone(VIETNAM)
        params = {
            "vnp_Version": "2.1.0", "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(amount_vnd * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": code,
            "vnp_OrderInfo": description, "vnp_OrderType": "other", "vnp_Locale": "vn",
            "vnp_ReturnUrl": self.return_url, "vnp_IpAddr": client_ip,
            "vnp_CreateDate": local.strftime("%Y%m%d%H%M%S"),
            "vnp_ExpireDate": (local + timedelta(minutes=15)).strftime("%Y%m%d%H%M%S"),
        }
        url = f"{self.pay_url}?{_vnpay_query(params)}&vnp_SecureHash={vnpay_signature(params, self.hash_secret)}"
        return PaymentStart(self.name, url)

    def signature_ok(self, params: Mapping[str, str]) -> bool:
        received = params.get("vnp_SecureHash", "")
        signed = {k: v for k, v in params.items()
                  if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")}
        return hmac.compare_digest(received.lower(), vnpay_signature(signed, self.hash_secret))


def server_ip() -> str:
    """VNPAY asks for the payer's IP; a chat user's is unknown, so the server's own outgoing address."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET address: no packet is sent
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def configured_gateway(environ: dict[str, str] | None = None) -> VnpayGateway | None:
    """VNPAY when QN_VNPAY_TMN_CODE, QN_VNPAY_HASH_SECRET and QN_VNPAY_RETURN_URL are all set; otherwise None,
    and the bot offers paying at the counter only."""
    settings = VnpaySettings.from_env(environ) if environ is not None else current_vnpay_settings()
    if settings is None:
        return None
    return VnpayGateway(settings.tmn_code, settings.hash_secret, settings.return_url,
                        settings.pay_url or VnpayGateway.pay_url)


def vnpay_return_ok(params: Mapping[str, str], gateway: VnpayGateway) -> bool:
    """The page the user's browser comes back to: it only says whether the payment went through (the
    booking itself changes only through the IPN, which VNPAY sends server to server)."""
    return gateway.signature_ok(params) and params.get("vnp_ResponseCode") == "00" \
        and params.get("vnp_TransactionStatus", "00") == "00"


@dataclass(frozen=True)
class IpnResult:
    answer: dict  # what VNPAY gets back, in its RspCode protocol
    paid_now: str | None = None  # the booking this very callback marked paid (at most one callback ever does)


def vnpay_ipn(params: Mapping[str, str], gateway: VnpayGateway, bookings: BookingRepository) -> IpnResult:
    """VNPAY's server-to-server notification: the answer in its RspCode protocol, and which booking this callback
    marked paid, if any (a repeated or concurrent callback finds it paid already: None)."""
    if not gateway.signature_ok(params):
        return IpnResult({"RspCode": "97", "Message": "Invalid signature"})
    booking = bookings.get(params.get("vnp_TxnRef", ""))
    if booking is None:
        return IpnResult({"RspCode": "01", "Message": "Order not found"})
    try:
        amount_vnd = int(params.get("vnp_Amount", "")) // 100
    except ValueError:
        return IpnResult({"RspCode": "04", "Message": "Invalid amount"})
    if amount_vnd != booking.total_vnd:
        return IpnResult({"RspCode": "04", "Message": "Invalid amount"})
    if booking.status != "pending_payment":
        return IpnResult({"RspCode": "02", "Message": "Order already confirmed"})
    paid_now = None
    if params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus") == "00":
        paid_now = booking.code if bookings.mark_paid(booking.code, amount_vnd) else None
    return IpnResult({"RspCode": "00", "Message": "Confirm Success"}, paid_now)


def handle_vnpay_ipn(params: Mapping[str, str], gateway: VnpayGateway, bookings: BookingRepository) -> dict:
    """VNPAY's server-to-server notification: answer in its RspCode protocol."""
    return vnpay_ipn(params, gateway, bookings).answer
