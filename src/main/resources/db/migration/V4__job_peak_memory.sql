-- The peak PSS of a job's processes, sampled while it ran: what the learner's next job of that command is expected to
-- need before it may start (memory-aware admission). Null when the job never ran dbt long enough to be sampled.
alter table jobs add column peak_memory_bytes bigint;
