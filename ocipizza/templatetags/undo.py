"""``{% undo_button %}``: the "Desfazer" form of the session's current undo offer (ocipizza/undo.py)."""

from django import template

from ocipizza.undo import undo_pending

register = template.Library()


@register.inclusion_tag("includes/undo_button.html", takes_context=True)
def undo_button(context):
    request = context.get("request")
    return {"offer": undo_pending(request) if request else None, "csrf_token": context.get("csrf_token")}
