"""Hand-built metric scenarios: stored rows written one by one, each kind marked as uploaded.

Tests state every row they need and the numbers they expect; nothing is generated behind their back.
Dates are `date` objects or ISO strings; instants are aware datetimes or ISO strings with an offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from storage import models
from storage.ingest.account_health import parse_account_health, store_account_health
from storage.ingest.result import RowCounts
from storage.marketplaces import get_marketplace
from storage.order_facts import SOURCES as FACT_SOURCES
from storage.order_facts import refresh_order_facts
from storage.shipment_days import recount_shipment_days

UPLOADED_AT = datetime(2020, 1, 1, tzinfo=UTC)


def day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def instant(value: datetime | str) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r}: give an offset (e.g. +00:00), scenarios state instants exactly")
    return parsed.astimezone(UTC)


@dataclass
class Scenario:
    """Rows for one account. Call `.order(...)`, `.feedback(...)`, ... then run the metric."""

    session: Session
    account: models.Account
    kinds: set[str] = field(default_factory=set)

    def _add(self, kind: str, row: models.Base) -> None:
        if kind not in self.kinds:
            self.kinds.add(kind)
            self.uploaded(kind)
        self.session.add(row)
        self.session.flush()
        order_id = getattr(row, "amazon_order_id", None)
        if row.__tablename__ in FACT_SOURCES and order_id is not None:
            # What ingestion does for every chunk it writes: the order's derived row follows its rows.
            refresh_order_facts(self.session.connection(), self.account.id, [order_id])
        promised = getattr(row, "promised_delivery_date", None)
        if isinstance(row, models.MfnShipment) and promised is not None:
            recount_shipment_days(self.session.connection(), self.account.id, [promised])  # as ingestion does

    def uploaded(self, kind: str) -> None:
        """Mark an export kind as ingested (even with no rows: a file that listed nothing)."""
        self.kinds.add(kind)
        self.session.add(
            models.Upload(
                account_id=self.account.id,
                uploaded_by="test",
                source="cli",
                filename=f"{kind}.txt",
                sha256=kind,
                size_bytes=1,
                received_at=UPLOADED_AT,
                kind=kind,
                status="ingested",
                skipped_reasons={},
                notes={},
            )
        )
        self.session.flush()

    def _common(self) -> dict[str, Any]:
        return {"account_id": self.account.id, "row_hash": "test", "upload_id": 0}

    def order(
        self,
        order_id: str,
        purchased: datetime | str,
        *,
        channel: str = "mfn",
        status: str = "Shipped",
        sku: str = "SKU-1",
        asin: str | None = "B000000001",
        quantity: int = 1,
        item_status: str | None = None,
        latest_ship_at: datetime | str | None = None,
        latest_delivery_at: datetime | str | None = None,
        updated: datetime | str | None = None,
    ) -> Scenario:
        """One order item (call again with another SKU for a multi-item order)."""
        at = instant(purchased)
        self._add(
            "all_orders",
            models.OrderItem(
                **self._common(),
                amazon_order_id=order_id,
                sku=sku,
                purchase_at=at,
                order_date=at.date(),
                last_updated_at=instant(updated) if updated else at,
                order_status=status,
                channel=channel,
                sales_channel="Amazon.com",
                ship_service_level="Standard",
                product_name=f"Product {sku}",
                asin=asin,
                item_status=item_status or status,
                quantity=quantity,
                currency="USD",
                item_price=10.0,
                is_business=False,
                is_prime=False,
                latest_ship_at=instant(latest_ship_at) if latest_ship_at else None,
                latest_delivery_at=instant(latest_delivery_at) if latest_delivery_at else None,
            ),
        )
        return self

    def feedback(
        self,
        order_id: str,
        received: date | str,
        rating: int,
        *,
        comments: str | None = None,
        removed_at: datetime | str | None = None,
    ) -> Scenario:
        self._add(
            "feedback",
            models.Feedback(
                **self._common(),
                amazon_order_id=order_id,
                received_date=day(received),
                rating=rating,
                comments=comments,
                response=None,
                removed_at=instant(removed_at) if removed_at else None,
                seen_upload_id=0,
            ),
        )
        return self

    def claim(self, order_id: str, claimed: datetime | str, status: str = "open") -> Scenario:
        self._add(
            "claims",
            models.Claim(
                **self._common(),
                amazon_order_id=order_id,
                claimed_at=instant(claimed),
                status=status,
                reason=None,
                amount=None,
                funded_by=None,
            ),
        )
        return self

    def chargeback(self, order_id: str, at: datetime | str, kind: str | None = "service") -> Scenario:
        self._add(
            "chargebacks",
            models.Chargeback(
                **self._common(),
                amazon_order_id=order_id,
                charged_back_at=instant(at),
                type=kind,
                status=None,
                reason=None,
                amount=None,
            ),
        )
        return self

    def cancellation(self, order_id: str, at: datetime | str, by: str = "seller") -> Scenario:
        self._add(
            "cancellations",
            models.Cancellation(
                **self._common(), amazon_order_id=order_id, cancelled_at=instant(at), initiated_by=by, reason=None
            ),
        )
        return self

    def shipment(
        self,
        order_id: str,
        confirmed: datetime | str,
        *,
        tracking: str = "1Z999AA10123456784",
        carrier: str | None = "UPS",
        valid: bool | None = True,
        expected_ship: date | str | None = None,
        promised: date | str | None = None,
        delivered: datetime | str | None = None,
        units: int | None = None,
    ) -> Scenario:
        self._add(
            "shipments",
            models.MfnShipment(
                **self._common(),
                amazon_order_id=order_id,
                tracking_number=tracking,
                ship_confirmed_at=instant(confirmed),
                expected_ship_date=day(expected_ship) if expected_ship else None,
                carrier=carrier,
                tracking_valid=valid,
                promised_delivery_date=day(promised) if promised else None,
                delivered_at=instant(delivered) if delivered else None,
                units=units,
            ),
        )
        return self

    def message(
        self,
        message_id: str,
        received: datetime | str,
        *,
        replied: datetime | str | None = None,
        order_id: str | None = None,
        no_response_needed: bool = False,
        auto_reply: bool = False,
        assignee: str | None = None,
        subject: str | None = None,
    ) -> Scenario:
        self._add(
            "buyer_messages",
            models.BuyerMessage(
                **self._common(),
                message_id=message_id,
                received_at=instant(received),
                amazon_order_id=order_id,
                replied_at=instant(replied) if replied else None,
                no_response_needed=no_response_needed,
                auto_reply=auto_reply,
                subject=subject,
                assignee=assignee,
            ),
        )
        return self

    def return_request(
        self,
        order_id: str,
        requested: datetime | str,
        *,
        status: str = "authorized",
        responded: datetime | str | None = None,
        in_policy: bool | None = True,
        buyer_resolved: bool | None = None,
    ) -> Scenario:
        self._add(
            "return_requests",
            models.ReturnRequest(
                **self._common(),
                amazon_order_id=order_id,
                requested_at=instant(requested),
                status=status,
                responded_at=instant(responded) if responded else None,
                in_policy=in_policy,
                buyer_resolved=buyer_resolved,
            ),
        )
        return self

    def seller_return(
        self,
        order_id: str,
        requested: date | str,
        *,
        rma: str = "RMA-1",
        a_to_z: bool = False,
        refunded: float | None = None,
        in_policy: bool | None = True,
        request_status: str = "Approved",
        resolution: str | None = None,
        reason: str | None = "DEFECTIVE",
        sku: str | None = "SKU-1",
    ) -> Scenario:
        self._add(
            "returns",
            models.SellerReturn(
                **self._common(),
                amazon_order_id=order_id,
                rma_id=rma,
                order_date=None,
                request_date=day(requested),
                request_status=request_status,
                a_to_z_claim=a_to_z,
                is_prime=False,
                asin=None,
                sku=sku,
                item_name=None,
                quantity=1,
                return_reason=reason,
                in_policy=in_policy,
                return_type=None,
                resolution=resolution,
                return_delivery_date=None,
                order_amount=None,
                refunded_amount=refunded,
            ),
        )
        return self

    def settlement(
        self, order_id: str, kind: str, posted: datetime | str, *, amount: float = -10.0, adjustment: str = "ADJ-1"
    ) -> Scenario:
        """A settlement line: kind is `Refund`, `A-to-z Guarantee Refund` or `Chargeback Refund`."""
        self._add(
            "settlement",
            models.SettlementTransaction(
                **self._common(),
                settlement_id="S1",
                amazon_order_id=order_id,
                adjustment_id=adjustment,
                transaction_type=kind,
                posted_at=instant(posted),
                sku=None,
                amount=amount,
                currency="USD",
            ),
        )
        return self

    def survey(self, order_id: str, answered: datetime | str, solved: bool) -> Scenario:
        self._add(
            "cs_survey",
            models.CsSurveyAnswer(
                **self._common(), amazon_order_id=order_id, answered_at=instant(answered), solved=solved
            ),
        )
        return self

    def violation(self, when: date | str, category: str, *, asin: str = "", status: str | None = None) -> Scenario:
        self._add(
            "policy_violations",
            models.PolicyViolation(
                **self._common(),
                violation_date=day(when),
                category=category,
                asin=asin,
                status=status,
                description=None,
            ),
        )
        return self

    def account_health_report(self, path: Path, marketplace: str = "US") -> Scenario:
        """An Account Health report file, parsed and stored as an upload stores it."""
        report = parse_account_health(path.read_text(encoding="utf-8"), marketplace=get_marketplace(marketplace))
        store_account_health(
            session=self.session, account_id=self.account.id, upload_id=0, report=report, counts=RowCounts()
        )
        self.uploaded("account_health")
        return self

    def unshipped(self, order_id: str, item_id: str, promise: datetime | str, *, quantity: int = 1) -> Scenario:
        self._add(
            "unshipped",
            models.UnshippedItem(
                **self._common(),
                order_item_id=item_id,
                amazon_order_id=order_id,
                purchase_at=None,
                promise_at=instant(promise),
                days_past_promise=None,
                sku="SKU-1",
                quantity_to_ship=quantity,
                ship_service_level=None,
                is_prime=None,
                is_business=None,
                seen_upload_id=0,
            ),
        )
        return self


def midnight(value: date | str) -> datetime:
    """00:00 UTC of a day."""
    return datetime.combine(day(value), time(), tzinfo=UTC)
