"""Signals other apps listen to, so that ``accounts`` never imports them (imports flow one way).

``customer_logged_in``: sent by ``sessions.session_login`` with ``request`` and ``customer``, once the
session is the customer's (``orders`` moves the visitor's cart into the account there).
``customer_email_confirmed``: sent with ``customer`` when an account's address was proved to be its
owner's (``orders`` joins the orders placed without an account under that address).
"""

from django.dispatch import Signal

customer_logged_in = Signal()
customer_email_confirmed = Signal()
