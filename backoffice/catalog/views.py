"""The menu pages: the list (order, categories), and one form to create or edit a pizza or drink.

Wrapped by ``BackofficeSite.admin_view`` with ``manage_menu``; plain POST forms that work without
JavaScript; writes go through ``menu.services``, which drop the cached menu so customers see the change
on their next page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from menu.entities import DRINKS
from menu.selectors import catalog_categories, catalog_get, catalog_item_get
from menu.services import (
    MenuConflict,
    MenuEditError,
    category_save,
    menu_item_create,
    menu_item_update,
    menu_reorder,
    menu_size_choices,
)

from ..sites import site
from .forms import CategoryForm, ItemForm, MoveForm, format_brl

PAGE = "backoffice:catalog"


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Confira o formulário.")


@require_GET
def catalog(request):
    context = {**site.each_context(request), "sections": catalog_get(), "category_form": CategoryForm()}
    return render(request, "backoffice/catalog/page.html", context)


def _service_arguments(form: ItemForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "category": data["category"],
        "description": data["description"],
        "price": data["price"],
        "size_prices": form.size_prices(),
        "half_and_half": data["half_and_half"],
        "hidden": data["hidden"],
        "photo": data.get("photo") or None,
    }


def _add_service_error(form: ItemForm, error: MenuEditError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _render_form(request, form: ItemForm, *, item=None, conflict=None, status: int = 200):
    context = {
        **site.each_context(request),
        "form": form,
        "item": item,
        "conflict": conflict,
        "drinks": DRINKS,
    }
    return render(request, "backoffice/catalog/item_form.html", context, status=status)


def _saved_message(request, item, *, created: bool) -> None:
    if created and item.hidden:
        text = _("Criado: %(name)s, escondido do cardápio.")
    elif created:
        text = _("Criado: %(name)s. Os clientes já veem.")
    elif item.hidden:
        text = _("Salvo: %(name)s, escondido do cardápio.")
    else:
        text = _("Salvo: %(name)s. Os clientes já veem.")
    messages.success(request, text % {"name": item.name})


@require_http_methods(["GET", "POST"])
def item_new(request):
    sizes = menu_size_choices()
    categories = catalog_categories()
    if request.method == "GET":
        initial = {"category": request.GET.get("categoria", "")}
        return _render_form(request, ItemForm(initial=initial, categories=categories, sizes=sizes))
    form = ItemForm(request.POST, request.FILES, categories=categories, sizes=sizes)
    if form.is_valid():
        try:
            item = menu_item_create(**_service_arguments(form))
        except MenuEditError as e:
            _add_service_error(form, e)
        else:
            _saved_message(request, item, created=True)
            return redirect(f"{reverse(PAGE)}#item-{item.slug}")
    return _render_form(request, form, status=400)


@require_http_methods(["GET", "POST"])
def item_edit(request, slug: str):
    found = catalog_item_get(slug)
    if found is None:
        raise Http404(_("Este item não está no cardápio."))
    item, version = found
    sizes = menu_size_choices(item)
    categories = catalog_categories()
    if request.method == "GET":
        form = ItemForm(initial=ItemForm.initial_for(item, version), categories=categories, sizes=sizes)
        return _render_form(request, form, item=item)
    form = ItemForm(request.POST, request.FILES, categories=categories, sizes=sizes)
    if form.is_valid():
        try:
            changed = menu_item_update(
                slug=item.slug,
                expected_version=form.expected_version(),
                remove_photo=form.cleaned_data["remove_photo"],
                **_service_arguments(form),
            )
        except MenuConflict as e:
            # Drawn afresh from what is stored now; what this manager typed is listed beside it.
            typed = _typed(form, categories)
            fresh = ItemForm(
                initial=ItemForm.initial_for(e.current, e.version),
                categories=categories,
                sizes=menu_size_choices(e.current),
            )
            messages.error(request, str(e))
            conflict = {"typed": typed, "photo": bool(form.cleaned_data.get("photo"))}
            return _render_form(request, fresh, item=e.current, conflict=conflict, status=409)
        except MenuEditError as e:
            _add_service_error(form, e)
        else:
            _saved_message(request, changed, created=False)
            return redirect(f"{reverse(PAGE)}#item-{changed.slug}")
    return _render_form(request, form, item=item, status=400)


def _typed(form: ItemForm, categories) -> list[tuple[str, str]]:
    """What the manager had typed, as (label, value) lines to show beside the current values."""
    data = form.cleaned_data
    names = {c.slug: c.name for c in categories}
    yes, no = _("sim"), _("não")
    lines = [
        (form.fields["name"].label, data["name"]),
        (form.fields["category"].label, names.get(data["category"], data["category"])),
        (form.fields["description"].label, data["description"]),
    ]
    if data["category"] == DRINKS or not form.sizes:
        lines.append((form.fields["price"].label, format_brl(data["price"])))
    else:
        for size in form.sizes:
            lines.append((size.name, format_brl(data.get(f"price_{size.code}")) or "—"))
    lines.append((form.fields["half_and_half"].label, yes if data["half_and_half"] else no))
    lines.append((form.fields["hidden"].label, yes if data["hidden"] else no))
    return [(str(label), value) for label, value in lines]


@require_POST
def move(request):
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(PAGE)
    data = form.cleaned_data
    try:
        menu_reorder(kind=data["kind"], slug=data["slug"], direction=data["direction"])
    except MenuEditError as e:
        messages.error(request, str(e))
        return redirect(PAGE)
    anchor = "item" if data["kind"] == "item" else "category"
    return redirect(f"{reverse(PAGE)}#{anchor}-{data['slug']}")


@require_POST
def category(request):
    form = CategoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(PAGE)
    slug = form.cleaned_data["slug"] or None
    try:
        saved = category_save(name=form.cleaned_data["name"], slug=slug)
    except MenuEditError as e:
        messages.error(request, str(e))
        return redirect(PAGE)
    if slug:
        messages.success(request, _("Categoria renomeada: %(name)s.") % {"name": saved.name})
    else:
        text = _("Categoria criada: %(name)s. Ela aparece no cardápio quando tiver itens.")
        messages.success(request, text % {"name": saved.name})
    return redirect(f"{reverse(PAGE)}#category-{saved.slug}")
