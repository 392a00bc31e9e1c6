"""Reading the profile: from the cache when warm, from the store once when cold.

The cached ``Pizzeria`` carries the staff's pause (``Pizzeria.pause``), so the menu and checkout learn
whether the shop is paused from the same cache read that brings them the profile.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import replace

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ocipizza import localcopy
from ocipizza.formatting import weekday_and_time

from . import repositories
from .entities import Pause, Pizzeria

# v2 since the value carries the pause: a v1 value, written without one, must not pass for "not paused".
# v3 since it carries special days (a new class): workers of the previous release, during a rolling
# deploy, keep reading their own v2 values instead of failing to unpickle these. v4 since values are
# stamped (ocipizza.localcopy).
PIZZERIA_CACHE_KEY = "pizzeria:v4"
# Changes delete the cached value, but a reader that read the store just before a change may still put
# the old value back; this bounds how long such a value can last. Placing an order reads the pause from
# the store itself (``pause_fresh``), so no order gets through a pause either way.
PIZZERIA_CACHE_SECONDS = 5 * 60
NO_PROFILE = False  # cached when no profile exists yet, so a bare menu page stays off the store


def _read() -> Pizzeria | None:
    pizzeria = repositories.pizzeria_get()
    if pizzeria is None:
        return None  # no profile, no ordering: a pause would change nothing
    return replace(pizzeria, pause=repositories.pause_get())


def pizzeria_get() -> Pizzeria | None:
    """The profile (with its pause), or ``None`` before ``load_pizzeria`` ran. Cached until it changes."""
    cached = localcopy.get(PIZZERIA_CACHE_KEY)
    if cached is not None:
        return cached or None
    pizzeria = _read()
    localcopy.set(PIZZERIA_CACHE_KEY, pizzeria or NO_PROFILE, PIZZERIA_CACHE_SECONDS)
    return pizzeria


def pizzeria_from_cached(found: Mapping) -> tuple[Pizzeria | None, dict]:
    """The profile out of a ``localcopy.get_many`` answer that asked for ``PIZZERIA_CACHE_KEY``.

    Lets a page read the profile in the same cache round trip as its other data (see
    ``menu.selectors.storefront_get``). On a miss the store is read, and the second value holds what the
    caller should ``localcopy.set_many`` (for ``PIZZERIA_CACHE_SECONDS``); on a hit it is empty.
    """
    cached = found.get(PIZZERIA_CACHE_KEY)
    if cached is not None:
        return cached or None, {}
    pizzeria = _read()
    return pizzeria, {PIZZERIA_CACHE_KEY: pizzeria or NO_PROFILE}


def pause_fresh(*, now: dt.datetime) -> Pause | None:
    """The pause in force at ``now`` as the store has it, for a decision no cached copy may make."""
    pause = repositories.pause_get()
    return pause if pause is not None and pause.in_force(now) else None


def pizzeria_invalidate() -> None:
    localcopy.delete_many([PIZZERIA_CACHE_KEY])


def pause_in_force(*, pizzeria: Pizzeria | None, now: dt.datetime) -> Pause | None:
    """The pause customers must be told about now, or ``None``.

    Outside opening hours the "closed" notice says more (when the shop opens), so a pause is not shown
    then; checkout refuses a closed shop first, too.
    """
    if pizzeria is None or not pizzeria.is_open(now):
        return None
    return pizzeria.pause_at(now)


def pause_until_text(*, pause: Pause, tz: zoneinfo.ZoneInfo) -> str:
    """When the pause ends, as the pizzeria's clock says it ("21:30"); empty without an end."""
    return formats.time_format(timezone.localtime(pause.until, tz), "H:i") if pause.until else ""


def pause_message(*, pause: Pause, tz: zoneinfo.ZoneInfo) -> str:
    """What customers read about a pause (banner, cart, checkout), in the active language."""
    reason = pause.reason.rstrip(" .")
    until = pause_until_text(pause=pause, tz=tz)
    if reason and until:
        return _("Loja pausada no momento: %(reason)s. Voltamos às %(time)s.") % {
            "reason": reason,
            "time": until,
        }
    if reason:
        return _("Loja pausada no momento: %(reason)s.") % {"reason": reason}
    if until:
        return _("Loja pausada no momento. Voltamos às %(time)s.") % {"time": until}
    return _("Loja pausada no momento. Voltamos em breve.")


