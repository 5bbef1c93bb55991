"""Wagtail admin registrations of the portal: procedure themes are snippets functional admins manage."""

from wagtail.snippets.models import register_snippet

from portal.models import ProcedureTheme

register_snippet(ProcedureTheme)
