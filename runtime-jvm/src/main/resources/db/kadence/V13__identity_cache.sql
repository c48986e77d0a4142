-- How many identity values the database hands out at a time for activity task ids and inbox
-- sequence numbers (the identity_cache placeholder, set per database by the store).
--
-- H2: 1000 instead of 32. Running out of cached values writes the sequence's new high mark into the
-- schema and commits that on H2's system session: a whole store commit every 32 activity tasks, 4 %
-- of all CPU under load. H2 keeps one cache per database and hands values out in order, so inbox
-- items still sort in the order they were added; values lost in a crash only leave a gap.
--
-- PostgreSQL: 1, its default. Its cache is per connection, so two connections would hand out
-- interleaved ranges and an inbox item added later could sort before an earlier one; nextval is
-- cheap there anyway.
ALTER TABLE activity_tasks ALTER COLUMN task_id SET CACHE ${identity_cache};
ALTER TABLE inbox ALTER COLUMN seq SET CACHE ${identity_cache};
