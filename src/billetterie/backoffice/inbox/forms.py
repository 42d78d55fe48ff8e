from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Name, email, subject, text or order")}))
    state = forms.ChoiceField(label=pgettext_lazy("message", "Status"), required=False, choices=[
        ("", _("All")), ("open", _("To handle")), ("handled", pgettext_lazy("message", "Handled"))])

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"q": "", "state": ""}
        return {"q": self.cleaned_data["q"], "state": self.cleaned_data["state"]}
