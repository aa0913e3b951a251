from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from .access import choose_location, get_managed_location_or_404, manager_required
from .forms import EmailAuthenticationForm, PortalPasswordResetForm
from .models import normalize_login_email
from .panels import home_panels


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


def _reset_rate(group: str, request: HttpRequest) -> str:
    return settings.PASSWORD_RESET_RATE  # read per request: tests and deployments change it


def _reset_address(group: str, request: HttpRequest) -> str:
    return normalize_login_email(request.POST.get("email", ""))


@method_decorator(
    ratelimit(group="providers.reset.ip", key="ip", rate="30/h", method="POST", block=False),
    name="post",
)
@method_decorator(
    ratelimit(
        group="providers.reset.email",
        key=_reset_address,
        rate=_reset_rate,
        method="POST",
        block=False,
    ),
    name="post",
)
class PasswordResetView(auth_views.PasswordResetView):
    """Forgot password. Requests past the limits (PASSWORD_RESET_RATE per address, 30 an
    hour from one network) send nothing, and the page says what it always says: an inbox
    cannot be flooded, and the answer tells nobody anything."""

    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("providers:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        if getattr(self.request, "limited", False):
            return redirect(self.get_success_url())
        # Links in emails point at the public address, never at whatever Host the request had.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("providers:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("providers:password_change_done")


@manager_required
def home(request: HttpRequest) -> HttpResponse:
    # Through the location: this app sits below recipients and does not import it.
    counts = {"loaded": request.location.recipients.active().count()}
    context = {"page": "home", "counts": counts, "panels": home_panels(request)}
    return render(request, "providers/home.html", context)


@require_POST
@manager_required
def switch_location(request: HttpRequest) -> HttpResponse:
    location = get_managed_location_or_404(request.user, request.POST.get("pin", ""))
    choose_location(request, location)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("providers:home")
