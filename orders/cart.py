"""The cart as it lives in the session: item ids, sizes, flavours and quantities, never prices."""

SESSION_KEY = "cart"


def cart_lines(session) -> list[dict]:
    cart = session.get(SESSION_KEY)
    if not isinstance(cart, dict) or not isinstance(cart.get("lines"), list):
        return []
    return [line for line in cart["lines"] if isinstance(line, dict)]


def cart_count(session) -> int:
    total = 0
    for line in cart_lines(session):
        quantity = line.get("qty")
        if isinstance(quantity, int) and not isinstance(quantity, bool) and 0 < quantity <= 20:
            total += quantity
    return total
