"""Pausing ordering: the service's rules, the cached read and the store row, on both store backends."""

import datetime as dt
import json

import pytest
from django.conf import settings

from ocipizza.pizzeria import repositories
from ocipizza.pizzeria.entities import Pause
from ocipizza.pizzeria.selectors import pause_in_force, pause_message, pizzeria_get
from ocipizza.pizzeria.services import (
    PAUSE_MAX,
    PAUSE_REASON_MAX,
    PauseError,
    pizzeria_pause,
    pizzeria_resume,
    pizzeria_save,
)
from orders.tests.conftest import OPEN_TIME

TZ = OPEN_TIME.tzinfo


def hhmm(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


def test_a_pause_for_some_minutes_ends_on_a_whole_minute_and_is_read_with_the_profile(pizzeria_loaded):
    pause = pizzeria_pause(reason="Forno em manutenção", minutes=30, by="Ana", now=OPEN_TIME)
    assert pause.until == OPEN_TIME + dt.timedelta(minutes=30)
    read = pizzeria_get().pause
    assert (read.reason, read.until, read.paused_by) == ("Forno em manutenção", pause.until, "Ana")
    assert pizzeria_get().pause_at(OPEN_TIME) == read
    # Past its end the pause is over by itself: the row is still there, nobody resumed.
    assert pizzeria_get().pause_at(pause.until) is None
    assert repositories.pause_get() is not None


def test_a_pause_until_a_time_of_day_uses_the_pizzerias_clock_and_may_run_past_midnight(pizzeria_loaded):
    late = OPEN_TIME.replace(hour=23, minute=10, second=42)
    pause = pizzeria_pause(until_time=dt.time(0, 30), by="Ana", now=late)
    assert pause.until == (late + dt.timedelta(days=1)).replace(hour=0, minute=30, second=0)
    assert hhmm(pause.until) == "00:30"


def test_without_an_end_a_pause_lasts_until_someone_resumes(pizzeria_loaded):
    pizzeria_pause(by="Ana", now=OPEN_TIME)
    far = OPEN_TIME + dt.timedelta(days=3)
    assert pizzeria_get().pause_at(far) is not None
    assert pizzeria_resume(by="Bruno") is True
    assert pizzeria_get().pause is None and repositories.pause_get() is None
    assert pizzeria_resume(by="Bruno") is False  # resuming an open shop changes nothing


def test_pausing_again_replaces_the_pause(pizzeria_loaded):
    pizzeria_pause(reason="Muitos pedidos", minutes=60, by="Ana", now=OPEN_TIME)
    pizzeria_pause(by="Bruno", now=OPEN_TIME)
    pause = pizzeria_get().pause
    assert (pause.reason, pause.until, pause.paused_by) == ("", None, "Bruno")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "x" * (PAUSE_REASON_MAX + 1)}, f"até {PAUSE_REASON_MAX} caracteres"),
        ({"reason": "forno\x00quebrado"}, "caracteres inválidos"),
        ({"minutes": 0}, "de 1 minuto a 12 horas"),
        ({"minutes": -15}, "de 1 minuto a 12 horas"),
        ({"minutes": PAUSE_MAX // dt.timedelta(minutes=1) + 1}, "de 1 minuto a 12 horas"),
        ({"minutes": True}, "de 1 minuto a 12 horas"),
        ({"minutes": 30, "until_time": dt.time(21, 0)}, "não os dois"),
        # 19:00 has passed at 20:00: the next 19:00 is 23 hours away.
        ({"until_time": dt.time(OPEN_TIME.hour - 1, 0)}, "a mais de 12 horas"),
    ],
)
def test_bad_pauses_are_refused_with_a_message_and_change_nothing(pizzeria_loaded, fields, message):
    with pytest.raises(PauseError, match=message):
        pizzeria_pause(by="Ana", now=OPEN_TIME, **fields)
    assert repositories.pause_get() is None and pizzeria_get().pause is None


def test_the_reason_is_kept_on_one_line(pizzeria_loaded):
    pause = pizzeria_pause(reason="  Forno\n em   manutenção ", by="Ana", now=OPEN_TIME)
    assert pause.reason == "Forno em manutenção"


def test_no_pause_without_a_profile():
    with pytest.raises(PauseError, match="perfil"):
        pizzeria_pause(by="Ana", now=OPEN_TIME)
    assert repositories.pause_get() is None


def test_saving_the_profile_keeps_the_pause(pizzeria_loaded):
    pizzeria_pause(reason="Sem entregadores", by="Ana", now=OPEN_TIME)
    document = json.loads(settings.PIZZERIA_PROFILE_FILE.read_text())
    pizzeria_save(document={**document, "pickup_eta_minutes": document.get("pickup_eta_minutes", 25) + 5})
    assert pizzeria_get().pause.reason == "Sem entregadores"


def test_customers_are_told_about_a_pause_only_while_the_shop_would_be_open(pizzeria_loaded):
    pizzeria_pause(by="Ana", now=OPEN_TIME)
    pizzeria = pizzeria_get()
    assert pause_in_force(pizzeria=pizzeria, now=OPEN_TIME) == pizzeria.pause
    closed = pizzeria.next_opening(OPEN_TIME) - dt.timedelta(minutes=1)
    assert not pizzeria.is_open(closed)
    assert pause_in_force(pizzeria=pizzeria, now=closed) is None  # "fechado" says more then


@pytest.mark.parametrize(
    ("reason", "minutes", "expected"),
    [
        ("Forno em manutenção.", 30, "Loja pausada no momento: Forno em manutenção. Voltamos às {time}."),
        ("Forno em manutenção", None, "Loja pausada no momento: Forno em manutenção."),
        ("", 30, "Loja pausada no momento. Voltamos às {time}."),
        ("", None, "Loja pausada no momento. Voltamos em breve."),
    ],
)
def test_what_customers_read(reason, minutes, expected):
    until = OPEN_TIME + dt.timedelta(minutes=minutes) if minutes else None
    text = pause_message(pause=Pause(reason=reason, until=until), tz=TZ)
    assert text == expected.format(time=hhmm(until) if until else "")


def test_the_warm_profile_with_its_pause_costs_no_store_call(pizzeria_loaded, nosql_store):
    pizzeria_pause(minutes=15, by="Ana", now=OPEN_TIME)
    pizzeria_get()
    nosql_store.stats.reset()
    assert pizzeria_get().pause is not None
    assert nosql_store.stats.total == 0


def test_pause_and_resume_on_the_oracle_backend(oracle_store, nosql_emulator):
    from ocipizza.pizzeria.services import pizzeria_load

    pizzeria_load(path=settings.PIZZERIA_PROFILE_FILE)
    nosql_emulator.admin("requests", {"reset": True})
    pause = pizzeria_pause(reason="Forno em manutenção", minutes=30, by="Ana", now=OPEN_TIME)
    stored = repositories.pause_get()  # through borneo: the emulator answered
    assert (stored.reason, stored.until, stored.paused_by) == (pause.reason, pause.until, "Ana")
    assert pizzeria_get().pause_at(OPEN_TIME) == stored
    assert pizzeria_get().pause_at(pause.until) is None
    assert pizzeria_resume(by="Ana") is True
    assert repositories.pause_get() is None and pizzeria_get().pause is None
    assert oracle_store.stats.by_table[("put", "pizzeria_pause")] == 1
    operations = nosql_emulator.stats()["operations"]
    assert operations["PUT"] == 1 and operations["DELETE"] == 1  # the pause's write and the resume