# --- the profile editor -------------------------------------------------------------------------------


def pizzeria_for_edit() -> Pizzeria | None:
    """The profile as stored now, with its row's version: what an edit starts from (never a cached copy,
    whose version may be older than the row)."""
    return repositories.pizzeria_get()


def _shift_end(pizzeria: Pizzeria, local: dt.datetime) -> dt.datetime | None:
    for days_back in (0, 1):
        day = local.date() - dt.timedelta(days=days_back)
        for interval in pizzeria.intervals_on(day):
            start = dt.datetime.combine(day, interval.start, tzinfo=pizzeria.tz)
            end_day = day + dt.timedelta(days=1) if interval.crosses_midnight else day
            end = dt.datetime.combine(end_day, interval.end, tzinfo=pizzeria.tz)
            if start <= local < end:
                return end
    return None


def open_until(*, pizzeria: Pizzeria, now: dt.datetime) -> dt.datetime | None:
    """When the shop closes after ``now`` (shifts that meet, 00:00–12:00 and 12:00–00:00, count as one),
    or ``None`` when it is closed."""
    end = _shift_end(pizzeria, now.astimezone(pizzeria.tz))
    for _step in range(2 * 7 * 3):  # at most every shift of two weeks in a row
        following = _shift_end(pizzeria, end) if end is not None else None
        if following is None or following <= end:
            break
        end = following
    return end


def closed_day_message(*, pizzeria: Pizzeria, now: dt.datetime) -> str:
    """What customers read on a special day closed all day ("Hoje estamos fechados: Natal."), or ""."""
    special = pizzeria.closed_for(now)
    if special is None or pizzeria.is_open(now):
        return ""
    if special.note:
        return _("Hoje estamos fechados: %(note)s.") % {"note": special.note.rstrip(" .")}
    return _("Hoje estamos fechados.")


def opening_when(*, pizzeria: Pizzeria, now: dt.datetime) -> str:
    """When the shop next opens, as customers say it: "hoje às 11:30" later the same day, else
    "terça-feira, 18:00"; "" when it never opens again."""
    opening = pizzeria.next_opening(now)
    if opening is None:
        return ""
    days = (opening.astimezone(pizzeria.tz).date() - now.astimezone(pizzeria.tz).date()).days
    time = opening.astimezone(pizzeria.tz).strftime("%H:%M")
    if days == 0:
        return _("hoje às %(time)s") % {"time": time}
    return weekday_and_time(opening)


def opening_summary(*, pizzeria: Pizzeria, now: dt.datetime) -> str:
    """The shop's state at ``now`` in one sentence, for the manager's preview of unsaved hours."""
    local = now.astimezone(pizzeria.tz)
    until = open_until(pizzeria=pizzeria, now=now)
    if until is not None:
        if until - local >= dt.timedelta(days=1):
            return _("Aberto agora, sem fechar nas próximas 24 horas.")
        return _("Aberto agora, até as %(time)s.") % {"time": until.strftime("%H:%M")}
    opening = pizzeria.next_opening(now)
    special = pizzeria.closed_for(now)
    if special is not None:
        closed = (
            _("Fechado hoje (dia especial: %(note)s).") % {"note": special.note.rstrip(" .")}
            if special.note
            else _("Fechado hoje (dia especial).")
        )
    elif opening is not None and opening.date() == local.date():
        return _("Fechado agora; abre hoje às %(time)s.") % {"time": opening.strftime("%H:%M")}
    else:
        closed = _("Fechado pelo resto de hoje.")
    if opening is None:
        return f"{closed} " + _("Não há horário de abertura nos próximos dias.")
    return f"{closed} " + _("Abre %(when)s.") % {"when": weekday_and_time(opening)}


def days_ahead(*, pizzeria: Pizzeria, now: dt.datetime, days: int = 7) -> list[dict]:
    """The next ``days`` dates from today with their shifts and special day, for the preview."""
    today = now.astimezone(pizzeria.tz).date()
    found = []
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        found.append(
            {"date": day, "intervals": pizzeria.intervals_on(day), "special": pizzeria.special_day(day)}
        )
    return found
