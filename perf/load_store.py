"""The load scenario's store work, before and after the run (perf/load.sh calls it; not a benchmark).

Usage (with the environment perf/load.sh sets: DJANGO_SETTINGS_MODULE, the temp store's paths):

    python perf/load_store.py seed --customers 130 --out users.json
    python perf/load_store.py check --users users.json --answers checkouts.jsonl

``seed`` signs customers up through the project's own services (``customer_register``, then
``customer_email_confirm`` with the token of the confirmation e-mail it queued) and saves each one an
address in a delivery zone (``customer_address_save``), then picks CEPs the CEP database knows: some
in the delivery zones with their street names (for deliveries to a new address) and some anywhere (for
the CEP API). It writes all of that as JSON for perf/locustfile.py.

``check`` reads the store after the run and compares it with what the load test saw: every checkout
answered with a redirect to ``/pedidos/<id>/`` must be exactly one stored order of that customer, and
``<id>`` must be the id that customer's checkout key derives (``orders.checkout.order_ids``). Orders
stored that no answer named are counted too (a request the client gave up on may still have placed
one). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "carga-de-sexta-feira-42"


def setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perf.load_settings")
    django.setup()


def seed(customers: int, out: Path) -> None:
    setup()
    from django.conf import settings

    from accounts import emails, selectors, services
    from accounts.entities import Address
    from locations.selectors import cep_lookup
    from ocipizza.pizzeria.selectors import pizzeria_get

    pizzeria = pizzeria_get()
    zones = [(int(start), int(end)) for zone in pizzeria.delivery_zones for start, end in zone.cep_ranges]
    connection = sqlite3.connect(f"file:{settings.CEP_DB_PATH}?mode=ro", uri=True)
    in_zone = " OR ".join("cep BETWEEN ? AND ?" for _ in zones)
    rows = connection.execute(
        f"SELECT cep FROM ceps WHERE street_id IS NOT NULL AND ({in_zone}) ORDER BY random() LIMIT 400",
        [bound for zone in zones for bound in zone],
    ).fetchall()
    anywhere = connection.execute("SELECT cep FROM ceps ORDER BY random() LIMIT 400").fetchall()
    connection.close()
    addresses = []
    for (number,) in rows:
        found = cep_lookup(cep=f"{number:08d}")
        if (
            found.logradouro
            and found.bairro
            and pizzeria.zone_for(cep=f"{number:08d}", bairro=found.bairro, cidade=found.localidade)
        ):
            addresses.append(
                {
                    "cep": f"{number:08d}",
                    "logradouro": found.logradouro,
                    "bairro": found.bairro,
                    "cidade": found.localidade,
                    "uf": found.uf,
                }
            )
    if not addresses:
        raise SystemExit("no CEP of the CEP database falls in a delivery zone: was build_cep_db run?")

    # The confirmation token only travels in the e-mail; catch it on its way to the outbox.
    tokens = {}
    queue_confirmation = emails.email_confirmation

    def keep_token(*, customer, token, base_url):
        tokens[customer.id] = token
        return queue_confirmation(customer=customer, token=token, base_url=base_url)

    emails.email_confirmation = keep_token
    users = []
    for index in range(customers):
        email = f"carga{index:04d}@example.com"
        customer = services.customer_register(
            name=f"Cliente Carga {index}",
            email=email,
            telephone=f"(11) 9{index:04d}-{index:04d}",
            password=PASSWORD,
            base_url="https://127.0.0.1",
            privacy_version=settings.PRIVACY_NOTICE_VERSION,
        )
        if customer is None:  # already there (a store used twice): confirmed the first time
            customer = selectors.customer_get_by_email(email=email)
        else:
            services.customer_email_confirm(customer_id=customer.id, token=tokens[customer.id])
        if not customer.addresses:
            place = addresses[index % len(addresses)]
            services.customer_address_save(
                customer_id=customer.id,
                address=Address(
                    cep=place["cep"],
                    street=place["logradouro"],
                    number=str(10 + index),
                    complement="",
                    district=place["bairro"],
                    city=place["cidade"],
                    state=place["uf"],
                    label="Casa",
                ),
            )
        users.append({"email": email, "password": PASSWORD, "customer_id": customer.id})
        if (index + 1) % 20 == 0 or index + 1 == customers:
            print(f"  {index + 1}/{customers} customers signed up and confirmed", flush=True)
    document = {
        "users": users,
        "delivery_addresses": addresses,
        "ceps": sorted({f"{number:08d}" for (number,) in anywhere} | {a["cep"] for a in addresses}),
        "categories": sorted(category.slug for category in _menu_categories()),
    }
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1))
    print(f"  {len(addresses)} delivery CEPs and {len(document['ceps'])} CEPs for the API", flush=True)


def _menu_categories():
    from menu.selectors import menu_get

    return menu_get().categories


def check(users_file: Path, answers_file: Path, earlier: list[Path] = ()) -> dict:
    """Each answer of this run against the store. ``earlier``: answer files of earlier runs against the
    same store (``--saturation``), whose orders are theirs, not this run's unanswered ones."""
    setup()
    from orders import repositories
    from orders.checkout import order_ids

    users = json.loads(users_file.read_text())["users"]
    answers = []
    if answers_file.exists():
        answers = [json.loads(line) for line in answers_file.read_text().splitlines() if line.strip()]
    stored = {user["customer_id"]: Counter() for user in users}
    for customer_id, counts in stored.items():
        for order in repositories.orders_all_of(customer_id=customer_id):
            counts[order.order_id] += 1
    matched = wrong_id = missing = 0
    answered = Counter()
    for answer in answers:
        customer_id, order_id = answer["customer_id"], answer["order_id"]
        answered[(customer_id, order_id)] += 1
        if order_ids(customer_id=customer_id, key=answer["key"])[0] != order_id:
            wrong_id += 1
        elif stored.get(customer_id, Counter())[order_id] == 1:
            matched += 1
        else:
            missing += 1
    theirs = set()
    for path in earlier:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    answer = json.loads(line)
                    theirs.add((answer["customer_id"], answer["order_id"]))
    unanswered = sum(
        1
        for customer_id, counts in stored.items()
        for order_id in counts
        if (customer_id, order_id) not in answered and (customer_id, order_id) not in theirs
    )
    result = {
        "answered": len(answers),
        "distinct_answers": len(answered),
        "stored": sum(
            sum(n for order_id, n in counts.items() if (customer_id, order_id) not in theirs)
            for customer_id, counts in stored.items()
        ),
        "matched": matched,
        "not_stored_once": missing,
        "wrong_id": wrong_id,
        "stored_unanswered": unanswered,
    }
    result["ok"] = matched == len(answers) and not missing and not wrong_id and len(answers) > 0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="action", required=True)
    seed_parser = actions.add_parser("seed")
    seed_parser.add_argument("--customers", type=int, default=130)
    seed_parser.add_argument("--out", type=Path, required=True)
    check_parser = actions.add_parser("check")
    check_parser.add_argument("--users", type=Path, required=True)
    check_parser.add_argument("--answers", type=Path, required=True)
    check_parser.add_argument("--earlier", type=Path, nargs="*", default=[], help="earlier runs' answers")
    args = parser.parse_args()
    if args.action == "seed":
        random.seed()
        seed(args.customers, args.out)
    else:
        print(json.dumps(check(args.users, args.answers, args.earlier)))


if __name__ == "__main__":
    main()
