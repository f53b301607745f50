-- Prices for new (provider, model, day) keys, given as JSON lines. Settings travel in the
-- statement, not the connection: on the embedded engine a connection's settings outlive the query,
-- and a ClickHouse-compatible endpoint may take none.
INSERT INTO verdict_prices (Provider, Model, Day, Priced, InputPrice, CacheReadPrice, CacheWritePrice, OutputPrice, PriceSource)
SETTINGS async_insert = 0
SELECT * FROM format(JSONEachRow,
    'Provider String, Model String, Day Date, Priced UInt8, InputPrice Float64, CacheReadPrice Float64, CacheWritePrice Float64, OutputPrice Float64, PriceSource String',
    {rows:String})
