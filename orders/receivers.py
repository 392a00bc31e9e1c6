"""What orders does when accounts says a customer signed in or proved their address (accounts' signals)."""

from __future__ import annotations

from django.dispatch import receiver

from accounts.signals import customer_email_confirmed, customer_logged_in

from . import guests
from .cart import cart_for, cart_for_forget


@receiver(customer_logged_in, dispatch_uid="orders.cart_merge_at_login")
def cart_merge_at_login(sender, *, request, customer, **kwargs):
    # The visitor's cart joins the account's now, so the page after the login already shows it (and any
    # word about a limit); cart_for would do the same on the first page that reads the cart.
    cart_for_forget(request)
    cart_for(request)


@receiver(customer_logged_in, dispatch_uid="orders.guest_orders_at_login")
def guest_orders_at_login(sender, *, request, customer, **kwargs):
    # An address confirmed before its guest orders were placed (or an account made before them): they
    # join at the next sign-in.
    if customer.verified:
        guests.guest_orders_join(customer=customer)


@receiver(customer_email_confirmed, dispatch_uid="orders.guest_orders_at_confirmation")
def guest_orders_at_confirmation(sender, *, customer, **kwargs):
    guests.guest_orders_join(customer=customer)
