"""The cart badge in every page's header."""

from .cart import cart_count, cart_for


def cart(request):
    # Lazy: only pages whose template shows the badge read the cart (the session, or the account row
    # the signed-in request loads anyway).
    return {"cart_count": lambda: cart_count(cart_for(request)) if hasattr(request, "session") else 0}
