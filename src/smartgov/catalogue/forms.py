"""Page forms of the catalogue administration (the API has its own schemas)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartgov.catalogue.models import DeliveryMode, FeeKind
from smartgov.catalogue.services import MAX_CERTIFICATE_VALIDITY_MONTHS as MAX_VALIDITY_MONTHS
from smartgov.kit import money


class RequiredDocumentsField(forms.CharField):
    """One document a line: ``中文名 | English name`` (append ``| optional`` for optional ones)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(
                " | ".join([d["name_zh"], d["name_en"], *(["optional"] if d.get("optional") else [])]) for d in value
            )
        return value

    def clean(self, value: Any) -> list[dict[str, Any]]:
        text = super().clean(value) or ""
        documents = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    _("Line %(n)d: write the Chinese name, a |, then the English name.") % {"n": number})
            documents.append({"name_zh": parts[0], "name_en": parts[1],
                              "optional": len(parts) > 2 and parts[2].lower() in ("optional", "可选")})
        return documents


class ServiceForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Lowercase letters, digits and -"))
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200)
    department = forms.ChoiceField(label=_("Owning department"))
    description_zh = forms.CharField(label=_("Description (Chinese)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    description_en = forms.CharField(label=_("Description (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    eligibility_zh = forms.CharField(label=_("Who may apply (Chinese)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    eligibility_en = forms.CharField(label=_("Who may apply (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    required_documents = RequiredDocumentsField(
        label=_("Required documents"), required=False,
        help_text=_("One a line: Chinese name | English name | optional"))
    delivery_mode = forms.ChoiceField(label=_("Delivery"), choices=DeliveryMode.choices)
    fee_kind = forms.ChoiceField(label=_("Fee"), choices=FeeKind.choices)
    fee_yuan = forms.CharField(label=_("Fixed fee (yuan)"), required=False, max_length=20,
                               help_text=_("e.g. 10 or 12.50"))
    time_limit_days = forms.IntegerField(label=_("Legal time limit (working days)"), min_value=1, max_value=365)
    certificate_validity = forms.IntegerField(label=_("Certificates issued are valid for"), min_value=1,
                                              max_value=MAX_VALIDITY_MONTHS, required=False)
    certificate_validity_unit = forms.ChoiceField(
        label=_("Validity counted in"), required=False, choices=[
            ("years", _("years")), ("months", _("months")), ("none", _("no expiry: certificates never expire"))])

    def __init__(self, *args: Any, departments: list[tuple[str, str]], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = departments  # type: ignore[attr-defined]
        if editing:
            self.fields["code"].disabled = True

    def clean_fee_yuan(self) -> int | None:
        """Yuan text to integer fen, exactly (kit.money: never through a float)."""
        text = (self.cleaned_data.get("fee_yuan") or "").strip()
        if not text:
            return None
        try:
            fen = money.parse_amount(text)
        except ValueError:
            raise forms.ValidationError(_("Write an amount in yuan, e.g. 12.50.")) from None
        if fen < 0:
            raise forms.ValidationError(_("The fee cannot be negative."))
        return fen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, amount = data.get("certificate_validity_unit"), data.get("certificate_validity")
        if unit in ("years", "months"):
            if amount is None:
                self.add_error("certificate_validity", _("Say how long, or choose no expiry."))
            elif amount * (12 if unit == "years" else 1) > MAX_VALIDITY_MONTHS:
                self.add_error("certificate_validity", _("At most %(n)d years; choose no expiry for longer.")
                               % {"n": MAX_VALIDITY_MONTHS // 12})
        return data

    def validity_given(self) -> bool:
        """Whether the page said anything about validity (a client that leaves both out changes nothing)."""
        return bool(self.cleaned_data.get("certificate_validity_unit"))

    def validity_months(self) -> int | None:
        """The validity in months as the catalogue stores it; None: no expiry."""
        unit, amount = self.cleaned_data.get("certificate_validity_unit"), self.cleaned_data.get("certificate_validity")
        if unit == "none" or amount is None:
            return None
        return int(amount) * (12 if unit == "years" else 1)

    @staticmethod
    def validity_initial(months: int | None) -> dict[str, Any]:
        """The amount and unit the page shows for a stored validity (whole years as years)."""
        if months is None:
            return {"certificate_validity": None, "certificate_validity_unit": "none"}
        if months % 12 == 0:
            return {"certificate_validity": months // 12, "certificate_validity_unit": "years"}
        return {"certificate_validity": months, "certificate_validity_unit": "months"}

    def fee_fen(self) -> int:
        """The fixed fee in fen (0 unless the fee is fixed)."""
        fen = self.cleaned_data.get("fee_yuan")
        if self.cleaned_data.get("fee_kind") != FeeKind.FIXED or fen is None:
            return 0
        return int(fen)


class JsonListField(forms.CharField):
    def clean(self, value: Any) -> list[Any]:
        text = super().clean(value) or "[]"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(e)s") % {"e": exc}) from None
        if not isinstance(data, list):
            raise forms.ValidationError(_("Must be a JSON list."))
        return data


class FormBuilderForm(forms.Form):
    fields_json = JsonListField(widget=forms.HiddenInput, required=False)
    sections_json = JsonListField(widget=forms.HiddenInput, required=False)


class WorkflowForm(forms.Form):
    source = forms.CharField(label=_("Workflow definition (YAML or JSON)"),
                             widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "code"}))


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("The day is"), choices=[
        ("off", _("a day off")), ("work", _("a working day")), ("official", _("as the official schedule says"))])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
