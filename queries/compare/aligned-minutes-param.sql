-- compare --align, once the window is known (window.sql, window-rollup.sql return the minutes both
-- sides served, as epoch seconds): added to the scope of every later read, over the settled traces
-- ({{minute}} = toStartOfMinute(Start)) or a minute rollup ({{minute}} = Minute). The same minutes
-- aligned-minutes.sql and aligned-minutes-rollup.sql derive, without each read deriving them again.
toUnixTimestamp({{minute}}) IN {aligned_minutes:Array(UInt32)}
