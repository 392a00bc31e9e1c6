"""The menu page grows linearly with the menu (issue 13): no card may carry a list of every other pizza.

The half-and-half picker used to list every other pizza in every card, so a 200-item menu weighed 4 MB.
Each menu here is the shipped one plus generated pizzas (``menu.testing.menu_with_pizzas``, which
perf/run.py's growth figure uses too), loaded with load_menu; the page is weighed at N, 2N and 4N items.
A linear page adds twice as many bytes from 2N to 4N as from N to 2N; a page with a list per card adds
four times as many.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from conftest import MenuData
from menu.testing import menu_with_pizzas

SIZES = (40, 80, 160)


@pytest.fixture
def weigh(client, tmp_path, pizzeria_loaded):
    """``weigh(count, address)``: the bytes of ``address`` with a menu of ``count`` items loaded."""

    def weigh(count: int, address: str) -> int:
        call_command(
            "load_menu", "--source", str(menu_with_pizzas(tmp_path, count)), "--overwrite", stdout=StringIO()
        )
        response = client.get(address)
        assert response.status_code == 200
        html = response.content.decode()
        assert len(re.findall(r'<li class="menu-card', html)) == count  # every item is on the page
        return len(response.content)

    return weigh


def assert_linear(sizes: list[int]):
    small, medium, large = sizes
    # From 2N to 4N a linear page grows by twice what it grew from N to 2N; a quadratic one by four times.
    assert large - medium < 2.5 * (medium - small), sizes


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("/", id="with-or-without-scripts"),
        # Without scripts the chosen card lists the other halves itself: one list, not one per card.
        pytest.param("/?meio=calabresa", id="one-card-open-without-scripts"),
    ],
)
def test_the_menu_page_grows_linearly_with_the_menu(weigh, address):
    assert_linear([weigh(count, address) for count in SIZES])


def test_the_open_card_lists_every_other_half(weigh, client):
    weigh(SIZES[0], "/")
    html = client.get("/?meio=calabresa").content.decode()
    card = re.search(r'data-item="calabresa".*?</li>', html, re.S).group(0)
    # Every pizza but itself; the drinks are not halves.
    listing = html.split('<template id="half-options">', 1)[1].split("</template>", 1)[0]
    halves = set(re.findall(r'<option value="([^"]+)"', listing))
    shipped = MenuData()
    assert len(halves) == len(shipped.pizzas) + SIZES[0] - len(shipped.items)  # drinks are not halves
    assert set(re.findall(r'<option value="([^"]+)"', card)) == halves - {"calabresa"}
