"""Nothing of travail is in the Django admin, on purpose.

A task's title is written by an agent and may name a person: it is read through ``travail.selectors``
(by its assignee and their teams only), never listed to administrators. Notifications and opt-outs
belong to each agent and are managed from their own screens.
"""
