"""django-allauth adapter: phone numbers stored encrypted with a blind index, one-time codes sent
by SMS through the provider interface, and sign-ups attached to the portal's tenant."""

from __future__ import annotations

import re
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils.translation import gettext as _

from smartgov.accounts.models import User
from smartgov.kit import crypto, identity, sms
from smartgov.tenancy import keys

_MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s-]", "", phone)


def phone_index(phone: str) -> str:
    return crypto.blind_index(keys.platform_index_key(), normalise_phone(phone))


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs: Any) -> Any:
        """allauth's field insists on E.164 (+86...) before ``clean_phone`` runs; people here type
        their 11-digit mobile number, so ``clean_phone`` alone decides what is valid."""
        from allauth.account.fields import PhoneField

        kwargs.setdefault("validators", [])
        kwargs.setdefault("help_text", _("Mainland China mobile number, e.g. 13812345678."))
        return PhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        phone = normalise_phone(phone)
        match = _MAINLAND_MOBILE.match(phone)
        if not match:
            from django import forms

            raise forms.ValidationError(_("Enter a mainland China mobile number (11 digits starting with 1)."))
        return match.group(1)

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        phone = normalise_phone(phone)
        user.phone_cipher = crypto.encrypt_text(keys.platform_data_key(), phone, "intl", b"user.phone")
        user.phone_index = phone_index(phone)
        user.phone_masked = identity.mask_phone(phone)
        user.phone_verified = verified
        if user.pk and not user._state.adding:
            user.save(update_fields=["phone_cipher", "phone_index", "phone_masked", "phone_verified"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        if not user.phone_cipher:
            return None
        return crypto.decrypt_text(keys.platform_data_key(), user.phone_cipher, b"user.phone"), user.phone_verified

    def set_phone_verified(self, user: User, phone: str) -> None:
        if user.phone_index == phone_index(phone):
            user.phone_verified = True
            user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str) -> User | None:
        return User.objects.filter(phone_index=phone_index(phone)).first()

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        message = _("Your smartgov verification code is %(code)s. It expires in 15 minutes.") % {"code": code}
        sms.send_sms(phone, message)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        sms.send_sms(phone, _("Someone asked for a smartgov code for this number, but it has no account."))

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """A person who signs up on a tenant's portal becomes a citizen of that tenant."""
        user = super().save_user(request, user, form, commit=commit)
        slug = request.session.get("portal_tenant")
        if commit and slug:
            from smartgov.accounts.services import join_as_citizen

            join_as_citizen(user, slug)
        return user
