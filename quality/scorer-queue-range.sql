-- An online batch's traces as a set (a fragment of scorer-traces.sql and scorer-assessed.sql): the
-- trace ids queued after the checkpoint ({from_at}, {from_trace}) up to and including the batch's
-- last row ({to_at}, {to_trace}), a key range of verdict_scorer_queue. It holds every trace of the
-- batch (quality/scorer-pending.sql), and rarely one more (queued again past the batch and not
-- quiet yet), whose rows the caller ignores.
(SELECT TraceId FROM verdict_scorer_queue
 WHERE (LastArrival > {from_at:DateTime64(3)} OR (LastArrival = {from_at:DateTime64(3)} AND TraceId > {from_trace:String}))
     AND (LastArrival < {to_at:DateTime64(3)} OR (LastArrival = {to_at:DateTime64(3)} AND TraceId <= {to_trace:String})))
