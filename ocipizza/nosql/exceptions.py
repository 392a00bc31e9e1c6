"""Exceptions of the NoSQL data layer.

Every backend translates its driver's errors into these, chained with ``raise ... from e``, so that no
module outside ``ocipizza.nosql`` needs to know which database is behind the store.
"""

from django.core.exceptions import ImproperlyConfigured


class StoreError(Exception):
    """Base class of every error the data layer raises."""


class StoreUnavailable(StoreError):
    """The database cannot be reached, timed out or keeps throttling; the request may succeed later."""


class DoesNotExist(StoreError):
    """``get`` found no live row for the key (it never existed, was deleted or has expired)."""


class ConditionFailed(StoreError):
    """A conditional write (``if_absent``, ``if_version``) did not hold, so nothing was written.

    ``index`` is the position of the failing operation inside ``write_many``; ``current`` is the row as
    it is now when the backend knows it (``None`` when there is no live row).
    """

    def __init__(self, message, *, index=None, current=None):
        super().__init__(message)
        self.index = index
        self.current = current


class InvalidRequest(StoreError, ValueError):
    """The caller asked for something the schema or the contract does not allow (a programming error)."""


class TableNotFound(InvalidRequest):
    """The table is not declared in ``ocipizza.nosql.tables`` or has not been created yet."""


class TableMissing(TableNotFound, StoreUnavailable):
    """A declared table does not exist in the database: ``nosql_migrate`` has not run there, or the store
    in place is not the one it migrated (an empty file, another database). Not a programming error but
    a deployment one, so it is also ``StoreUnavailable``: pages answer 503 until an operator acts."""


class InvalidKey(InvalidRequest):
    """A primary key is missing columns, has extra columns or values of the wrong type."""


class InvalidValue(InvalidRequest):
    """A row has an unknown column or a value that does not fit the column's type."""


class InvalidQuery(InvalidRequest):
    """A query names an unknown field, mixes incompatible conditions or carries a bad continuation."""


class SchemaError(StoreError):
    """A DDL statement could not be parsed or applied."""


class StoreNotConfigured(ImproperlyConfigured):
    """``settings.NOSQL_STORES`` has no store by that alias, or its BACKEND cannot be imported.

    A settings mistake, not a data-layer failure: it is Django's ImproperlyConfigured, not a StoreError.
    """
