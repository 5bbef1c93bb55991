"""What happens on a request that apps above may want to act on (tasks, notifications).

Sent by ``demandes.services`` inside the write's transaction, with ``request`` (the Request) and
``actor``; receivers (connected from an upper app's ``AppConfig.ready``) run in that transaction, so
what they write is kept or rolled back with the message. This app never learns who listens.
"""

from django.dispatch import Signal

# A citizen wrote in a request's thread (a message without files).
citizen_replied = Signal()
# A citizen sent files: the documents asked for, or attachments to a message.
document_returned = Signal()
