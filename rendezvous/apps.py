from django.apps import AppConfig


class RendezvousConfig(AppConfig):
    name = "rendezvous"
    label = "rendezvous"
    verbose_name = "Rendez-vous"
