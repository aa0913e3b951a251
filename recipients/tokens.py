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
        timestamp = self.made_at(user, token)
        if timestamp is None:
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.RECIPIENT_SETUP_LINK_DAYS * 24 * 3600

    def made_at(self, user, token: str | None) -> int | None:
        """When this token was made for this account (as it is now), however long ago; None
        for a token that is not one (tampered, another account's, or used: a password set
        since changes what the token hashes)."""
        if not (user and token):
            return None
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return None
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(
                self._make_token_with_timestamp(user, timestamp, secret), token
            ):
                return timestamp
        return None


password_setup_token = PasswordSetupTokenGenerator()
