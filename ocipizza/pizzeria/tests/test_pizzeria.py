import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from conftest import zone_fee
from ocipizza.pizzeria.profile import ProfileError, profile_from_dict
from ocipizza.pizzeria.selectors import pizzeria_get

SP = ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def document():
    return json.loads(settings.PIZZERIA_PROFILE_FILE.read_text())


@pytest.fixture
def pizzeria(document):
    return profile_from_dict(document)


def at(day, hour, minute=0):
    # 2026-11-23 is a Monday.
    return dt.datetime(2026, 11, 23 + day, hour, minute, tzinfo=SP)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(0, 20), False),  # Monday: closed all day
        (at(1, 17, 59), False),
        (at(1, 18), True),
        (at(1, 22, 59), True),
        (at(1, 23), False),
        (at(4, 23, 30), True),  # Friday night shift runs past midnight...
        (at(5, 0, 15), True),  # ...into Saturday
        (at(5, 0, 30), False),
        (at(5, 12), True),  # Saturday lunch
        (at(5, 16), False),
    ],
)
def test_opening_hours(pizzeria, moment, open_):
    assert pizzeria.is_open(moment) is open_


def test_next_opening_skips_closed_days(pizzeria):
    assert pizzeria.next_opening(at(0, 20)) == at(1, 18)  # Monday night -> Tuesday 18:00
    assert pizzeria.next_opening(at(5, 16)) == at(5, 18)  # between Saturday's shifts


def test_delivery_zones_by_cep(pizzeria, document):
    assert pizzeria.zone_for(cep="01310100").name == "Centro expandido"
    assert pizzeria.zone_for(cep="05422030").fee == zone_fee(document, "Zona Oeste")
    assert pizzeria.zone_for(cep="20040002") is None  # Rio de Janeiro: out of the area


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["hours"].update(mon=[["25:00", "23:00"]]), "time like 18:30"),
        (lambda d: d["hours"].update(funday=[]), "weekdays"),
        (lambda d: d["delivery_zones"][0].update(fee="-1"), "non-negative"),
        (lambda d: d["delivery_zones"][0].update(cep_ranges=[["0131", "x"]]), "8-digit"),
        (lambda d: d["delivery_zones"][0].update(eta_minutes=0), "eta_minutes"),
        (lambda d: d.update(half_and_half_rule="cheapest"), "half_and_half_rule"),
        (lambda d: d["pix"].update(merchant_city="X" * 16), "merchant_city"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone"),
        (lambda d: d.update(minimum_order="abc"), "minimum_order"),
    ],
)
def test_bad_profiles_are_refused_with_the_field_named(document, change, message):
    change(document)
    with pytest.raises(ProfileError, match=message):
        profile_from_dict(document)


def test_load_pizzeria_is_idempotent_and_cached(nosql_store, document):
    out = StringIO()
    call_command("load_pizzeria", stdout=out)
    call_command("load_pizzeria", stdout=out)
    assert "created" in out.getvalue() and "unchanged" in out.getvalue()
    assert pizzeria_get().name == document["name"]
    nosql_store.stats.reset()
    assert pizzeria_get().minimum_order == Decimal(document["minimum_order"])
    assert nosql_store.stats.total == 0


def test_load_pizzeria_dry_run_and_bad_file(tmp_path, document):
    out = StringIO()
    call_command("load_pizzeria", "--dry-run", stdout=out)
    assert "would be created" in out.getvalue()
    assert pizzeria_get() is None
    document["minimum_order"] = "-5"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"minimum_order.*Fix the file"):
        call_command("load_pizzeria", "--file", str(bad), stdout=out)
