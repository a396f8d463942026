"""Workflows of the Python schedules suite (a module of their own for the workflow sandbox)."""
from typing import Optional

from temporalio import workflow
from temporalio.common import SearchAttributeKey

SCHEDULED_BY_ID = SearchAttributeKey.for_keyword("TemporalScheduledById")
SCHEDULED_START_TIME = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@workflow.defn
class ScheduledEcho:
    """Returns its input and the schedule's search attributes as the started run sees them."""

    @workflow.run
    async def run(self, text: str) -> dict[str, Optional[str]]:
        attributes = workflow.info().typed_search_attributes
        start_time = attributes.get(SCHEDULED_START_TIME)
        return {
            "input": text,
            "scheduled_by_id": attributes.get(SCHEDULED_BY_ID),
            # RFC 3339 in UTC, the shape of the started workflow's id suffix.
            "scheduled_start_time": start_time.strftime("%Y-%m-%dT%H:%M:%SZ") if start_time else None,
        }
