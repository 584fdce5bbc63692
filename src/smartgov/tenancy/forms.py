from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smartgov.tenancy.models import Tenant


class TenantForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (URL name)"), max_length=40)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Tenant.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent"), queryset=Tenant.objects.all(), required=False, to_field_name="slug"
    )
    reference_prefix = forms.CharField(label=_("Reference prefix"), max_length=6)
    crypto_profile = forms.ChoiceField(label=_("Crypto profile"), choices=Tenant.CryptoProfile.choices)
    quota_users = forms.IntegerField(label=_("User quota"), min_value=1, initial=100_000)


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("suspend", _("Suspend")), ("reactivate", _("Reactivate")), ("archive", _("Archive"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
