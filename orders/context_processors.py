"""The cart badge in every page's header."""

from .cart import cart_count


def cart(request):
    # Lazy: only pages whose template shows the badge read the session.
    return {"cart_count": lambda: cart_count(request.session) if hasattr(request, "session") else 0}
