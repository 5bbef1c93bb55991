"""Template tags of the back-office navigation for incoming mail (who sees which entry)."""

from django import template

from mail import queues

register = template.Library()


@register.simple_tag(takes_context=True)
def mail_nav(context):
    """{"mailroom": bool, "queues": bool}: the mail entries this user may open."""
    user = context.get("user")
    return {"mailroom": queues.is_mailroom_agent(user), "queues": bool(queues.team_ids_for(user))}
