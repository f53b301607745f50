-- A scorer set's first checkpoint: the moment online scoring started ({age_ms} ago, on the
-- engine's clock, the clock arrivals are stamped with); older traces are `verdict score`'s.
INSERT INTO verdict_scorer_checkpoints (Scorer, Watermark)
SETTINGS async_insert = 0
SELECT {scorer:String}, now64(3) - toIntervalMillisecond({age_ms:UInt32})
