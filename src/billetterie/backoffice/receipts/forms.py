"""Forms of the tax receipts' pages: the eligibility settings, the signature, the year shown, the
year whose yearly summaries are issued."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billetterie.taxreceipts.models import CGI_ARTICLES, OrganismStatus, TaxReceiptSettings
from billetterie.taxreceipts.services import SIGNATURE_MAX_BYTES


class SettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Issue tax receipts for donations"), required=False,
                                 help_text=_("Buyers who give can then ask for a receipt in the cart."))
    name = forms.CharField(label=_("Name of the organisation"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    purpose = forms.CharField(label=_("Object"), max_length=2000, required=False,
                              help_text=_("As in the statutes: what the organisation does."),
                              widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label=_("Category of organisation"), required=False,
                               choices=[("", "—"), *OrganismStatus.choices])
    status_detail = forms.CharField(
        label=_("Details of the category"), max_length=300, required=False,
        help_text=_("For example « reconnue d'utilité publique par décret du … publié au JO du … », or which "
                    "other kind of organisation."))
    articles = forms.MultipleChoiceField(
        label=_("The gifts give the tax reduction of the article(s) of the CGI"), required=False,
        choices=[(a, _("Article %(article)s du CGI") % {"article": a}) for a in CGI_ARTICLES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("200: gifts of individuals (income tax); 238 bis: gifts of companies; 978: IFI."))
    signatory_name = forms.CharField(label=_("Signatory's name"), max_length=200, required=False)
    signatory_quality = forms.CharField(label=_("Signatory's title"), max_length=200, required=False,
                                        help_text=_("For example « Présidente » or « Trésorier »."))

    @staticmethod
    def initial_of(settings: TaxReceiptSettings) -> dict[str, Any]:
        return {name: getattr(settings, name) for name in (
            "enabled", "name", "address", "purpose", "status", "status_detail", "articles", "signatory_name",
            "signatory_quality")}


class SignatureForm(forms.Form):
    signature = forms.FileField(
        label=_("Signature image"),
        help_text=_("A PNG or JPEG image of the signatory's signature, of at most %(size)d MB; printed on each "
                    "receipt.") % {"size": SIGNATURE_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}))


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year of issue"), min_value=2000, max_value=2999, required=False)


class YearlyIssueForm(forms.Form):
    donation_year = forms.IntegerField(label=_("Donations of the year"), min_value=2000, max_value=2999)
