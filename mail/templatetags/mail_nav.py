"""Template tags of the back-office navigation for incoming mail (who sees which entry)."""

from django import template

from mail.perms import can_manage_mail_classifier, can_open_team_queues, can_receive_mail

register = template.Library()


@register.simple_tag(takes_context=True)
def mail_nav(context):
    """{"mailroom": bool, "queues": bool, "model": bool}: the mail entries this user may open."""
    user = context.get("user")
    return {
        "mailroom": can_receive_mail(user),
        "queues": can_open_team_queues(user),
        "model": can_manage_mail_classifier(user),
    }
