from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class PasswordSetupTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the welcome email's "create your password" link.

    Single use: the token hashes the account's password, so it stops working the moment a
    password is set. It lives longer than a provider's password reset
    (RECIPIENT_SETUP_LINK_DAYS instead of PASSWORD_RESET_TIMEOUT), because recipients open
    welcome emails days or weeks later; the parent's check hard-codes the latter.
    """

    key_salt = "recipients.tokens.PasswordSetupTokenGenerator"

    def check_token(self, user, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - timestamp
        if age > settings.RECIPIENT_SETUP_LINK_DAYS * 24 * 3600:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


password_setup_token = PasswordSetupTokenGenerator()
