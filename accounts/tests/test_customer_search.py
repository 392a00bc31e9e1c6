"""The customer search index (user.search_token): kept by the account services, read by prefix, rebuilt
by ``manage.py customer reindex``; and the LGPD export of a customer's data."""

import json
from dataclasses import replace

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts import repositories, selectors, services
from accounts.search import MAX_QUERY, SearchQueryInvalid, search_tokens
from accounts.selectors import SEARCH_LIMIT, SEARCH_MAX_ROWS, SEARCH_PAGE
from ocipizza.nosql import Eq, Query

SEARCH = repositories.SEARCH


def register(name, email, telephone):
    return services.customer_register(
        name=name,
        email=email,
        telephone=telephone,
        password="massa-fina-de-fermentacao",
        base_url="http://testserver",
        privacy_version=settings.PRIVACY_NOTICE_VERSION,
    )


def found(query):
    return [match.email for match in selectors.customers_search(query=query)]


def token_rows(store, customer_id):
    return {row["token"] for row in store.iterate(Query(SEARCH, (Eq("id", customer_id),)))}


@pytest.fixture
def people(nosql_store):
    return {
        "joao": register("João da Conceição", "Joao.C@Example.com", "(11) 98765-4321"),
        "ana": register("Ana Maria Souza", "ana@example.com", "(21) 99876-5432"),
        "mariana": register("Mariana Lopes", "mari@example.org", "+55 48 99111-2222"),
    }


def test_signup_writes_the_tokens_with_the_account(people, nosql_store):
    joao = people["joao"]
    assert token_rows(nosql_store, joao.id) == set(search_tokens(joao))
    assert {"w:joao", "w:da", "w:conceicao", "e:joao.c@example.com", "p:11987654321", "p:987654321"} == (
        token_rows(nosql_store, joao.id)
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("joão", ["Joao.C@example.com"]),
        ("JOAO", ["Joao.C@example.com"]),
        ("conceicao", ["Joao.C@example.com"]),
        ("Concei", ["Joao.C@example.com"]),
        ("mari", ["ana@example.com", "mari@example.org"]),  # Ana *Maria* and *Mariana*
        ("maria souza", ["ana@example.com"]),
        ("mar sou", ["ana@example.com"]),
        ("mariana souza", []),
        ("ana", ["ana@example.com"]),
    ],
)
def test_names_by_any_word_prefix_without_accents(people, query, expected):
    assert sorted(found(query)) == sorted(expected)


@pytest.mark.parametrize(
    "query",
    [
        "(11) 98765-4321",
        "11987654321",
        "+55 11 98765-4321",
        "+55 11 9876",
        "5511987654321",
        "98765-4321",
        "011 98765",
    ],
)
def test_phones_in_the_ways_people_write_them(people, query):
    assert found(query) == ["Joao.C@example.com"]


@pytest.mark.parametrize("query", ["joao.c@example.com", "JOAO.C@EXAMPLE.COM", "joao.c@", "joao.c@exam"])
def test_emails_whole_or_their_beginning(people, query):
    assert found(query) == ["Joao.C@example.com"]


def test_a_whole_email_goes_through_the_claim(people, nosql_store):
    nosql_store.stats.reset()
    assert found("ana@example.com") == ["ana@example.com"]
    assert nosql_store.stats.by_table[("get", "user_email")] == 1
    assert nosql_store.stats.calls.get("query", 0) == 0


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Digite um nome"),
        ("   ", "Digite um nome"),
        ("a", "pelo menos 2 letras"),
        ("11 9", "pelo menos 4 dígitos"),
        ("+1 415 555 0100", "Brasil"),
        ("x" * (MAX_QUERY + 1), f"até {MAX_QUERY} caracteres"),
    ],
)
def test_queries_that_cannot_be_run_say_why(people, nosql_store, query, message):
    nosql_store.stats.reset()
    with pytest.raises(SearchQueryInvalid, match=message):
        selectors.customers_search(query=query)
    assert nosql_store.stats.total == 0


def test_a_search_reads_one_range_not_every_customer(people, nosql_store):
    for number in range(30):
        register(f"Cliente {number} Pereira", f"c{number}@example.com", f"(31) 9{number:04d}-0000")
    nosql_store.stats.reset()
    assert found("joao") == ["Joao.C@example.com"]
    assert nosql_store.stats.calls == {"query": 1}
    nosql_store.stats.reset()
    result = selectors.customers_search(query="pereira")
    # 30 share the word: the first SEARCH_LIMIT are shown, "more" says there are others, and the
    # reads stop there (a page of SEARCH_PAGE rows holds them), whatever the size of the base.
    assert len(result) == SEARCH_LIMIT and result.more
    assert nosql_store.stats.calls == {"query": 1}
    assert SEARCH_LIMIT <= SEARCH_PAGE < SEARCH_MAX_ROWS


def test_a_common_word_with_other_words_reads_a_bounded_number_of_pages(nosql_store):
    pages = SEARCH_MAX_ROWS // SEARCH_PAGE
    for number in range(SEARCH_MAX_ROWS + 10):
        register(f"Silva {number}", f"s{number}@example.com", "(11) 98765-4321")
    nosql_store.stats.reset()
    result = selectors.customers_search(query="silva zz")  # the range is on the longer word
    assert len(result) == 0 and result.more  # "more": it stopped reading, so say to type more
    assert nosql_store.stats.calls == {"query": pages}


