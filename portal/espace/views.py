"""Mon espace views (citizens only)."""

from django.http import Http404


def home(request):
    raise Http404


def request_list(request):
    raise Http404


def request_detail(request, code):
    raise Http404
