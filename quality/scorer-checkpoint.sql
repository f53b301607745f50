-- A scorer set's checkpoint: the latest watermark and trace written (n = 0 when it never ran).
SELECT toString(argMax(Watermark, UpdatedAt)) AS w, argMax(LastTrace, UpdatedAt) AS t, count() AS n
FROM verdict_scorer_checkpoints
WHERE Scorer = {scorer:String}
