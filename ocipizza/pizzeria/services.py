"""Changing the profile: every write is checked whole first, so a bad document changes nothing.

Pausing the shop lives here too: it is the pizzeria's state, read by the menu and checkout with the
profile. Every write ends by dropping the cached profile, so customers see the change on their next page.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from ocipizza.datafiles import read_json
from ocipizza.nosql import ConditionFailed, Version

from . import repositories
from .entities import Pause, Pizzeria
from .profile import ProfileError, profile_from_dict
from .selectors import pizzeria_get, pizzeria_invalidate

logger = logging.getLogger(__name__)

PAUSE_REASON_MAX = 120
# Longer than any service: a pause meant to last until tomorrow is one without an end, resumed by hand.
PAUSE_MAX = dt.timedelta(hours=12)


class PauseError(ValueError):
    """A pause the service refuses; the message is for the staff member (pt-BR). Nothing was changed."""


class ProfileConflict(Exception):
    """Someone saved the profile since the editor read it; nothing was written. ``current`` is the profile
    as stored now (``None`` if it was removed), for the editor to start again from."""

    def __init__(self, current: Pizzeria | None):
        super().__init__("the pizzeria profile changed since it was read")
        self.current = current


def pizzeria_save(*, document: dict, version: Version | None = None) -> Pizzeria:
    """Check and store a whole profile; a bad document raises ``ProfileError`` and changes nothing.

    ``version`` (the ``Pizzeria.version`` the editor started from) makes the write conditional: if the
    row changed since, ``ProfileConflict`` is raised instead of overwriting the other person's edit.
    Without it the write is unconditional (``load_pizzeria --force``, tests).
    """
    pizzeria = profile_from_dict(document)
    try:
        saved = repositories.pizzeria_put(pizzeria, now=timezone.now(), if_version=version)
    except ConditionFailed as e:
        pizzeria_invalidate()
        raise ProfileConflict(repositories.pizzeria_get()) from e
    pizzeria_invalidate()
    return saved


def pizzeria_load(*, path: Path, dry_run: bool = False, force: bool = False) -> str:
    """Load the profile file; returns "created", "updated", "unchanged" or "kept".

    Once a profile is stored the back office owns it: a file that differs from it is not loaded
    ("kept") unless ``force``, so a deploy that runs the command never undoes a manager's edits.
    """
    document = read_json(path, error=ProfileError, missing_hint="pass --file with the pizzeria profile")
    pizzeria = profile_from_dict(document)
    current = repositories.pizzeria_get()
    if current is not None and current.raw == document:
        return "unchanged"
    if current is not None and not force:
        return "kept"
    if not dry_run:
        if current is None:
            try:
                # if_absent: a profile saved meanwhile from the back office wins over the file.
                repositories.pizzeria_put(pizzeria, now=timezone.now(), if_absent=True)
            except ConditionFailed:
                return "kept"
            finally:
                pizzeria_invalidate()
        else:
            pizzeria_save(document=document)
    return "updated" if current is not None else "created"


# --- pausing ordering ---------------------------------------------------------------------------------


def _pause_reason(reason) -> str:
    if reason is None:
        return ""
    if not isinstance(reason, str):
        raise PauseError(_("O motivo precisa ser um texto."))
    reason = " ".join(reason.split())
    if any(unicodedata.category(char).startswith("C") for char in reason):
        raise PauseError(_("O motivo tem caracteres inválidos."))
    if len(reason) > PAUSE_REASON_MAX:
        raise PauseError(_("O motivo pode ter até %(max)d caracteres.") % {"max": PAUSE_REASON_MAX})
    return reason


def _pause_end(
    *, minutes: int | None, until_time: dt.time | None, now: dt.datetime, pizzeria: Pizzeria
) -> dt.datetime | None:
    """When the pause ends by itself, on a whole minute (what customers are told), or ``None``."""
    if minutes is not None and until_time is not None:
        raise PauseError(_("Escolha a duração ou o horário da volta, não os dois."))
    if minutes is not None:
        longest = PAUSE_MAX // dt.timedelta(minutes=1)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= longest:
            raise PauseError(_("A pausa pode durar de 1 minuto a 12 horas."))
        return (now + dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    if until_time is not None:
        if not isinstance(until_time, dt.time):
            raise PauseError(_("Informe o horário da volta como 21:30."))
        local = now.astimezone(pizzeria.tz)
        at = until_time.replace(second=0, microsecond=0, tzinfo=None)
        end = dt.datetime.combine(local.date(), at, tzinfo=pizzeria.tz)
        if end <= local:
            end += dt.timedelta(days=1)  # 00:30 typed at 23:00 means tonight, past midnight
        if end - local > PAUSE_MAX:
            raise PauseError(
                _(
                    "%(time)s fica a mais de 12 horas daqui. Escolha um horário mais próximo ou pause "
                    "sem horário e reabra a loja depois."
                )
                % {"time": until_time.strftime("%H:%M")}
            )
        return end
    return None


def pizzeria_pause(
    *,
    reason: str = "",
    minutes: int | None = None,
    until_time: dt.time | None = None,
    by: str,
    now: dt.datetime,
) -> Pause:
    """Stop taking orders now, for ``minutes``, until ``until_time`` (the pizzeria's clock) or until
    ``pizzeria_resume``. Pausing again replaces the pause. ``PauseError`` changes nothing."""
    pizzeria = pizzeria_get()
    if pizzeria is None:
        raise PauseError(_("A pizzaria ainda não tem perfil: carregue-o (load_pizzeria) antes de pausar."))
    pause = Pause(
        reason=_pause_reason(reason),
        until=_pause_end(minutes=minutes, until_time=until_time, now=now, pizzeria=pizzeria),
        paused_at=now,
        paused_by=(by or "")[:150],
    )
    repositories.pause_put(pause)
    pizzeria_invalidate()
    logger.info("ordering paused by %s until %s", pause.paused_by, pause.until or "resumed by hand")
    return pause


def pizzeria_resume(*, by: str) -> bool:
    """Take orders again; returns whether a pause row was there to remove."""
    removed = repositories.pause_delete()
    pizzeria_invalidate()
    logger.info("ordering resumed by %s", by)
    return removed
