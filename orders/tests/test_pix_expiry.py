"""The PIX code says until when it is good, in its payer's note (field 26, sub-field 02), in the shop's time,
and the deadline is the one the page counts down to and the expiry sweep applies."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from orders.expiry import pix_expired, pix_expires_at
from orders.pix import order_pix_payload
from orders.statuses import Status

from .test_pix import decode_brcode

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
PLACED = dt.datetime(2026, 11, 27, 23, 50, tzinfo=dt.UTC)  # 20:50 in São Paulo


def order(**fields):
    values = {
        "total": Decimal("71.98"),
        "code": "K7M29QXA",
        "created_at": PLACED,
        "is_pix": True,
        "status": Status.AWAITING_PAYMENT,
    }
    return SimpleNamespace(**{**values, **fields})


def pizzeria(key="pagamentos@ocipizza.com.br"):
    return SimpleNamespace(pix=SimpleNamespace(key=key, merchant_name="OCI PIZZA", merchant_city="São Paulo"))


def test_the_code_notes_the_deadline_in_the_shops_time(settings):
    settings.ORDER_PIX_MINUTES = 30
    deadline = pix_expires_at(order())
    assert deadline == PLACED + dt.timedelta(minutes=30)
    local = deadline.astimezone(SAO_PAULO)
    fields = decode_brcode(order_pix_payload(order=order(), pizzeria=pizzeria(), expires_at=deadline))
    assert fields["26"]["02"] == f"VALIDO ATE {local:%H}H{local:%M}"
    assert fields["54"] == "71.98" and fields["62"]["05"] == "K7M29QXA"


def test_a_key_too_long_for_the_note_still_pays(settings):
    long_key = "x" * 70  # 18 + 74 characters already: no room for the note in the 99 of field 26
    fields = decode_brcode(
        order_pix_payload(order=order(), pizzeria=pizzeria(long_key), expires_at=pix_expires_at(order()))
    )
    assert fields["26"] == {"00": "br.gov.bcb.pix", "01": long_key}


def test_expired_is_at_the_deadline_and_only_while_unpaid(settings):
    settings.ORDER_PIX_MINUTES = 30
    deadline = PLACED + dt.timedelta(minutes=30)
    assert not pix_expired(order(), now=deadline - dt.timedelta(seconds=1))
    assert pix_expired(order(), now=deadline)
    assert not pix_expired(order(status=Status.RECEIVED), now=deadline)
    assert not pix_expired(order(is_pix=False), now=deadline)
