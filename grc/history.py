"""Who and why on a history-tracked save (django-simple-history reads these two attributes)."""


def track(instance, actor, reason: str = ""):
    """Mark ``instance`` so its next save's history row records ``actor`` and ``reason``."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    return instance


def save_tracked(instance, actor, reason: str = "", **save_kwargs):
    """Save ``instance`` with its history row recording ``actor`` and ``reason``."""
    track(instance, actor, reason).save(**save_kwargs)
    return instance
