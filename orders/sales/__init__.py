"""Per-day sales totals: one ``sales_day`` row per business day, kept up to date as orders change.

``totals`` is pure (what an order adds to its day, the delta a change makes, adding deltas up);
``repositories`` reads and writes the rows; ``services`` applies deltas with conditional writes and
rebuilds days from their orders; ``selectors`` reads a period for the back office's reports.
"""
