"""Special days (holidays closed all day, extra or shorter hours), the profile's checks with their
pt-BR texts, saving over the version read, and load_pizzeria next to the back office's edits."""

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from conftest import pizzeria_document
from ocipizza.pizzeria import repositories
from ocipizza.pizzeria.entities import MAX_INTERVALS, MAX_SPECIAL_DAYS, WEEKDAYS
from ocipizza.pizzeria.profile import ProfileError, profile_from_dict
from ocipizza.pizzeria.selectors import closed_day_message, opening_summary, pizzeria_get
from ocipizza.pizzeria.services import ProfileConflict, pizzeria_load, pizzeria_save

SP = ZoneInfo("America/Sao_Paulo")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SP)


def next_weekday(name: str, after: dt.date = dt.date(2026, 11, 23)) -> dt.date:
    """The first ``name`` day on or after ``after`` (2026-11-23 is a Monday)."""
    return after + dt.timedelta(days=(WEEKDAYS.index(name) - after.weekday()) % 7)


def first_shift(document: dict, day: str) -> tuple[int, int, int, int]:
    """(open hour, open minute, close hour, close minute) of ``day``'s first shift in the file."""
    start, end = document["hours"][day][0]
    return (*map(int, start.split(":")), *map(int, end.split(":")))


def with_special(*days: dict) -> dict:
    return {**pizzeria_document(), "special_days": list(days)}


def test_a_holiday_closes_the_whole_day_and_next_opening_skips_it():
    document = pizzeria_document()
    friday = next_weekday("fri")
    pizzeria = profile_from_dict(with_special({"date": friday.isoformat(), "closed": True, "note": "Natal"}))
    open_h, open_m, *_ = first_shift(document, "fri")
    assert profile_from_dict(document).is_open(at(friday, open_h, open_m + 30))
    assert not pizzeria.is_open(at(friday, open_h, open_m + 30))
    saturday = friday + dt.timedelta(days=1)
    sat_h, sat_m, *_ = first_shift(document, "sat")
    assert pizzeria.next_opening(at(friday, 10)) == at(saturday, sat_h, sat_m)
    assert pizzeria.closed_for(at(friday, 10)).note == "Natal"
    assert closed_day_message(pizzeria=pizzeria, now=at(friday, 20)) == "Hoje estamos fechados: Natal."
    assert closed_day_message(pizzeria=pizzeria, now=at(saturday, 16)) == ""  # an ordinary closed hour
    # Without a note it still says the day is closed.
    plain = profile_from_dict(with_special({"date": friday.isoformat(), "closed": True}))
    assert closed_day_message(pizzeria=plain, now=at(friday, 20)) == "Hoje estamos fechados."


