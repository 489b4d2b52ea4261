"""The airline's bookings, in memory: one fresh store per conversation, and `state()` for what happened."""

from __future__ import annotations

import copy
from typing import Any


class BookingError(Exception):
    """A request the booking system refuses (unknown booking, wrong name, not refundable ...)."""


def _bookings() -> dict[str, dict[str, Any]]:
    return {
        "AB1234": {
            "booking_id": "AB1234",
            "last_name": "Rossi",
            "flight": "LX318",
            "date": "2026-12-20",
            "route": "ZRH-LHR",
            "fare": 420.0,
            "refundable": True,
            "status": "confirmed",
            "refunded": 0.0,
        },
        "CD5678": {
            "booking_id": "CD5678",
            "last_name": "Meyer",
            "flight": "LX1612",
            "date": "2026-12-22",
            "route": "ZRH-VIE",
            "fare": 189.0,
            "refundable": False,
            "status": "confirmed",
            "refunded": 0.0,
        },
    }


FLIGHTS = {("ZRH-LHR", "LX324"), ("ZRH-LHR", "LX318"), ("ZRH-VIE", "LX1612"), ("ZRH-VIE", "LX1618")}


class BookingStore:
    def __init__(self) -> None:
        self.bookings = _bookings()

    def find_booking(self, booking_id: str, last_name: str) -> dict[str, Any]:
        booking = self._get(booking_id)
        if booking["last_name"].lower() != last_name.strip().lower():
            raise BookingError(f"no booking {booking_id} for {last_name}")
        return dict(booking)

    def cancel_booking(self, booking_id: str) -> dict[str, Any]:
        booking = self._get(booking_id)
        if booking["status"] != "confirmed":
            raise BookingError(f"booking {booking_id} is {booking['status']}")
        booking["status"] = "cancelled"
        return {"booking_id": booking_id, "status": "cancelled"}

    def change_flight(self, booking_id: str, new_flight: str, new_date: str) -> dict[str, Any]:
        booking = self._get(booking_id)
        if booking["status"] != "confirmed":
            raise BookingError(f"booking {booking_id} is {booking['status']}")
        if (booking["route"], new_flight) not in FLIGHTS:
            raise BookingError(f"flight {new_flight} does not fly {booking['route']}")
        booking.update(flight=new_flight, date=new_date)
        return {"booking_id": booking_id, "flight": new_flight, "date": new_date, "status": "confirmed"}

    def refund(self, booking_id: str) -> dict[str, Any]:
        booking = self._get(booking_id)
        if booking["status"] != "cancelled":
            raise BookingError(f"booking {booking_id} must be cancelled before a refund")
        if not booking["refundable"]:
            raise BookingError(f"booking {booking_id} has a non-refundable fare")
        booking.update(status="refunded", refunded=booking["fare"])
        return {"booking_id": booking_id, "amount": booking["fare"], "status": "refunded"}

    def state(self) -> dict[str, Any]:
        return {"bookings": copy.deepcopy(self.bookings)}

    def _get(self, booking_id: str) -> dict[str, Any]:
        booking = self.bookings.get(booking_id.strip().upper())
        if booking is None:
            raise BookingError(f"no booking {booking_id}")
        return booking
