"""The portal's URLs and one page that crashes, for the tests of the error page (not a test
module: pytest.mark.urls names it)."""

from django.urls import path

from cvms.urls import urlpatterns as portal_urlpatterns


def crash(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("crash/", crash), *portal_urlpatterns]
