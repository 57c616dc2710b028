"""The client's shop at /portal/<slug>/ (its users only) — thin views over queries and actions.

Every view starts with queries.access_member_for, which gives the same 404 to a stranger, to a user of
another client, to a user without the permission and to someone not logged in. The cart lives in the
session with print-on-demand fields sealed (sessions are rows in the database).
"""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from verwerker.audit.actors import Actor
from verwerker.portal import actions, pod, queries
from verwerker.portal.forms import AddressForm, CheckoutForm, MemberChangeForm, MemberForm
from verwerker.portal.models import Member, OrderState, ProductKind
from verwerker.portal.payment import provider_for
from verwerker.portal.sealed import SEALING

CART = "portal_cart"


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _in_field_order(product, values: dict) -> dict:
    """The fields as the product lists them (sealed JSON comes back sorted by name)."""
    names = [spec["name"] for spec in product.fields]
    return {name: values[name] for name in names if name in values}


def _ctx(member: Member, **extra) -> dict:
    return {"member": member, "shop": member.shop, "cart_count": 0, **extra}


# -- the cart (session; fields sealed) --------------------------------------------------------------


def _cart(request) -> dict:
    return request.session.get(CART) or {"key": str(uuid.uuid4()), "lines": []}


def _cart_lines(request, member: Member) -> list[dict]:
    cart = _cart(request)
    return [line for line in cart["lines"] if line.get("shop") == member.shop_id]


def _seal_values(cart: dict, values: dict) -> str:
    from verwerker.vault.storage import master_key  # local: same layer or upward, a cycle at the top

    wrapped, data = SEALING.seal(master_key(), uuid.UUID(cart["key"]), values)
    return base64.b64encode(wrapped).decode() + "." + base64.b64encode(data).decode()


def _unseal_values(cart: dict, sealed: str) -> dict:
    from verwerker.vault.storage import master_key  # local: same layer or upward, a cycle at the top

    if not sealed:
        return {}
    wrapped, data = (base64.b64decode(part) for part in sealed.split("."))
    return SEALING.unseal(master_key(), uuid.UUID(cart["key"]), wrapped, data)


def _add_to_cart(request, member: Member, product, quantity: int, options: dict, values: dict) -> None:
    cart = _cart(request)
    cart["lines"].append(
        {
            "shop": member.shop_id,
            "product": product.pk,
            "quantity": quantity,
            "options": options,
            "sealed": _seal_values(cart, values) if values else "",
        }
    )
    request.session[CART] = cart


# -- pages ----------------------------------------------------------------------------------------------


def shop_home(request, slug: str):
    member = queries.access_member_for(request.user, slug)
    products = queries.list_products(member.shop)
    return render(
        request,
        "portal/shop.html",
        _ctx(
            member,
            products=products,
            cart_count=len(_cart_lines(request, member)),
            waiting=queries.approval_queue(member).count() if member.may_approve else 0,
        ),
    )


def theme_css(request, slug: str):
    """The shop's colours as a stylesheet (the Content-Security-Policy allows no inline styles)."""
    member = queries.access_member_for(request.user, slug)
    shop = member.shop  # colours are validated as #rrggbb, so nothing else reaches the stylesheet
    css = (
        f".portal-shop header {{ background:{shop.colour_accent}; }}\n"
        f".portal-shop button:not(.danger):not(.secondary), .portal-shop .button "
        f"{{ background:{shop.colour_primary}; }}\n"
        f".portal-shop h1 {{ color:{shop.colour_primary}; }}\n"
    )
    return HttpResponse(css, content_type="text/css")


def logo(request, slug: str):
    member = queries.access_member_for(request.user, slug)
    if not member.shop.logo_png:
        return HttpResponse(status=404)
    return HttpResponse(bytes(member.shop.logo_png), content_type="image/png")


def product(request, slug: str, product_id: int):
    member = queries.access_member_for(request.user, slug, perm="may_order")
    item = queries.access_product_for(member, product_id)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        try:
            quantity = int(request.POST.get("quantity") or 0)
        except ValueError:
            quantity = 0
        options = {k: request.POST.get(k, "") for k in ("paper", "finishing") if request.POST.get(k)}
        if item.kind == ProductKind.PRINT_ON_DEMAND:
            values, errors = pod.clean_values(item.fields, request.POST)
        if quantity < 1:
            errors["quantity"] = _("The quantity must be at least 1.")
        if not errors:
            try:
                actions.price_of(item, quantity, options)
            except ValidationError as exc:
                errors["quantity"] = "; ".join(exc.messages)
        if not errors:
            _add_to_cart(request, member, item, quantity, options, values)
            messages.success(request, _("%(name)s is in your cart.") % {"name": item.name})
            return redirect("portal:cart", slug=slug)
    specs = [pod.FieldSpec.from_dict(s) for s in item.fields]
    fields = [{"spec": s, "value": values.get(s.name, ""), "error": errors.get(s.name, "")} for s in specs]
    return _no_store(
        render(
            request,
            "portal/product.html",
            _ctx(
                member,
                product=item,
                fields=fields,
                errors=errors,
                cart_count=len(_cart_lines(request, member)),
                price_table=item.price_table,
                quantities=sorted({int(r["quantity"]) for r in item.price_table}),
            ),
        )
    )


