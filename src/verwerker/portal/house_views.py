"""The house's screens of the portals: the relation manager sets up shops, products and users (P05);
production sees the work orders bring (print files, picking lists) and reports shipping back. Staff see
orders for production only: no client's statistics, no shop pages."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.facilities.uploads import memory_uploads
from verwerker.portal import actions, pod, queries
from verwerker.portal.forms import LogoForm, MemberForm, ProductForm, ShopChangeForm, ShopForm
from verwerker.portal.models import Member, OrderState, Product, ProductKind
from verwerker.portal.payment import WebhookInvalid, provider_for


def _error(request, exc: ValidationError) -> None:
    messages.error(request, "; ".join(exc.messages))


def _cents(value) -> int:
    return int(Decimal(value or 0) * 100)


def shops(request):
    return render(request, "portal/house/shops.html", {"shops": queries.list_shops_for_admin(request.user)})


def shop_new(request):
    queries.list_shops_for_admin(request.user)  # the same 404 without the permission
    form = ShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shop = actions.do_set_up_shop(
                data["client"],
                slug=data["slug"],
                title=data["title"],
                colour_primary=data["colour_primary"],
                colour_accent=data["colour_accent"],
                actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The portal is set up."))
            return redirect("portal_house:shop", shop_id=shop.pk)
    return render(request, "portal/house/shop_new.html", {"form": form})


@memory_uploads
def shop_detail(request, shop_id: int):
    shop = queries.access_shop_admin_for(request.user, shop_id)
    actor = Actor.from_request(request)
    form = ShopChangeForm(instance=shop)
    logo_form = LogoForm()
    if request.method == "POST" and "logo" in request.FILES:
        try:
            actions.do_set_logo(shop, request.FILES["logo"].read(), actor=actor)
            messages.success(request, _("The logo is saved."))
        except ValidationError as exc:
            _error(request, exc)
        return redirect("portal_house:shop", shop_id=shop.pk)
    if request.method == "POST":
        form = ShopChangeForm(request.POST, instance=shop)
        if form.is_valid():
            try:
                actions.do_change_shop(shop, actor=actor, **{k: form.cleaned_data[k] for k in form.changed_data})
                messages.success(request, _("The portal is saved."))
                return redirect("portal_house:shop", shop_id=shop.pk)
            except ValidationError as exc:
                _error(request, exc)
        shop.refresh_from_db()
    return render(
        request,
        "portal/house/shop.html",
        {
            "shop": shop,
            "form": form,
            "logo_form": logo_form,
            "products": shop.products.all(),
            "members": shop.members.select_related("user", "approver__user"),
        },
    )


def _price_table(text: str) -> list[dict]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            if len(parts) != 4:
                raise ValueError
            rows.append(
                {
                    "quantity": int(parts[0]),
                    "paper": parts[1],
                    "finishing": parts[2],
                    "price_cents": int(Decimal(parts[3].replace(",", ".")) * 100),
                }
            )
        except (ValueError, InvalidOperation):
            raise ValidationError(
                _("Price table line %(n)s: quantity|paper|finishing|price.") % {"n": number}
            ) from None
    return rows


@memory_uploads
def product_edit(request, shop_id: int, product_id: int | None = None):
    shop = queries.access_shop_admin_for(request.user, shop_id)
    item = None
    if product_id is not None:
        item = Product.objects.filter(shop=shop, pk=product_id).first()
        if item is None:
            raise queries.Http404(queries.NOT_FOUND)
    initial = {
        "kind": ProductKind.PRINT_ON_DEMAND,
        "template_source": pod.business_card_template(shop.client.name, shop.colour_primary),
        "fields_text": pod.format_field_specs(pod.BUSINESS_CARD_FIELDS),
    }
    if item is not None:
        initial = {
            "kind": item.kind,
            "code": item.code,
            "name": item.name,
            "description": item.description,
            "price_euros": Decimal(item.price_cents) / 100,  # type: ignore[dict-item]
            "needs_approval": item.needs_approval,  # type: ignore[dict-item]
            "template_source": item.template_source,
            "fields_text": pod.format_field_specs(item.fields),
            "price_table_text": "\n".join(
                f"{r['quantity']}|{r.get('paper', '')}|{r.get('finishing', '')}|{Decimal(r['price_cents']) / 100:.2f}"
                for r in item.price_table
            ),
            "stock_level": item.stock_level,  # type: ignore[dict-item]
            "reorder_point": item.reorder_point,  # type: ignore[dict-item]
        }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = Actor.from_request(request)
        try:
            kind = data["kind"]
            saved = actions.do_save_product(
                shop,
                product=item,
                actor=actor,
                kind=kind,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                price_cents=_cents(data["price_euros"]),
                needs_approval=data["needs_approval"],
                template_source=data["template_source"] if kind == ProductKind.PRINT_ON_DEMAND else "",
                fields=pod.parse_field_specs(data["fields_text"]) if kind == ProductKind.PRINT_ON_DEMAND else [],
                price_table=_price_table(data["price_table_text"]) if kind == ProductKind.PRINT else [],
                reorder_point=data["reorder_point"] or 0,
            )
            if (
                kind == ProductKind.STOCK
                and data["stock_level"] is not None
                and data["stock_level"] != saved.stock_level
            ):
                actions.do_set_stock(saved, data["stock_level"], actor=actor)
            if kind == ProductKind.PRINT and "file" in request.FILES:
                upload = request.FILES["file"]
                actions.do_store_product_file(saved, upload.read(), upload.name, actor=actor)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("portal_house:shop", shop_id=shop.pk)
    return render(request, "portal/house/product.html", {"shop": shop, "product": item, "form": form})


def member_new(request, shop_id: int):
    shop = queries.access_shop_admin_for(request.user, shop_id)
    form = MemberForm(request.POST or None, shop=shop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _member, password = actions.do_add_member(
                shop,
                data["username"],
                email=data["email"],
                request_reference=data["request_reference"],
                perms=data,
                budget_cents=None if data["budget_euros"] is None else _cents(data["budget_euros"]),
                approver=data["approver"],
                actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            response = render(
                request,
                "portal/house/password.html",
                {"shop": shop, "username": data["username"], "password": password},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "portal/house/member.html", {"shop": shop, "form": form})


# -- production ---------------------------------------------------------------------------------------


def work(request):
    return render(
        request,
        "portal/house/work.html",
        {"orders": queries.work_queue(request.user), "notices": queries.stock_notices(request.user)},
    )


def work_detail(request, order_id: int):
    order = queries.access_work_for(request.user, order_id)
    actor = Actor.from_request(request)
    if request.method == "POST":
        try:
            if "delivered" in request.POST:
                actions.do_mark_delivered(order, actor=actor)
            else:
                actions.do_ship_order(order, track_and_trace=request.POST.get("track_and_trace", ""), actor=actor)
        except ValidationError as exc:
            _error(request, exc)
        return redirect("portal_house:work_order", order_id=order.pk)
    delivery = (
        queries.open_delivery(order, actor=actor, purpose="delivery") if order.state == OrderState.IN_PRODUCTION else {}
    )
    return render(
        request,
        "portal/house/work_order.html",
        {
            "order": order,
            "delivery": delivery,
            "picking": queries.picking_list(order),
            "print_lines": order.lines.select_related("product").filter(product__kind=ProductKind.PRINT_ON_DEMAND),
            "print_products": order.lines.select_related("product").filter(product__kind=ProductKind.PRINT),
        },
    )


def print_file(request, order_id: int, line_id: int):
    """The print file of a print-on-demand line, read from the vault for production (audited)."""
    from verwerker.vault.actions import read_blob_bytes  # local: same layer or upward, a cycle at the top
    from verwerker.vault.models import ReadPurpose  # local: same layer or upward, a cycle at the top

    order = queries.access_work_for(request.user, order_id)
    line = order.lines.filter(pk=line_id, pdf_blob__isnull=False).first()
    if line is None:
        raise queries.Http404(queries.NOT_FOUND)
    data = read_blob_bytes(line.pdf_blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.PRODUCTION)  # type: ignore[arg-type]
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{order.number}-{line.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def payment_webhook(request, provider: str):
    """A payment provider reports a state; only a verified webhook changes an order (no card data here)."""
    try:
        event = provider_for(provider).verify_webhook(
            request.body, {"X-Signature": request.headers.get("X-Signature", "")}
        )
    except (KeyError, WebhookInvalid):
        return HttpResponse(status=400)
    order = actions.do_update_payment(event.reference, event.state, actor=Actor.system(f"payment {provider}"))
    return HttpResponse(
        json.dumps({"ok": order is not None}), content_type="application/json", status=200 if order is not None else 404
    )


def member_edit(request, shop_id: int, member_id: int):
    """The relation manager changes a portal user's permission set on the client's request."""
    from verwerker.portal.views import change_member  # local: same layer or upward, a cycle at the top

    shop = queries.access_shop_admin_for(request.user, shop_id)
    other = Member.objects.filter(shop=shop, pk=member_id).select_related("user").first()
    if other is None:
        raise queries.Http404(queries.NOT_FOUND)
    result = change_member(request, other, reverse("portal_house:shop", kwargs={"shop_id": shop.pk}))
    if isinstance(result, HttpResponse):
        return result
    return render(request, "portal/house/member_edit.html", {"shop": shop, "other": other, "form": result})
