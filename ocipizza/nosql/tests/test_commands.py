"""store_errors_as_command_error: management commands answer store failures with what to do next."""

import io

import pytest
from django.core.management import CommandError, call_command

from ocipizza.nosql import ConditionFailed, StoreUnavailable, TableNotFound
from ocipizza.nosql.commands import store_errors_as_command_error


def raised_through_helper(error: Exception, **kwargs) -> Exception:
    """What leaves ``store_errors_as_command_error`` when ``error`` is raised inside it."""
    try:
        with store_errors_as_command_error(**kwargs):
            raise error
    except Exception as e:
        return e
    raise AssertionError("nothing was raised")


def test_an_unreachable_store_points_at_the_settings():
    error = StoreUnavailable("connection refused")
    raised = raised_through_helper(error, note="Nothing was deleted.")
    assert isinstance(raised, CommandError) and raised.__cause__ is error
    assert str(raised).startswith("connection refused. Is the store reachable? Check the NOSQL_* settings")
    assert str(raised).endswith("then run this command again. Nothing was deleted.")


def test_a_missing_table_points_at_nosql_migrate_once():
    named = TableNotFound("table pizza does not exist yet; run `python manage.py nosql_migrate`")
    assert str(raised_through_helper(named)).count("nosql_migrate") == 1
    unnamed = raised_through_helper(TableNotFound("no table 'x'"))
    assert str(unnamed) == "no table 'x'. Run `python manage.py nosql_migrate`, then this again."


def test_a_race_says_to_run_again_and_other_errors_pass_through():
    assert "changed while the command ran" in str(raised_through_helper(ConditionFailed("moved")))
    mine = CommandError("mine")
    assert raised_through_helper(mine) is mine
    assert isinstance(raised_through_helper(KeyError("x")), KeyError)


def test_commands_on_a_store_without_tables_say_to_run_nosql_migrate(settings, tmp_path):
    settings.NOSQL_STORES = {
        "default": {
            "BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore",
            "OPTIONS": {"PATH": str(tmp_path / "empty.sqlite3")},
        }
    }
    for command in (["load_menu"], ["send_outbox"], ["purge_unconfirmed", "--days", "30"]):
        with pytest.raises(CommandError, match="nosql_migrate"):
            call_command(*command, stdout=io.StringIO())


def test_nosql_migrate_names_an_unknown_alias():
    with pytest.raises(CommandError, match="has no store named 'elsewhere'"):
        call_command("nosql_migrate", store="elsewhere")
