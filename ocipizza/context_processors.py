"""Values every page template needs."""

from django.conf import settings


def site(request):
    from orders.cart import cart_count

    return {
        "SITE_NAME": settings.SITE_NAME,
        # Lazy: only pages whose template shows the badge read the session.
        "cart_count": lambda: cart_count(request.session) if hasattr(request, "session") else 0,
    }
