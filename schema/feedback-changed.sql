-- The traces whose feedback the feedback settle recomputes (schema/feedback-settle.sql): those with
-- feedback whose parts arrived after {since} (settled, or re-attributed), and those assessed after
-- {feedback_since}. Two reads, so that each can skip granules by its own index (arrival's minmax,
-- the trace id's bloom filter).
SELECT TraceId FROM verdict_assessments WHERE Kind = 'feedback' AND Arrival > {feedback_since:DateTime64(3)}
UNION DISTINCT
SELECT TraceId FROM verdict_assessments
WHERE Kind = 'feedback' AND TraceId IN (SELECT TraceId FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)})
