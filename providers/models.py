from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

PIN_PATTERN = r"^NCA\d{6}$"


def normalize_login_email(email: str) -> str:
    """Managers and staff sign in with their email; it is stored lower-cased as their username."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, username: str, email: str, password: str | None, **extra) -> User:
        if not username:
            raise ValueError("A user needs a username.")
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        """A portal user who signs in with their email (managers, help-desk staff)."""
        username = extra.pop("username", None) or normalize_login_email(email)
        return self._create(username, email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        # Sign-in is case-insensitive: usernames are stored lower-cased.
        return self.get(username=normalize_login_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who signs in: location managers, help-desk staff and, later, recipients.

    The username is the unique sign-in name. For managers and staff it is their email,
    lower-cased. Recipients get `email.covid19vaccine`, because family members may share one
    email address: the email itself is therefore not unique.
    """

    # Unique through Meta.constraints rather than unique=True, which on PostgreSQL also builds a
    # second, varchar_pattern_ops index for LIKE: one more entry per account that an import
    # writes at a random place. At a million accounts that index cost a 5,000-row import about
    # 0.1-0.2 s of its 0.7 s (bench/scale.py). The next number for a shared address comes
    # from PortalUsernameCounter; a prefix scan is left only for the rare catch-up with
    # accounts the counter did not number (recipients.usernames.catch_up).
    username = models.CharField(
        max_length=254, error_messages={"unique": "A user with that username already exists."}
    )
    # No index: lookups by email are case-insensitive (iexact), which a plain index cannot serve.
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    is_staff = models.BooleanField(
        "help-desk staff", default=False, help_text="Can sign in to the help-desk admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        constraints = [models.UniqueConstraint(fields=["username"], name="user_username_unique")]

    def __str__(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def clean(self) -> None:
        super().clean()
        # Sign-in lower-cases what people type, so usernames are stored lower-cased too.
        self.username = normalize_login_email(self.username)
        self.email = type(self).objects.normalize_email(self.email)


class PortalUsernameCounter(models.Model):
    """The highest number handed out so far in the portal usernames of one email address
    (`address.covid19vaccine` is 1, then 2, 3...): how bulkupload.writer picks the next free
    username in one upsert of this row, however many accounts share the address and however
    large the accounts' table. Every recipient account is numbered through it, so a missing row
    means no account uses the address yet. One row per address ever loaded: the key is the
    lower-cased address.
    """

    address = models.CharField(max_length=254, primary_key=True)
    highest = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.highest} portal usernames handed out"


class Organization(models.Model):
    """A healthcare organization approved to join the vaccine program."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A vaccinating location, identified by its Provider PIN (e.g. NCA650001)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="locations"
    )
    name = models.CharField(max_length=200)
    pin = models.CharField(
        "Provider PIN",
        max_length=9,
        unique=True,
        validators=[RegexValidator(PIN_PATTERN, "A Provider PIN is NCA followed by six digits.")],
    )
    managers = models.ManyToManyField(
        User, through="LocationManager", related_name="managed_locations", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pin__regex=PIN_PATTERN), name="location_pin_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pin})"


class LocationManager(models.Model):
    """A user acting as Healthcare Location Manager of one location."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="location_roles")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="manager_roles")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "healthcare location manager"
        constraints = [
            models.UniqueConstraint(fields=["user", "location"], name="one_role_per_location"),
        ]

    def __str__(self) -> str:
        return f"{self.user} manages {self.location}"