def test_profile_changes_move_the_tokens(people, nosql_store):
    joao = people["joao"]
    services.customer_profile_update(customer_id=joao.id, name="Joaquim Barbosa", telephone="(85) 99999-0000")
    assert found("joao") == [] and found("conceicao") == []
    assert found("joaquim") == found("barbosa") == found("(85) 99999-0000") == ["Joao.C@example.com"]
    assert found("11987654321") == []
    assert token_rows(nosql_store, joao.id) == set(search_tokens(selectors.customer_get(customer_id=joao.id)))


def test_a_login_does_not_rewrite_the_tokens(people, nosql_store):
    nosql_store.stats.reset()
    services.customer_authenticate(
        email="ana@example.com", password="massa-fina-de-fermentacao", client_ip="1.2.3.4"
    )
    assert nosql_store.stats.by_table[("put", "user")] == 1
    assert nosql_store.stats.calls.get("write_many", 0) == 0


def test_disabling_shows_in_the_results_and_deleting_removes_the_tokens(people, nosql_store):
    ana = people["ana"]
    services.customer_set_active(customer_id=ana.id, active=False)
    [match] = selectors.customers_search(query="souza")
    assert match.active is False
    services.customer_delete(customer_id=ana.id, notify=False)
    assert found("souza") == [] and found("ana@example.com") == [] and found("21998765432") == []
    assert token_rows(nosql_store, ana.id) == set()


def test_reindex_builds_the_tokens_of_older_accounts(people, nosql_store, capsys):
    # Accounts from before the index: their token rows are not there.
    for customer in people.values():
        for token in token_rows(nosql_store, customer.id):
            nosql_store.delete(SEARCH, {"id": customer.id, "token": token})
    assert found("joao") == []
    call_command("customer", "reindex", "--dry-run")
    assert "3 customer(s) read, 3 would be reindexed." in capsys.readouterr().out
    assert found("joao") == []
    call_command("customer", "reindex")
    assert "3 customer(s) read, 3 reindexed." in capsys.readouterr().out
    assert found("joao") == ["Joao.C@example.com"] and found("mari@example.org") == ["mari@example.org"]
    call_command("customer", "reindex")
    assert "3 customer(s) read, 0 reindexed." in capsys.readouterr().out


def test_reindex_removes_a_stale_token(people, nosql_store):
    joao = people["joao"]
    # As a rename racing in another region can leave it: a token and the name it was made from.
    stale = repositories._search_row(replace(joao, name="Zebedeu"), "w:zebedeu")
    nosql_store.put(SEARCH, stale)
    assert found("zebedeu") == ["Joao.C@example.com"]
    assert services.customer_search_rebuild(customer_id=joao.id) is True
    assert found("zebedeu") == []
    assert services.customer_search_rebuild(customer_id="no-such-customer-id") is None


def test_the_export_holds_the_account_and_never_its_secrets(people, nosql_store):
    from accounts.entities import Address

    ana = people["ana"]
    services.customer_address_save(
        customer_id=ana.id,
        address=Address(
            "01310100", "Avenida Paulista", "1000", "apto 5", "Bela Vista", "São Paulo", "SP", label="Casa"
        ),
    )
    data = selectors.customer_export(customer_id=ana.id)
    assert data["profile"]["name"] == "Ana Maria Souza" and data["profile"]["email"] == "ana@example.com"
    assert data["profile"]["telephone"] == "+5521998765432" and data["profile"]["active"] is True
    assert data["consent"]["privacy_notice_version"] == settings.PRIVACY_NOTICE_VERSION
    assert data["consent"]["accepted_at"]
    [address] = data["addresses"]
    assert (
        address["label"] == "Casa"
        and address["street"] == "Avenida Paulista"
        and address["cep"] == "01310100"
    )
    assert data["orders"] == []  # the orders app's hook: no orders yet
    stored = repositories.user_get(ana.id)
    text = json.dumps(data)
    assert stored.password not in text and stored.auth_stamp not in text
    assert "password" not in text and "auth_stamp" not in text
    assert selectors.customer_export(customer_id="no-such-customer-id") is None


@pytest.mark.usefixtures("oracle_store")
def test_search_and_its_upkeep_on_oracle(oracle_store):
    joao = register("João da Conceição", "joao@example.com", "(11) 98765-4321")
    register("Ana Maria Souza", "ana@example.com", "(21) 99876-5432")
    assert found("conceição") == found("(11) 98765-4321") == found("joao@ex") == ["joao@example.com"]
    assert sorted(found("an")) == ["ana@example.com"]
    services.customer_profile_update(customer_id=joao.id, name="Joaquim", telephone="(11) 98765-4321")
    assert found("conceicao") == [] and found("joaq") == ["joao@example.com"]
    services.customer_delete(customer_id=joao.id, notify=False)
    assert found("joaq") == [] and found("98765") == []
    ana = selectors.customer_get_by_email(email="ana@example.com")
    for token in token_rows(oracle_store, ana.id):
        oracle_store.delete(SEARCH, {"id": ana.id, "token": token})
    assert found("souza") == []
    call_command("customer", "reindex")
    assert found("souza") == ["ana@example.com"]
