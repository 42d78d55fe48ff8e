from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billetterie.core.admin import OrganizerScopedAdmin
from billetterie.core.errors import Conflict

from .models import Event, EventDate, Price, Product, Question, Quota
from .services import date_capacity_sync, product_delete


class EventDateInline(admin.TabularInline):
    model = EventDate
    extra = 0


@admin.register(Event)
class EventAdmin(OrganizerScopedAdmin):
    list_display = ["title", "section", "theme", "publication", "organizer"]
    list_filter = ["section", "publication"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview_link"]
    inlines = [EventDateInline]

    @admin.display(description=_("secret preview link"))
    def preview_link(self, obj: Event) -> str:
        if not obj.pk:
            return "—"
        url = reverse("shop:preview", args=[obj.organizer.slug, obj.slug, obj.preview_token])
        return format_html('<a href="{}">{}</a>', url, url)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for date in form.instance.dates.all():
            date_capacity_sync(date=date)


class PriceFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.order_lines.exists():
                raise forms.ValidationError(
                    _("The price “%(name)s” has sales: untick “on sale” instead of deleting it.")
                    % {"name": form.instance.name}
                )


class PriceInline(admin.TabularInline):
    model = Price
    formset = PriceFormSet
    extra = 1


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Product)
class ProductAdmin(OrganizerScopedAdmin):
    organizer_path = "event__organizer"
    list_display = ["name", "kind", "event", "active", "position"]
    list_filter = ["kind", "active"]
    list_select_related = ["event"]
    filter_horizontal = ["quotas"]
    inlines = [PriceInline, QuestionInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.order_lines.exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for product in queryset:
            try:
                product_delete(product=product)
            except Conflict as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        product = self.get_object(request, object_id)
        if product is not None and product.order_lines.exists() and request.method == "GET":
            self.message_user(
                request, _("This product has sales: it can be taken off sale, not deleted."), messages.INFO
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Quota)
class QuotaAdmin(OrganizerScopedAdmin):
    organizer_path = "event__organizer"
    list_display = ["name", "event", "size", "used"]
    readonly_fields = ["used"]