def _pod_values(request, member: Member, product_id: int) -> tuple:
    item = queries.access_product_for(member, product_id)
    if item.kind != ProductKind.PRINT_ON_DEMAND:
        raise queries.Http404(queries.NOT_FOUND)
    values, errors = pod.clean_values(item.fields, request.POST)
    # The preview shows what was typed even while a field is not yet valid; the order checks it again.
    shown = {
        k: (" ".join(str(request.POST.get(k, "")).split())[: pod.MAX_VALUE] if k in errors else v)
        for k, v in values.items()
    }
    return item, shown, errors


def preview_png(request, slug: str, product_id: int):
    """The live proof: the first page as PNG, rendered in memory from the posted fields (not stored)."""
    member = queries.access_member_for(request.user, slug, perm="may_order")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item, values, errors = _pod_values(request, member, product_id)
    try:
        png = pod.render_png(item.template_source, values)
    except pod.TemplateError:
        return _no_store(JsonResponse({"error": _("The proof cannot be made.")}, status=422))
    response = _no_store(HttpResponse(png, content_type="image/png"))
    response["X-Field-Errors"] = str(len(errors))
    return response


def proof_pdf(request, slug: str, product_id: int):
    """A PDF proof on request, from the same template and fields the print file will be made from."""
    member = queries.access_member_for(request.user, slug, perm="may_order")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item, values, errors = _pod_values(request, member, product_id)
    if errors:
        return _no_store(JsonResponse({"errors": errors}, status=422))
    response = _no_store(HttpResponse(pod.render_pdf(item.template_source, values), content_type="application/pdf"))
    response["Content-Disposition"] = f'inline; filename="proef-{item.code}.pdf"'
    return response


def cart(request, slug: str):
    member = queries.access_member_for(request.user, slug, perm="may_order")
    full = _cart(request)
    if request.method == "POST" and "remove" in request.POST:
        index = int(request.POST.get("remove") or -1)
        mine = [i for i, line in enumerate(full["lines"]) if line.get("shop") == member.shop_id]
        if 0 <= index < len(mine):
            del full["lines"][mine[index]]
            request.session[CART] = full
        return redirect("portal:cart", slug=slug)
    lines = []
    for line in _cart_lines(request, member):
        item = queries.list_products(member.shop).filter(pk=line["product"]).first()
        if item is not None:
            lines.append(
                {
                    "product": item,
                    "quantity": line["quantity"],
                    "options": line["options"],
                    "price": actions.price_of(item, line["quantity"], line["options"]),
                    "values": _in_field_order(item, _unseal_values(full, line.get("sealed", ""))),
                }
            )
    entries = member.shop.addresses.all()
    form = CheckoutForm(entries=entries)
    return _no_store(
        render(
            request,
            "portal/cart.html",
            _ctx(member, lines=lines, form=form, total=sum(line["price"] for line in lines), cart_count=len(lines)),
        )
    )


