"""``{% fragment "name" key... %}...{% endfragment %}``: render the block once per name, language and keys.

The pieces live in the ``fragments`` cache (``ocipizza.fragments``). Django's own ``{% cache %}`` tag
would store the first visitor's CSRF token with the HTML; here ``{% csrf_token %}`` inside the block
writes a hole that CsrfHoleMiddleware fills per request, so forms may be cached too. Keys must name
everything the block depends on besides the language; leave values that change with every request (the
query string, a ``next`` field) outside the block rather than in its keys.
"""

from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

from ocipizza.fragments import csrf_hole, fragment

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, keys):
        self.nodelist, self.name, self.keys = nodelist, name, keys

    def render(self, context):
        key = (
            "fragment",
            self.name.resolve(context),
            translation.get_language(),
            *(k.resolve(context) for k in self.keys),
        )

        def render_block():
            with context.push(csrf_token=csrf_hole()):
                return self.nodelist.render(context)

        return mark_safe(fragment(key, render_block))  # noqa: S308 - our own template's output


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name and may take keys")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