def test_the_evening_before_a_holiday_still_runs_past_midnight():
    document = pizzeria_document()
    friday = next_weekday("fri")
    *_, close_h, close_m = first_shift(document, "fri")
    assert (close_h, close_m) < (6, 0), "the shipped Friday shift should end after midnight"
    saturday = friday + dt.timedelta(days=1)
    pizzeria = profile_from_dict(
        with_special({"date": saturday.isoformat(), "closed": True, "note": "Feriado"})
    )
    assert pizzeria.is_open(at(saturday, 0, close_m // 2))  # Friday's shift, not Saturday's
    assert not pizzeria.is_open(at(saturday, 12))
    assert closed_day_message(pizzeria=pizzeria, now=at(saturday, 0, close_m // 2)) == ""


def test_extra_hours_across_midnight_on_a_day_normally_closed():
    document = pizzeria_document()
    assert document["hours"]["mon"] == []
    monday = next_weekday("mon")
    pizzeria = profile_from_dict(with_special({"date": monday.isoformat(), "hours": [["19:00", "01:00"]]}))
    assert not profile_from_dict(document).is_open(at(monday, 20))
    assert pizzeria.is_open(at(monday, 20))
    tuesday = monday + dt.timedelta(days=1)
    assert pizzeria.is_open(at(tuesday, 0, 30))
    assert not pizzeria.is_open(at(tuesday, 1))
    assert pizzeria.next_opening(at(monday, 10)) == at(monday, 19)
    assert opening_summary(pizzeria=pizzeria, now=at(monday, 23)) == "Aberto agora, até as 01:00."
    assert opening_summary(pizzeria=pizzeria, now=at(monday, 10)) == "Fechado agora; abre hoje às 19:00."


def test_shorter_hours_replace_the_weekdays():
    document = pizzeria_document()
    sunday = next_weekday("sun")
    open_h, open_m, *_ = first_shift(document, "sun")
    early = f"{open_h + 2:02d}:00"
    pizzeria = profile_from_dict(
        with_special({"date": sunday.isoformat(), "hours": [[f"{open_h:02d}:{open_m:02d}", early]]})
    )
    assert pizzeria.is_open(at(sunday, open_h + 1))
    assert not pizzeria.is_open(at(sunday, open_h + 3))
    assert profile_from_dict(document).is_open(at(sunday, open_h + 3))


def test_next_opening_after_a_long_holiday_looks_past_a_week():
    document = pizzeria_document()
    start = next_weekday("mon")
    closed = [{"date": (start + dt.timedelta(days=n)).isoformat(), "closed": True} for n in range(20)]
    pizzeria = profile_from_dict(with_special(*closed))
    reopening = start + dt.timedelta(days=20)
    while not document["hours"][WEEKDAYS[reopening.weekday()]]:
        reopening += dt.timedelta(days=1)
    open_h, open_m, *_ = first_shift(document, WEEKDAYS[reopening.weekday()])
    assert pizzeria.next_opening(at(start, 9)) == at(reopening, open_h, open_m)


def test_a_shop_that_never_opens_has_no_next_opening():
    document = {**pizzeria_document(), "hours": {day: [] for day in WEEKDAYS}}
    pizzeria = profile_from_dict(document)
    assert pizzeria.next_opening(at(next_weekday("mon"), 9)) is None
    assert "Não há horário de abertura" in opening_summary(pizzeria=pizzeria, now=at(next_weekday("mon"), 9))


BAD = [
    (lambda d: d.update(special_days={"2026-12-25": True}), "special_days", "special_days must be a list"),
    (
        lambda d: d.update(special_days=[{"date": "25/12/2026", "closed": True}]),
        "special_days[0].date",
        "date like",
    ),
    (
        lambda d: d.update(special_days=[{"date": "2026-02-30", "closed": True}]),
        "special_days[0].date",
        "date like",
    ),
    (
        lambda d: d.update(special_days=[{"date": "2026-12-25", "closed": True}] * 2),
        "special_days[1].date",
        "listed twice",
    ),
    (
        lambda d: d.update(
            special_days=[{"date": "2026-12-25", "closed": True, "hours": [["18:00", "22:00"]]}]
        ),
        "special_days[0].hours",
        "closed day has no hours",
    ),
    (lambda d: d.update(special_days=[{"date": "2026-12-25"}]), "special_days[0].hours", "closed: true"),
    (
        lambda d: d.update(special_days=[{"date": "2026-12-25", "closed": True, "note": "x" * 81}]),
        "special_days[0].note",
        "at most 80",
    ),
    (
        lambda d: d.update(special_days=[{"date": "2026-12-25", "closed": "yes"}]),
        "special_days[0].closed",
        "true or false",
    ),
    (
        lambda d: d.update(
            special_days=[
                {"date": (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat(), "closed": True}
                for n in range(MAX_SPECIAL_DAYS + 1)
            ]
        ),
        "special_days",
        f"at most {MAX_SPECIAL_DAYS}",
    ),
    (lambda d: d["hours"].update(tue=[["18:00", "23:00"], ["22:00", "23:30"]]), "hours.tue", "overlap"),
    (
        lambda d: d["hours"].update(tue=[["10:00", "11:00"]] * (MAX_INTERVALS + 1)),
        "hours.tue",
        "intervals a day",
    ),
    (lambda d: d["hours"].update(tue=[["18:00", "18:00"]]), "hours.tue", "the same"),
    (lambda d: d.update(phone="ligue"), "phone", "phone number"),
    (lambda d: d.update(whatsapp="123"), "whatsapp", "phone number"),
    (lambda d: d.update(name="  "), "name", "name is required"),
    (lambda d: d["pix"].update(key=""), "pix.key", "pix.key is required"),
    (lambda d: d.update(pickup_eta_minutes=True), "pickup_eta_minutes", "whole number"),
    (lambda d: d.update(minimum_order="100000"), "minimum_order", "non-negative"),
    (
        lambda d: d["delivery_zones"][1].update(name=d["delivery_zones"][0]["name"]),
        "delivery_zones[1].name",
        "used twice",
    ),
    (
        lambda d: d["delivery_zones"][0].update(cep_ranges=[], neighbourhoods=[{"bairro": "Sé"}]),
        "delivery_zones[0].neighbourhoods",
        "bairro and a cidade",
    ),
    (
        lambda d: d["delivery_zones"][0].update(cep_ranges=[]),
        "delivery_zones[0].cep_ranges",
        "needs cep_ranges",
    ),
    (lambda d: d["delivery_zones"][0].update(fee="5.001"), "delivery_zones[0].fee", "at most 2 decimals"),
    (lambda d: d.update(delivery_zones="all"), "delivery_zones", "must be a list"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD)
def test_bad_input_names_its_field_in_english_and_portuguese(change, field, message):
    document = pizzeria_document()
    change(document)
    with translation.override("pt-br"), pytest.raises(ProfileError, match=message) as caught:
        profile_from_dict(document)
    assert caught.value.field == field
    assert caught.value.text and caught.value.text != str(caught.value)  # the form's pt-BR sentence


def test_special_days_are_kept_sorted_and_a_note_on_one_line():
    pizzeria = profile_from_dict(
        with_special(
            {"date": "2026-12-31", "hours": [["18:00", "02:00"]], "note": "Réveillon"},
            {"date": "2026-12-25", "closed": True, "note": "  Natal   em família "},
        )
    )
    assert [d.date for d in pizzeria.special_days] == [dt.date(2026, 12, 25), dt.date(2026, 12, 31)]
    assert pizzeria.special_days[0].note == "Natal em família"


# --- saving over the version read -----------------------------------------------------------------------


def test_a_save_over_a_stale_version_is_refused_and_writes_nothing(pizzeria_loaded, nosql_store):
    read = repositories.pizzeria_get()
    first = pizzeria_save(document={**read.raw, "phone": "+55 11 1111-1111"}, version=read.version)
    assert first.version and first.version != read.version
    nosql_store.stats.reset()
    with pytest.raises(ProfileConflict) as caught:
        pizzeria_save(document={**read.raw, "minimum_order": "99.00"}, version=read.version)
    assert caught.value.current.phone == "+55 11 1111-1111"
    assert caught.value.current.version == first.version
    assert pizzeria_get().phone == "+55 11 1111-1111"
    assert str(pizzeria_get().minimum_order) == pizzeria_document()["minimum_order"]


def test_customers_see_a_saved_change_at_once(pizzeria_loaded, nosql_store):
    pizzeria_get()  # warm
    read = repositories.pizzeria_get()
    friday = next_weekday("fri")
    pizzeria_save(
        document={**read.raw, "special_days": [{"date": friday.isoformat(), "closed": True}]},
        version=read.version,
    )
    assert pizzeria_get().special_day(friday).closed


def test_a_conditional_save_on_the_oracle_backend(oracle_store):
    pizzeria_load(path=settings.PIZZERIA_PROFILE_FILE)
    read = repositories.pizzeria_get()
    saved = pizzeria_save(document={**read.raw, "phone": "+55 11 2222-2222"}, version=read.version)
    with pytest.raises(ProfileConflict):
        pizzeria_save(document={**read.raw, "phone": "+55 11 3333-3333"}, version=read.version)
    assert repositories.pizzeria_get().phone == "+55 11 2222-2222"
    assert repositories.pizzeria_get().version == saved.version


# --- load_pizzeria next to the back office --------------------------------------------------------------


def test_load_pizzeria_keeps_a_profile_edited_in_the_back_office(pizzeria_loaded):
    read = repositories.pizzeria_get()
    pizzeria_save(document={**read.raw, "phone": "+55 11 5555-5555"}, version=read.version)
    out = StringIO()
    call_command("load_pizzeria", stdout=out)
    assert "kept" in out.getvalue() and "--force" in out.getvalue()
    assert pizzeria_get().phone == "+55 11 5555-5555"
    call_command("load_pizzeria", "--force", "--dry-run", stdout=out)
    assert "would be updated" in out.getvalue()
    assert pizzeria_get().phone == "+55 11 5555-5555"
    call_command("load_pizzeria", "--force", stdout=out)
    assert "Pizzeria profile updated." in out.getvalue()
    assert pizzeria_get().phone == pizzeria_document()["phone"]


def test_load_pizzeria_does_not_overwrite_a_profile_saved_meanwhile(monkeypatch, nosql_store):
    # The back office saves between the command's read (nothing yet) and its write.
    document = pizzeria_document()
    real_get = repositories.pizzeria_get

    def read_then_someone_saves():
        found = real_get()
        repositories.pizzeria_put(
            profile_from_dict({**document, "phone": "+55 11 6666-6666"}), now=dt.datetime.now(SP)
        )
        return found

    monkeypatch.setattr(repositories, "pizzeria_get", read_then_someone_saves)
    assert pizzeria_load(path=settings.PIZZERIA_PROFILE_FILE) == "kept"
    monkeypatch.undo()
    assert pizzeria_get().phone == "+55 11 6666-6666"


def test_load_pizzeria_reads_special_days_from_the_file(tmp_path, nosql_store):
    document = with_special({"date": "2026-12-25", "closed": True, "note": "Natal"})
    path = tmp_path / "pizzeria.json"
    path.write_text(json.dumps(document))
    assert pizzeria_load(path=path) == "created"
    assert pizzeria_get().special_day(dt.date(2026, 12, 25)).note == "Natal"


def test_shifts_that_meet_read_as_one_in_the_summary():
    document = {
        **pizzeria_document(),
        "hours": {day: [["00:00", "12:00"], ["12:00", "00:00"]] for day in WEEKDAYS},
    }
    pizzeria = profile_from_dict(document)
    monday = next_weekday("mon")
    assert (
        opening_summary(pizzeria=pizzeria, now=at(monday, 9))
        == "Aberto agora, sem fechar nas próximas 24 horas."
    )
    tuesday = monday + dt.timedelta(days=1)
    closing = profile_from_dict({**document, "special_days": [{"date": tuesday.isoformat(), "closed": True}]})
    assert opening_summary(pizzeria=closing, now=at(monday, 9)) == "Aberto agora, até as 00:00."
