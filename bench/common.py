"""Helpers shared by the benchmarks (imported after ``django.setup()``): a 2FA-verified client and timing.

Each bench prints its figures beside a baseline measured in the same run; these helpers only time and print.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice


def verified_client(user) -> Client:
    """A client logged in as ``user`` with a verified second factor (as ``tests.factories.verify_otp``): every
    back-office middleware runs, as for an agent."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def timed(fn: Callable[[int], object], n: int) -> list[float]:
    """Milliseconds of ``n`` calls of ``fn(i)`` (``i`` = 0 … n − 1, so a call can vary its input)."""
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    """The 95th percentile (the only sample when there is one)."""
    return statistics.quantiles(samples, n=20)[18] if len(samples) > 1 else samples[0]


def describe(label: str, samples: list[float], width: int = 52) -> float:
    """Print p50 and p95 of ``samples`` under ``label``; returns the p95."""
    value = p95(samples)
    median = statistics.median(samples)
    print(f"  {label:<{width}} p50 {median:8.1f} ms   p95 {value:8.1f} ms   (n={len(samples)})", flush=True)
    return value