def checkout(request, slug: str):
    member = queries.access_member_for(request.user, slug, perm="may_order")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    full = _cart(request)
    entries = member.shop.addresses.all()
    form = CheckoutForm(request.POST, entries=entries)
    lines = [
        actions.CartLine(
            line["product"], line["quantity"], line["options"], _unseal_values(full, line.get("sealed", ""))
        )
        for line in _cart_lines(request, member)
    ]
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, error)  # type: ignore[arg-type]
        return redirect("portal:cart", slug=slug)
    data = form.cleaned_data
    entry = queries.access_address_for(member, data["address_entry"]) if data.get("address_entry") else None
    try:
        order = actions.do_place_order(
            member,
            lines,
            address=None if entry else data,
            address_entry=entry,
            cost_centre=data["cost_centre"],
            reference=data["reference"],
            actor=Actor.from_request(request),
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("portal:cart", slug=slug)
    full["lines"] = [line for line in full["lines"] if line.get("shop") != member.shop_id]
    request.session[CART] = full
    if order.state == OrderState.AWAITING_APPROVAL:
        messages.success(request, _("Order %(number)s is placed and waits for approval.") % {"number": order.number})
    else:
        messages.success(request, _("Order %(number)s is placed.") % {"number": order.number})
    if order.state == OrderState.AWAITING_PAYMENT:
        return redirect(provider_for(order.payment_provider).pay_url(order.payment_reference))
    return redirect("portal:order", slug=slug, number=order.number)


def orders(request, slug: str):
    member = queries.access_member_for(request.user, slug)
    return render(
        request,
        "portal/orders.html",
        _ctx(member, orders=queries.visible_orders(member)[:200], cart_count=len(_cart_lines(request, member))),
    )


def order_detail(request, slug: str, number: str):
    member = queries.access_member_for(request.user, slug)
    order = queries.access_order_for(member, number)
    actor = Actor.from_request(request)
    delivery = queries.open_delivery(order, actor=actor, purpose="history")
    lines = [
        {
            "line": line,
            "values": _in_field_order(line.product, queries.open_line_values(line, actor=actor, purpose="history"))
            if line.sealed_data is not None
            else {},
        }
        for line in order.lines.select_related("product", "order", "order__shop")
    ]
    return _no_store(
        render(
            request,
            "portal/order.html",
            _ctx(
                member,
                order=order,
                delivery=delivery,
                lines=lines,
                may_decide=actions.may_decide(member, order),
                approvals=order.approvals.select_related("by"),
                cart_count=len(_cart_lines(request, member)),
            ),
        )
    )


def reorder(request, slug: str, number: str):
    """Put an earlier order's products (and the business card's fields) back in the cart."""
    member = queries.access_member_for(request.user, slug, perm="may_order")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = queries.access_order_for(member, number)
    actor = Actor.from_request(request)
    added = 0
    for line in order.lines.select_related("product", "order", "order__shop"):
        if line.product.active:
            values = (
                queries.open_line_values(line, actor=actor, purpose="order") if line.sealed_data is not None else {}
            )
            _add_to_cart(request, member, line.product, line.quantity, line.options, values)
            added += 1
    messages.success(
        request, _("%(n)s products from order %(number)s are in your cart.") % {"n": added, "number": number}
    )
    return redirect("portal:cart", slug=slug)


def decide(request, slug: str, number: str):
    member = queries.access_member_for(request.user, slug, perm="may_approve")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = queries.access_order_for(member, number)
    try:
        actions.do_decide_order(
            order, member, approve=request.POST.get("decision") == "approve", actor=Actor.from_request(request)
        )
    except PermissionDenied:
        return HttpResponse(_("You may not decide on this order."), status=403)
    messages.success(request, _("Your decision on order %(number)s is recorded.") % {"number": number})
    return redirect("portal:approvals", slug=slug)


def approvals(request, slug: str):
    member = queries.access_member_for(request.user, slug, perm="may_approve")
    return render(
        request,
        "portal/approvals.html",
        _ctx(member, orders=queries.approval_queue(member), cart_count=len(_cart_lines(request, member))),
    )


def addresses(request, slug: str):
    member = queries.access_member_for(request.user, slug, perm="manages_addresses")
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_address(
                member.shop, request.POST.get("label", ""), form.cleaned_data, actor=Actor.from_request(request)
            )
            messages.success(request, _("The address is in the address book."))
            return redirect("portal:addresses", slug=slug)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    return render(request, "portal/addresses.html", _ctx(member, entries=member.shop.addresses.all(), form=form))


def _euros_to_cents(value) -> int | None:
    return None if value is None else int(Decimal(value) * 100)


def users(request, slug: str):
    """The client's own user management (a member who manages users): new users and permission sets."""
    member = queries.access_member_for(request.user, slug, perm="manages_users")
    form = MemberForm(request.POST or None, shop=member.shop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _new, password = actions.do_add_member(
                member.shop,
                data["username"],
                email=data["email"],
                request_reference=data["request_reference"],
                perms=data,
                budget_cents=_euros_to_cents(data["budget_euros"]),
                approver=data["approver"],
                actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            return _no_store(
                render(request, "portal/password.html", _ctx(member, username=data["username"], password=password))
            )
    return render(
        request,
        "portal/users.html",
        _ctx(member, members=member.shop.members.select_related("user", "approver__user"), form=form),
    )


def settings_page(request, slug: str):
    """The client's portal settings: order statistics on or off (P06), and the statistics when on."""
    member = queries.access_member_for(request.user, slug, perm="manages_users")
    if request.method == "POST":
        actions.do_switch_analytics(
            member.shop, request.POST.get("analytics") == "on", actor=Actor.from_request(request)
        )
        messages.success(request, _("The settings are saved."))
        return redirect("portal:settings", slug=slug)
    return render(request, "portal/settings.html", _ctx(member, statistics=queries.order_statistics(member)))


def change_member(request, other: Member, redirect_to: str) -> HttpResponse | MemberChangeForm:
    """The permission-set form of ``other`` (the client's own user management and the house's share it):
    a redirect once saved, else the form to show."""
    form = MemberChangeForm(request.POST or None, member=other)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_change_member(
                other,
                perms=data,
                budget_cents=_euros_to_cents(data["budget_euros"]),
                approver=data["approver"],
                second_approver=other.second_approver,
                actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The permissions of %(name)s are saved.") % {"name": other.user.username})
            return redirect(redirect_to)
    return form


def user_edit(request, slug: str, member_id: int):
    member = queries.access_member_for(request.user, slug, perm="manages_users")
    other = queries.access_shop_member_for(member, member_id)
    result = change_member(request, other, reverse("portal:users", kwargs={"slug": slug}))
    if isinstance(result, HttpResponse):
        return result
    return render(request, "portal/user_edit.html", _ctx(member, other=other, form=result))
