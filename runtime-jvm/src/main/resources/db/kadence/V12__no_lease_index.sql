-- No query can use it: the only filter on activity_tasks.lease_until is the timer service's
-- expiry scan, which ORs it with the schedule-to-start and schedule-to-close deadlines, so both
-- databases scan the table for it (PostgreSQL does even with sequential scans disabled). Every
-- activity task sets lease_until when it is handed over and is deleted when it finishes, so the
-- index was two writes per step, and on H2 one more map rewritten by every commit.
DROP INDEX activity_tasks_lease;
