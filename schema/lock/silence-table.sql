-- How long the holder of one generation has been silent, by the server's clock (so the callers'
-- clocks never matter), and whether it let go. A table without rows is being created: not silent.
SELECT if(count() = 0, 0, dateDiff('millisecond', max(Beat), now64(3))) AS silent_ms, max(Released) AS released
FROM {{table}}
