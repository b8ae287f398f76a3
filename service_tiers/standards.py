"""Reading the service standards: the version in force, a customer's standard items and entitlements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from .models import Entitlement, SegmentStandard, StandardVersion


def standard_version_in_force(*, day: dt.date) -> StandardVersion | None:
    """The latest published standards version whose effective month is on or before ``day``."""
    return (StandardVersion.objects.filter(state=StandardVersion.State.PUBLISHED,
                                           effective_month__lte=day.replace(day=1))
            .order_by("-effective_month", "-number").first())


@dataclass
class CustomerStandard:
    """What one customer is entitled to under the version in force (the 360 page's 客户权益 panel)."""

    version: StandardVersion | None
    standards: list[SegmentStandard] = field(default_factory=list)
    entitlements: list[Entitlement] = field(default_factory=list)

    @property
    def contact_interval_months(self) -> int | None:
        intervals = [s.contact_interval_months for s in self.standards if s.contact_interval_months]
        return min(intervals) if intervals else None


def customer_standard(*, asset_tier: str, value_segment: str, maintenance_band: str,
                      day: dt.date) -> CustomerStandard:
    """The standard items of the customer's segment and band, and the entitlements of its tier and segment.

    Two queries (one per table) after the version lookup; empty when no version is in force.
    """
    version = standard_version_in_force(day=day)
    if version is None:
        return CustomerStandard(version=None)
    match = Q(pk__in=[])
    if value_segment:
        match |= Q(value_segment=value_segment, maintenance_band="")
    if maintenance_band:
        match |= Q(value_segment="", maintenance_band=maintenance_band)
    standards = list(SegmentStandard.objects.filter(match, version=version).order_by("-value_segment"))
    entitlements = list(
        Entitlement.objects.filter(version=version)
        .filter(Q(asset_tier="") | Q(asset_tier=asset_tier or "-"))
        .filter(Q(value_segment="") | Q(value_segment=value_segment or "-"))
    )
    return CustomerStandard(version=version, standards=standards, entitlements=entitlements)
