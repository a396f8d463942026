"""Workflows driven by updates (used by test_updates.py)."""
from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError


@activity.defn
async def triple(n: int) -> int:
    return n * 3


@workflow.defn
class Ledger:
    """A balance changed by updates until the finish signal; withdrawals beyond it are rejected."""

    def __init__(self) -> None:
        self.balance = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.balance

    @workflow.update
    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    @workflow.update
    def withdraw(self, amount: int) -> int:
        self.balance -= amount
        return self.balance

    @withdraw.validator
    def check_withdraw(self, amount: int) -> None:
        if amount > self.balance:
            raise ValueError(f"insufficient funds: {self.balance} < {amount}")

    @workflow.update
    async def deposit_tripled(self, amount: int) -> int:
        self.balance += await workflow.execute_activity(triple, amount, start_to_close_timeout=timedelta(seconds=10))
        return self.balance

    @workflow.update
    def refuse(self) -> None:
        raise ApplicationError("not today", type="Refused", non_retryable=True)

    @workflow.signal
    def finish(self) -> None:
        self.done = True
