from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smartgov.accounts import permissions as perms
from smartgov.accounts.models import Membership


class DepartmentForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200)


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(Membership.Kind.STAFF, _("Staff")), (Membership.Kind.ADMIN, _("Tenant administrator"))],
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, min_length=10)

    def __init__(
        self,
        *args: object,
        departments: list[tuple[str, str]],
        roles: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]
        self.fields["roles"].choices = roles  # type: ignore[attr-defined]


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("Name of the system"), max_length=100)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, v) for k, v in perms.CATALOGUE.items()],
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor id"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    since = forms.DateTimeField(label=_("From"), required=False)
    until = forms.DateTimeField(label=_("Until"), required=False)
