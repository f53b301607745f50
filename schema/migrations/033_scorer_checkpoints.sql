-- Online scoring's checkpoint (quality/online-scoring.ts): per scorer version, the arrival time up
-- to which every settled trace has been scored. With the assessments' own ids (scorer, version,
-- trace) it makes each trace scored once per scorer version across restarts: after a crash the
-- traces past the checkpoint are looked at again, and the ones already scored are skipped.
CREATE TABLE IF NOT EXISTS verdict_scorer_checkpoints (
    Scorer String,
    Watermark DateTime64(3),
    -- Ties at the watermark (one insert settles many traces at one arrival time) broken by trace id.
    LastTrace String DEFAULT '',
    UpdatedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY Scorer
