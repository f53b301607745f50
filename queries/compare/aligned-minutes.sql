-- compare --align, added to the scope of every read over the settled traces (sides, tests,
-- breakdown): only traces that started in a minute in which both sides served requests.
toStartOfMinute(Start) IN (
    SELECT toStartOfMinute(Start) AS minute
    FROM verdict_traces_live
    WHERE Requests > 0 AND {{scope}} AND (({{baseline}}) OR ({{candidate}}))
    GROUP BY minute
    HAVING sumIf(Requests, {{baseline}}) > 0 AND sumIf(Requests, {{candidate}}) > 0
)
