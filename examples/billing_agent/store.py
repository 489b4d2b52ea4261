"""A streaming service's subscriptions, in memory: one fresh store per conversation, `state()` after it."""

from __future__ import annotations

import copy
from typing import Any


class AccountError(Exception):
    """A request the billing system refuses."""


class AccountStore:
    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {
            "acc-100": {
                "account_id": "acc-100",
                "email": "lena@example.com",
                "plan": "premium",
                "monthly": 17.99,
                "status": "active",
                "credit": 0.0,
                "paused_months": 0,
            },
            "acc-200": {
                "account_id": "acc-200",
                "email": "omar@example.com",
                "plan": "basic",
                "monthly": 7.99,
                "status": "active",
                "credit": 0.0,
                "paused_months": 0,
            },
        }

    def lookup_account(self, email: str) -> dict[str, Any]:
        for account in self.accounts.values():
            if account["email"] == email.strip().lower():
                return dict(account)
        raise AccountError(f"no account for {email}")

    def pause_subscription(self, account_id: str, months: int) -> dict[str, Any]:
        account = self._active(account_id)
        if not 1 <= int(months) <= 3:
            raise AccountError("a pause lasts 1 to 3 months")
        account.update(status="paused", paused_months=int(months))
        return {"account_id": account_id, "status": "paused", "months": int(months)}

    def cancel_subscription(self, account_id: str) -> dict[str, Any]:
        account = self._active(account_id)
        account["status"] = "cancelled"
        return {"account_id": account_id, "status": "cancelled"}

    def issue_credit(self, account_id: str, amount: float, reason: str) -> dict[str, Any]:
        account = self._get(account_id)
        if not 0 < float(amount) <= account["monthly"]:
            raise AccountError(f"a credit is at most one month ({account['monthly']:.2f})")
        account["credit"] = round(account["credit"] + float(amount), 2)
        return {"account_id": account_id, "credit": account["credit"], "reason": reason}

    def state(self) -> dict[str, Any]:
        return {"accounts": copy.deepcopy(self.accounts)}

    def _get(self, account_id: str) -> dict[str, Any]:
        if account_id not in self.accounts:
            raise AccountError(f"no account {account_id}")
        return self.accounts[account_id]

    def _active(self, account_id: str) -> dict[str, Any]:
        account = self._get(account_id)
        if account["status"] != "active":
            raise AccountError(f"subscription {account_id} is {account['status']}")
        return account
